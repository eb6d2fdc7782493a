"""The embedded run mode (``skillpass dev``): gateway, issuer, wallet and verifier in one process
on the in-memory adapters and one shared in-memory event bus, behind one ASGI app:

    /graphql, /healthz, /readyz   the gateway (GraphiQL at /graphql)
    /wallet/...                   the wallet (its public share pages: /wallet/s/{token})
    /verifier/...                 the verifier
    everything else               the issuer (did:web documents, status lists, its API)

The issuer is at the root because its ``did:web`` and status-list URLs are derived from its
public origin. Nothing talks over the network: the gateway's clients, the verifier's document
fetches and the wallet's verifier calls all go through ``httpx.ASGITransport`` into this app.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from skillpass.gateway.app import create_app as create_gateway_app
from skillpass.gateway.demo import Demo, seed_demo
from skillpass.gateway.settings import GatewaySettings
from skillpass.issuer.entrypoints.http import create_embedded_app as create_issuer_app
from skillpass.issuer.settings import IssuerSettings
from skillpass.platform.auth import DevTokenSigner
from skillpass.platform.bus.memory import MemoryBroker, MemoryEventBus
from skillpass.verifier.entrypoints.http import create_app as create_verifier_app
from skillpass.verifier.settings import VerifierSettings
from skillpass.wallet.adapters.pathway_catalogue import HttpPathwayCatalogue
from skillpass.wallet.adapters.verifiers import HttpVerifier
from skillpass.wallet.entrypoints.http import embedded_app as create_wallet_app
from skillpass.wallet.settings import WalletSettings

DEV_JWT_ISSUER = "skillpass-dev"
DEV_JWT_AUDIENCE = "skillpass"
# Embedded mode never reads backends from the environment, even when they are set.
NO_BACKENDS: Mapping[str, Any] = {"kafka_bootstrap_servers": None, "mongodb_uri": None}


class Hosted:
    """A service app run inside this process: its lifespan entered by ours, its state handed to
    every request (what a server does for a top-level app)."""

    def __init__(self, name: str, app: Starlette) -> None:
        self.name = name
        self.app = app
        self._state: dict[str, Any] | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.app.router.lifespan_context(self.app) as state:
            self._state = dict(state or {})
            try:
                yield
            finally:
                self._state = None

    @property
    def state(self) -> Mapping[str, Any]:
        """What the app's lifespan yielded (while it runs)."""
        if self._state is None:
            raise RuntimeError(f"the {self.name} app is not running")
        return self._state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._state is None:
            raise RuntimeError(f"the {self.name} app is not running")
        await self.app({**scope, "state": dict(self._state)}, receive, send)


