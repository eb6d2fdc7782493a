"""Test servers: an issuer's web site (a real HTTP server on 127.0.0.1, uvicorn in process,
serving DID documents and status lists from a dict and counting requests per path), and the
verifier app with its lifespan running behind an in-process client."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from skillpass.platform.auth import DevTokenSigner, Role
from skillpass.verifier.bootstrap import STATE_KEY, Verifier
from skillpass.verifier.entrypoints.http import create_app
from skillpass.verifier.settings import VerifierSettings
from skillpass.verifier.testing import TestIssuer


class IssuerSite:
    def __init__(self) -> None:
        self.documents: dict[str, Mapping[str, Any]] = {}  # path -> JSON document
        self.hits: Counter[str] = Counter()
        self.delay = 0.0  # seconds each answer takes (to keep concurrent fetches in flight)
        self.max_age = 300
        self.base_url = ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path = request.url.path
        self.hits[path] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        document = self.documents.get(path)
        response = (
            Response(status_code=404)
            if document is None
            else Response(
                json.dumps(document),
                media_type="application/json",
                headers={"cache-control": f"max-age={self.max_age}"},
            )
        )
        await response(scope, receive, send)


@asynccontextmanager
async def serve_site() -> AsyncIterator[IssuerSite]:
    """The site, listening on a free port of 127.0.0.1 for the duration of the block."""
    site = IssuerSite()
    config = uvicorn.Config(
        site, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # startup failed: raise its error
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        site.base_url = f"http://127.0.0.1:{port}"
        yield site
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def asgi_client(app: Starlette) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    """``app`` with its lifespan running and a client talking to it in process (what an ASGI
    server does: the lifespan's state copied into each request); also yields that state."""
    async with app.router.lifespan_context(app) as state:
        lifespan_state = dict(state or {})

        async def server(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(lifespan_state)}, receive, send)

        transport = httpx.ASGITransport(app=server)
        async with httpx.AsyncClient(transport=transport, base_url="http://verifier.test") as http:
            yield http, lifespan_state


@asynccontextmanager
async def running_app(
    settings: VerifierSettings, **options: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Verifier]]:
    """The verifier app (``options`` as for ``create_app``), running, with a client."""
    async with asgi_client(create_app(settings, **options)) as (http, state):
        yield http, state[STATE_KEY]


def publish(site: IssuerSite, issuer: TestIssuer) -> None:
    """Put the issuer's DID document and current status lists on its site."""
    site.documents[issuer.path] = issuer.did_document()
    for purpose in ("revocation", "suspension"):
        site.documents[urlsplit(issuer.list_url(purpose)).path] = issuer.status_list(purpose)


def local_settings(**overrides: Any) -> VerifierSettings:
    """In-memory backends unless overridden, plain HTTP to 127.0.0.1 allowed (tests only)."""
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": None,
        "mongodb_uri": None,
        "fetch_allow_http": True,
        "fetch_allowed_hosts": frozenset({"127.0.0.1"}),
        "did_web_scheme": "http",
        "rate_limit_per_minute": 6000,
        "rate_limit_burst": 1000,
    }
    return VerifierSettings(**(values | overrides))


def bearer(
    signer: DevTokenSigner, subject: str, *roles: Role, tenant: str | None = None
) -> dict[str, str]:
    """An ``Authorization`` header for a caller with these roles."""
    token = signer.token(subject, now=datetime.now(UTC), roles=roles, tenant=tenant)
    return {"authorization": f"Bearer {token}"}


async def eventually(condition: Callable[[], Awaitable[bool]], *, within: float = 5.0) -> None:
    """Wait for a background worker's effect (the relay, the seeder); fail after ``within``."""
    for _ in range(int(within / 0.01)):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition not met within {within} s")
