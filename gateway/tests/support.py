"""Test support: the gateway against stand-in services, small Starlette apps that answer like
the issuer, wallet and verifier do (their documented JSON) and count every call, so the
gateway's own behaviour (limits, DataLoaders, error mapping, authorization before any call) is
tested alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from skillpass.gateway.app import create_app
from skillpass.gateway.settings import GatewaySettings
from skillpass.platform.auth import DevTokenSigner, Role

Handler = Callable[[Request], Awaitable[Response]]


def problem(status: int, code: str, detail: str = "refused") -> JSONResponse:
    body = {"type": f"https://skillpass.dev/problems/{code}", "title": code, "status": status}
    return JSONResponse(
        {**body, "detail": detail, "code": code},
        status_code=status,
        media_type="application/problem+json",
    )


def holding(index: int, tenant: str) -> dict[str, Any]:
    return {
        "id": f"h{index}",
        "credential_id": f"urn:uuid:c{index}",
        "origin": "issued",
        "offer": "accepted",
        "status": "active",
        "tenant_id": tenant,
        "received_at": "2026-03-01T12:00:00Z",
        "name": f"Badge {index}",
        "issuer": {"id": f"did:web:example.org:issuers:{tenant}", "name": tenant.title()},
        "achievement": {"id": f"https://example.org/achievements/{tenant}-a{index % 3}"},
        "skills": [],
    }


def achievement(tenant: str, index: int) -> dict[str, Any]:
    return {
        "id": f"{tenant}-a{index}",
        "tenantId": tenant,
        "version": 1,
        "achievement": {
            "id": f"https://example.org/achievements/{tenant}-a{index}",
            "name": f"Achievement {index} of {tenant}",
            "description": "d",
            "criteria": {"narrative": "n"},
        },
    }


@dataclass
class Backends:
    """The stand-ins' data and the calls they received (`"GET /path"` → count)."""

    holdings: list[dict[str, Any]] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    overrides: dict[str, Handler] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def app(self, routes: list[Route]) -> Starlette:
        async def counting(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                key = f"{scope['method']} {scope['path']}"
                self.calls[key] += 1
                if key in self.overrides:
                    response = await self.overrides[key](Request(scope, receive))
                    await response(scope, receive, send)
                    return
            await inner(scope, receive, send)

        inner = Starlette(routes=routes)
        return counting  # type: ignore[return-value]

    def issuer(self) -> Starlette:
        async def tenant(request: Request) -> Response:
            slug = request.path_params["tenant"]
            return JSONResponse(
                {
                    "id": slug,
                    "did": f"did:web:example.org:issuers:{slug}",
                    "profile": {"name": slug},
                }
            )

        async def achievements(request: Request) -> Response:
            slug = request.path_params["tenant"]
            return JSONResponse({"items": [achievement(slug, i) for i in range(3)]})

        async def create_tenant(request: Request) -> Response:
            body = await request.json()
            return JSONResponse({"id": body["slug"], "did": "did:web:x", "profile": {}}, 201)

        return self.app(
            [
                Route("/tenants", create_tenant, methods=["POST"]),
                Route("/tenants/{tenant}", tenant),
                Route("/tenants/{tenant}/achievements", achievements),
            ]
        )

    def wallet(self) -> Starlette:
        async def holdings(request: Request) -> Response:
            limit = int(request.query_params.get("limit", "20"))
            return JSONResponse({"items": self.holdings[:limit], "next_cursor": None})

        async def counts(_request: Request) -> Response:
            return JSONResponse(
                {"active": len(self.holdings), "suspended": 0, "revoked": 0, "offers": 0}
            )

        return self.app(
            [
                Route("/learners/{learner}/holdings", holdings),
                Route("/learners/{learner}/holdings/counts", counts),
            ]
        )

    def verifier(self) -> Starlette:
        async def verify(request: Request) -> Response:
            return JSONResponse(
                {
                    "verified": True,
                    "verificationId": "v1",
                    "results": [{"check": "proof", "outcome": "passed"}],
                }
            )

        return self.app([Route("/credentials/verify", verify, methods=["POST"])])


@dataclass
class Gateway:
    http: httpx.AsyncClient
    backends: Backends
    signer: DevTokenSigner

    def token(
        self,
        subject: str,
        *roles: Role,
        tenant: str | None = None,
        learner_id: str | None = None,
    ) -> dict[str, str]:
        token = self.signer.token(
            subject, now=datetime.now(UTC), roles=roles, tenant=tenant, learner_id=learner_id
        )
        return {"Authorization": f"Bearer {token}"}

    async def query(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": dict(variables or {}), **extra},
            headers=dict(headers or {}),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def settings(**overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": None,
        "mongodb_uri": None,
        "issuer_url": "http://issuer",
        "wallet_url": "http://wallet",
        "verifier_url": "http://verifier",
        **overrides,
    }
    return GatewaySettings(**values)


@asynccontextmanager
async def running_gateway(backends: Backends, **overrides: Any) -> AsyncIterator[Gateway]:
    signer = DevTokenSigner(issuer="skillpass", audience="skillpass")
    app = create_app(
        settings(**overrides),
        tokens=signer.verifier(),
        transports={
            "issuer": httpx.ASGITransport(app=backends.issuer()),
            "wallet": httpx.ASGITransport(app=backends.wallet()),
            "verifier": httpx.ASGITransport(app=backends.verifier()),
        },
    )
    async with app.router.lifespan_context(app) as state:

        async def server(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state or {})}, receive, send)

        transport = httpx.ASGITransport(app=server)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield Gateway(http=http, backends=backends, signer=signer)