class EmbeddedPlatform:
    """Build with the public ``base_url`` the process is reached at; serve :attr:`app` (its
    lifespan starts every service and, with ``seed``, creates the demo data)."""

    def __init__(
        self,
        *,
        base_url: str = "http://127.0.0.1:8000",
        signer: DevTokenSigner | None = None,
        seed: bool = True,
        on_seeded: Callable[[Demo], Awaitable[None] | None] | None = None,
        gateway_settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signer = signer or DevTokenSigner(issuer=DEV_JWT_ISSUER, audience=DEV_JWT_AUDIENCE)
        self.demo: Demo | None = None
        self._seed = seed
        self._on_seeded = on_seeded
        host = urlsplit(self.base_url).hostname or "127.0.0.1"
        tokens = self.signer.verifier()
        broker = MemoryBroker()
        self.broker = broker
        # Requests to our own origin (did:web, status lists, the verifier) stay in-process.
        self._loopback = httpx.ASGITransport(app=self, raise_app_exceptions=False)
        self._wallet_http = httpx.AsyncClient(transport=self._loopback, base_url=self.base_url)

        self.issuer = Hosted(
            "issuer",
            create_issuer_app(
                IssuerSettings(
                    public_base_url=self.base_url,
                    jwt_issuer=DEV_JWT_ISSUER,
                    jwt_audience=DEV_JWT_AUDIENCE,
                    **NO_BACKENDS,
                ),
                event_bus=MemoryEventBus(broker),
                tokens=tokens,
            ),
        )

        async def resolve(_host: str, _port: int) -> Sequence[ipaddress.IPv4Address]:
            return [ipaddress.IPv4Address("127.0.0.1")]

        self.verifier = Hosted(
            "verifier",
            create_verifier_app(
                VerifierSettings(
                    fetch_allow_http=True,
                    fetch_allowed_hosts=frozenset({host.lower()}),
                    did_web_scheme="http",
                    # Revocations show at once (a verifier would otherwise cache status lists
                    # for their max-age, five minutes).
                    cache_max_ttl_seconds=0,
                    trust_forwarded_for=True,  # only the gateway reaches it here
                    jwt_issuer=DEV_JWT_ISSUER,
                    jwt_audience=DEV_JWT_AUDIENCE,
                    **NO_BACKENDS,
                ),
                memory_broker=broker,
                tokens=tokens,
                transport=self._loopback,
                resolve=resolve,
            ),
        )
        self.wallet = Hosted(
            "wallet",
            create_wallet_app(
                memory_broker=broker,
                token_verifier=tokens,
                settings=WalletSettings(public_base_url=f"{self.base_url}/wallet", **NO_BACKENDS),
                verifier=HttpVerifier(self._wallet_http, base_url=f"{self.base_url}/verifier"),
                catalogue=HttpPathwayCatalogue(self._wallet_http, base_url=self.base_url),
            ),
        )
        self.gateway = Hosted(
            "gateway",
            create_gateway_app(
                GatewaySettings(
                    graphiql=True,
                    issuer_url=self.base_url,
                    wallet_url=f"{self.base_url}/wallet",
                    verifier_url=f"{self.base_url}/verifier",
                    jwt_issuer=DEV_JWT_ISSUER,
                    jwt_audience=DEV_JWT_AUDIENCE,
                    **{**NO_BACKENDS, **(gateway_settings or {})},
                ),
                tokens=tokens,
                transports=dict.fromkeys(("issuer", "wallet", "verifier"), self._loopback),
                memory_broker=broker,
            ),
        )
        routes: list[BaseRoute] = [
            Route("/", self.gateway, methods=["GET"]),
            Route("/graphql", self.gateway, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", self.gateway),
            Route("/healthz", self.gateway, methods=["GET"]),
            Route("/readyz", self.gateway, methods=["GET"]),
            Mount("/wallet", app=self.wallet),
            Mount("/verifier", app=self.verifier),
            Mount("", app=self.issuer),
        ]
        self.app = Starlette(routes=routes, lifespan=self._lifespan)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    @asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        async with self.running():
            yield

    @asynccontextmanager
    async def running(self) -> AsyncIterator[EmbeddedPlatform]:
        """Every service running (and the demo seeded); what the ASGI lifespan enters."""
        async with AsyncExitStack() as stack:
            stack.push_async_callback(self._wallet_http.aclose)
            for hosted in (self.issuer, self.verifier, self.wallet, self.gateway):
                await stack.enter_async_context(hosted.running())
            if self._seed and self.demo is None:
                self.demo = await seed_demo(self.graphql, self.signer)
                if self._on_seeded is not None:
                    done = self._on_seeded(self.demo)
                    if done is not None:
                        await done
            yield self

    def client(self) -> httpx.AsyncClient:
        """An HTTP client into this process (the caller closes it)."""
        return httpx.AsyncClient(transport=self._loopback, base_url=self.base_url)

    async def graphql(
        self, query: str, variables: Mapping[str, Any], token: str | None
    ) -> dict[str, Any]:
        """One GraphQL request as a client would send it; the ``data`` (raises on errors)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.client() as http:
            response = await http.post(
                "/graphql", json={"query": query, "variables": dict(variables)}, headers=headers
            )
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"GraphQL request failed: {response.status_code} {body}")
        data: dict[str, Any] = body["data"]
        return data
