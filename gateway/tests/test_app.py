"""The gateway answers its probes and refuses bad bearer tokens before GraphQL runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from skillpass.gateway.app import create_app
from skillpass.gateway.settings import GatewaySettings
from skillpass.platform.auth import DevTokenSigner


@pytest.fixture
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    signer = DevTokenSigner(issuer="skillpass", audience="skillpass")
    app = create_app(
        GatewaySettings(kafka_bootstrap_servers=None, mongodb_uri=None), tokens=signer.verifier()
    )
    async with app.router.lifespan_context(app) as state:

        async def server(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state or {})}, receive, send)

        transport = httpx.ASGITransport(app=server)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


async def test_healthz_reports_ok(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_subscription_feed(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/readyz")
    assert response.status_code in (200, 503)
    assert "feed" in response.json()["checks"]


async def test_anonymous_me_is_null(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json={"query": "{ me { subject } }"})
    assert response.json() == {"data": {"me": None}}


async def test_a_forged_token_is_a_401_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql",
        json={"query": "{ me { subject } }"},
        headers={"Authorization": "Bearer not.a.jwt"},
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"
