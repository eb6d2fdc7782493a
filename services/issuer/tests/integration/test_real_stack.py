"""The issuer as its own process would run it: MongoDB (FerretDB), Kafka, worker processes for
signing, the outbox relay publishing to the broker."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr
from starlette.types import Receive, Scope, Send

from skillpass.issuer.entrypoints.http import RUNTIME, create_app
from skillpass.issuer.settings import IssuerSettings
from skillpass.platform.auth import DevTokenSigner, Role
from skillpass.platform.mongo import MongoDatabase

pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.timeout(120)]


@pytest.fixture
async def http(
    kafka_bootstrap_servers: str, mongodb_uri: str, mongo_database: MongoDatabase
) -> AsyncIterator[tuple[httpx.AsyncClient, DevTokenSigner, object]]:
    signer = DevTokenSigner(issuer="skillpass-test", audience="skillpass")
    settings = IssuerSettings(
        public_base_url="http://localhost:8001",
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        mongodb_uri=SecretStr(mongodb_uri),
        mongodb_database=mongo_database.name,
        kek=SecretStr(base64.b64encode(bytes(range(32))).decode()),
        batch_workers=1,
    )
    app = create_app(settings, tokens=signer.verifier())
    async with app.router.lifespan_context(app) as state:
        assert state is not None

        async def server(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state)}, receive, send)

        transport = httpx.ASGITransport(app=server, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://localhost:8001"
        ) as client:
            yield client, signer, state[RUNTIME]


async def test_issue_on_the_real_stack_and_the_relay_drains_the_outbox(
    http: tuple[httpx.AsyncClient, DevTokenSigner, object],
) -> None:
    client, signer, runtime = http

    def auth(*roles: Role, tenant: str | None = None) -> dict[str, str]:
        return {
            "Authorization": "Bearer "
            + signer.token("t", now=datetime.now(UTC), roles=roles, tenant=tenant)
        }

    tenant = await client.post(
        "/tenants",
        json={"slug": "uni", "profile": {"name": "Uni"}},
        headers=auth(Role.PLATFORM_ADMIN),
    )
    assert tenant.status_code == 201, tenant.text
    assert tenant.json()["did"] == "did:web:localhost%3A8001:issuers:uni"
    achievement = await client.post(
        "/tenants/uni/achievements",
        json={"name": "A", "description": "An achievement.", "criteria": {"narrative": "Do it."}},
        headers=auth(Role.ISSUER_ADMIN, tenant="uni"),
    )
    issued = await client.post(
        "/tenants/uni/credentials",
        json={"achievementId": achievement.json()["id"], "recipient": {"email": "a@example.org"}},
        headers=auth(Role.ISSUER_ADMIN, tenant="uni"),
    )
    assert issued.status_code == 201, issued.text
    assert (await client.get("/readyz")).status_code == 200
    credentials = runtime.bus.deps.credentials  # type: ignore[attr-defined]
    for _ in range(100):
        if not await credentials.pending(limit=10):
            break
        await asyncio.sleep(0.1)
    assert await credentials.pending(limit=10) == []  # published to Kafka, then removed
