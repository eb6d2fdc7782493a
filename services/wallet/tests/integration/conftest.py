"""The wallet's HTTP app in embedded mode (memory repositories, the in-memory bus with its
consumer running), served to httpx through ASGI, with dev-signed tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from skillpass.platform.auth import DevTokenSigner, Role
from skillpass.platform.bus.memory import MemoryBroker
from skillpass.wallet.adapters.memory import StaticPathwayCatalogue
from skillpass.wallet.adapters.verifiers import EmbeddedVerifier
from skillpass.wallet.bootstrap import WalletRuntime
from skillpass.wallet.entrypoints.http import embedded_app
from skillpass.wallet.settings import WalletSettings
from skillpass.wallet.testing import Clock

BASE_URL = "https://wallet.test"


@dataclass
class Wallet:
    http: httpx.AsyncClient
    runtime: WalletRuntime
    broker: MemoryBroker
    signer: DevTokenSigner
    clock: Clock

    def token(
        self, subject: str, *roles: Role, tenant: str | None = None, learner_id: str | None = None
    ) -> dict[str, str]:
        token = self.signer.token(
            subject,
            now=datetime.now(UTC),  # JWTs are checked against the real clock
            roles=roles or (Role.LEARNER,),
            tenant=tenant,
            learner_id=learner_id,
        )
        return {"Authorization": f"Bearer {token}"}

    def learner(self, learner_id: str) -> dict[str, str]:
        return self.token(learner_id, Role.LEARNER)

    def admin(self) -> dict[str, str]:
        return self.token("root", Role.PLATFORM_ADMIN)


def problem(response: httpx.Response, status: int, code: str | None = None) -> Mapping[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: Mapping[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    if code is not None:
        assert body["code"] == code
    return body


@pytest.fixture
async def wallet(clock: Clock, catalogue: StaticPathwayCatalogue) -> AsyncIterator[Wallet]:
    signer = DevTokenSigner(issuer="skillpass-test", audience="skillpass")
    broker = MemoryBroker()
    app = embedded_app(
        memory_broker=broker,
        token_verifier=signer.verifier(),
        settings=WalletSettings(public_base_url=BASE_URL, max_request_body_bytes=2_000_000),
        verifier=EmbeddedVerifier(clock=clock),
        catalogue=catalogue,
        clock=clock,
    )
    async with app.router.lifespan_context(app) as state:
        assert state is not None

        async def server(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state)}, receive, send)

        transport = httpx.ASGITransport(app=server, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield Wallet(
                http=http, runtime=state["wallet"], broker=broker, signer=signer, clock=clock
            )
