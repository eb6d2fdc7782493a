"""The gateway's composition root: the token verifier, one pooled HTTP client per service, the
event bus and the subscription feed, all opened and closed by the app's lifespan."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import httpx

from skillpass.gateway.clients.http import ServiceClients
from skillpass.gateway.context import GatewayServices
from skillpass.gateway.event_hub import EventHub
from skillpass.gateway.feed import FEED_TOPICS, EventFeed, feed_group
from skillpass.gateway.rate_limit import TokenBuckets
from skillpass.gateway.settings import GatewaySettings
from skillpass.platform.auth import AuthError, Principal, TokenVerifier, bearer_token
from skillpass.platform.bus.from_settings import open_event_bus
from skillpass.platform.bus.memory import MemoryBroker
from skillpass.platform.readiness import ReadinessProbe
from skillpass.platform.workers import running

SERVICES = ("issuer", "wallet", "verifier")


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayRuntime:
    services: GatewayServices
    tokens: TokenVerifier | None
    buckets: TokenBuckets
    feed: EventFeed
    probes: Mapping[str, ReadinessProbe] = field(default_factory=dict)

    def authenticate(self, authorization: str) -> Principal:
        """The caller of an ``Authorization`` header; raises ``AuthError`` (a 401)."""
        if self.tokens is None:
            raise AuthError("this gateway is not configured to check tokens")
        return self.tokens.verify(bearer_token(authorization))


async def token_verifier_from(settings: GatewaySettings) -> TokenVerifier | None:
    """From the JWKS in settings (inline, a file, or a URL fetched once at start)."""
    jwks = settings.jwks()
    if jwks is None and settings.jwt_jwks_url is not None:
        async with httpx.AsyncClient(timeout=settings.http_timeout_seconds) as client:
            response = await client.get(settings.jwt_jwks_url)
            response.raise_for_status()
            jwks = response.json()
    if jwks is None:
        return None  # every request is anonymous; tokens are refused
    return TokenVerifier(jwks, audience=settings.jwt_audience, issuer=settings.jwt_issuer)


@asynccontextmanager
async def open_gateway(
    settings: GatewaySettings,
    *,
    tokens: TokenVerifier | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    memory_broker: MemoryBroker | None = None,
) -> AsyncIterator[GatewayRuntime]:
    """``transports`` reach services in-process (embedded mode, tests); ``memory_broker`` is the
    embedded process's shared bus (else Kafka from ``KAFKA_BOOTSTRAP_SERVERS``)."""
    transports = transports or {}
    urls = {
        "issuer": settings.issuer_url,
        "wallet": settings.wallet_url,
        "verifier": settings.verifier_url,
    }
    async with AsyncExitStack() as stack:
        verifier = tokens or await token_verifier_from(settings)
        clients = {
            name: await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=urls[name],
                    transport=transports.get(name),
                    timeout=settings.http_timeout_seconds,
                    limits=httpx.Limits(max_connections=settings.http_max_connections),
                )
            )
            for name in SERVICES
        }
        bus = await stack.enter_async_context(
            open_event_bus(settings, topics=FEED_TOPICS, memory_broker=memory_broker)
        )
        hub = EventHub(queue_size=settings.subscriber_queue_size)
        feed = EventFeed(bus, hub, group=feed_group(settings.replica_id))
        await stack.enter_async_context(running([feed], grace=2.0))
        probes: dict[str, ReadinessProbe] = {"feed": feed.probe}
        if not settings.embedded:
            probes["kafka"] = bus.ping
        yield GatewayRuntime(
            services=GatewayServices(settings=settings, clients=ServiceClients(**clients), hub=hub),
            tokens=verifier,
            buckets=TokenBuckets(
                rate_per_second=settings.rate_limit_per_second,
                burst=settings.rate_limit_burst,
                clock=time.monotonic,
            ),
            feed=feed,
            probes=probes,
        )
