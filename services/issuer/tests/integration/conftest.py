"""The issuer's HTTP app in embedded mode (memory stores, in-memory bus, pathway consumer running),
served to httpx through ASGI, with dev-signed tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from skillpass.issuer.bootstrap import IssuerRuntime
from skillpass.issuer.entrypoints.http import RUNTIME, create_embedded_app
from skillpass.issuer.settings import IssuerSettings
from skillpass.issuer.testing import Published
from skillpass.platform.auth import DevTokenSigner, Role
from skillpass.platform.bus.memory import MemoryEventBus

BASE_URL = "https://issuer.skillpass.test"
BODY_CAP = 600_000


@dataclass
class Issuer:
    http: httpx.AsyncClient
    runtime: IssuerRuntime
    event_bus: MemoryEventBus
    signer: DevTokenSigner

    def token(
        self, subject: str, *roles: Role, tenant: str | None = None, learner_id: str | None = None
    ) -> dict[str, str]:
        token = self.signer.token(
            subject, now=datetime.now(UTC), roles=roles, tenant=tenant, learner_id=learner_id
        )
        return {"Authorization": f"Bearer {token}"}

    def platform_admin(self) -> dict[str, str]:
        return self.token("root", Role.PLATFORM_ADMIN)

    def admin(self, tenant: str) -> dict[str, str]:
        return self.token(f"admin@{tenant}", Role.ISSUER_ADMIN, tenant=tenant)

    async def tenant(self, slug: str = "uni") -> dict[str, Any]:
        response = await self.http.post(
            "/tenants",
            json={"slug": slug, "profile": {"name": f"University {slug}"}},
            headers=self.platform_admin(),
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def achievement(
        self, tenant: str, name: str = "Data Analysis", credits: float = 5
    ) -> str:
        response = await self.http.post(
            f"/tenants/{tenant}/achievements",
            json={
                "name": name,
                "description": f"{name}: cleans and explores data.",
                "criteria": {"narrative": "Pass the assignments."},
                "achievementType": "Certificate",
                "alignment": [
                    {
                        "targetName": "Analyse data",
                        "targetUrl": "https://esco.example/s/1",
                        "targetFramework": "ESCO",
                    }
                ],
                "creditsAvailable": credits,
                "resultDescription": [
                    {"id": "grade", "name": "Grade", "resultType": "LetterGrade"}
                ],
            },
            headers=self.admin(tenant),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def issue(self, tenant: str, achievement_id: str, **extra: Any) -> httpx.Response:
        headers = {**self.admin(tenant), **extra.pop("headers", {})}
        payload = {
            "achievementId": achievement_id,
            "recipient": {"email": "ada@example.org"},
            **extra,
        }
        return await self.http.post(f"/tenants/{tenant}/credentials", json=payload, headers=headers)

    async def published(self, credential: Mapping[str, Any]) -> Published:
        """What a verifier fetches: the issuer's DID document and status lists, over HTTP."""
        did = credential["issuer"]["id"]
        slug = did.rsplit(":", 1)[1]
        did_doc = (await self.http.get(f"/issuers/{slug}/did.json")).json()
        lists = {}
        for entry in credential["credentialStatus"]:
            url = entry["statusListCredential"]
            response = await self.http.get(url.removeprefix(BASE_URL))
            assert response.status_code == 200
            lists[url] = response.json()
        return Published(dids={did: did_doc}, lists=lists)

    async def credentials_written(self) -> int:
        return len(await self.runtime.bus.deps.credentials.pending(limit=10_000))


def problem(response: httpx.Response, status: int, code: str | None = None) -> Mapping[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: Mapping[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
async def issuer() -> AsyncIterator[Issuer]:
    signer = DevTokenSigner(issuer="skillpass-test", audience="skillpass")
    event_bus = MemoryEventBus()
    settings = IssuerSettings(
        public_base_url=BASE_URL, max_request_body_bytes=BODY_CAP, batch_chunk_size=100
    )
    app = create_embedded_app(settings, event_bus=event_bus, tokens=signer.verifier())
    async with app.router.lifespan_context(app) as state:
        assert state is not None

        async def server(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state)}, receive, send)

        transport = httpx.ASGITransport(app=server, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield Issuer(http=http, runtime=state[RUNTIME], event_bus=event_bus, signer=signer)
