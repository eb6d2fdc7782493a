"""The one composition root: settings in, a running verifier out (adapters chosen by settings,
every client opened and closed by the lifespan that calls :func:`open_verifier`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import structlog

from skillpass.platform.app import AppResources
from skillpass.platform.auth import TokenVerifier
from skillpass.platform.bus.from_settings import open_event_bus
from skillpass.platform.bus.memory import MemoryBroker
from skillpass.platform.events import VERIFICATIONS_TOPIC
from skillpass.platform.mongo import ensure_indexes, mongo_client, mongo_probe
from skillpass.platform.readiness import ReadinessProbe
from skillpass.platform.relay import OutboxRelay
from skillpass.platform.store.memory import MemoryAggregateStore
from skillpass.platform.store.mongo import MongoAggregateStore
from skillpass.platform.store.port import AggregateStore
from skillpass.platform.workers import running
from skillpass.verifier.adapters.did_web import DidWebResolver
from skillpass.verifier.adapters.documents import HttpDocuments
from skillpass.verifier.adapters.http_cache import CachingFetcher
from skillpass.verifier.adapters.rate_limit import RateLimiter
from skillpass.verifier.adapters.repositories import (
    StoreTrustRegistryRepository,
    StoreVerificationRepository,
)
from skillpass.verifier.adapters.safe_fetch import (
    FetchPolicy,
    Resolve,
    SafeFetcher,
    resolve_with_dns,
)
from skillpass.verifier.adapters.vc_core import VcCore, verify_list_credential
from skillpass.verifier.adapters.verified_lists import ListVerifier, VerifiedLists
from skillpass.verifier.domain.trust import GLOBAL_SCOPE, TrustedIssuer
from skillpass.verifier.service_layer.handlers import Dependencies, MessageBus
from skillpass.verifier.service_layer.messages import ImportTrustRegistry, PutTrustedIssuer
from skillpass.verifier.settings import VerifierSettings

log = structlog.get_logger(__name__)

VERIFICATIONS_COLLECTION = "verifications"
TRUST_COLLECTION = "trust_registries"
STATE_KEY = "verifier"


@dataclass(frozen=True, slots=True, kw_only=True)
class Verifier:
    """What the entrypoints need: the bus (and, through it, the repositories for queries),
    caller authentication and the public endpoints' rate limiter."""

    bus: MessageBus
    tokens: TokenVerifier | None
    limiter: RateLimiter
    settings: VerifierSettings


def fetch_policy(settings: VerifierSettings) -> FetchPolicy:
    return FetchPolicy(
        allow_http=settings.fetch_allow_http,
        allowed_hosts=frozenset(h.lower() for h in settings.fetch_allowed_hosts),
        allowed_networks=settings.fetch_allowed_networks,
        max_bytes=settings.fetch_max_bytes,
        max_redirects=settings.fetch_max_redirects,
        timeout_seconds=settings.fetch_timeout_seconds,
    )


def token_verifier(settings: VerifierSettings) -> TokenVerifier | None:
    jwks = settings.jwks()
    if jwks is None:
        return None  # every endpoint that needs a caller answers 401
    return TokenVerifier(jwks, audience=settings.jwt_audience, issuer=settings.jwt_issuer)


async def seed_trust(bus: MessageBus, settings: VerifierSettings) -> None:
    """Registries from configuration; idempotent, so every start may run it again."""
    for seed in settings.trust_seeds:
        entry = TrustedIssuer(
            did=seed.did,
            name=seed.name,
            scope=seed.scope,
            url=seed.url,
            accreditation_body=seed.accreditation_body,
            valid_from=seed.valid_from,
            valid_until=seed.valid_until,
            registry="config",
        )
        await bus.handle(PutTrustedIssuer(entry=entry))
    for path in settings.trust_registry_files:
        document = json.loads(path.read_text())
        await bus.handle(
            ImportTrustRegistry(scope=GLOBAL_SCOPE, registry_name=path.stem, document=document)
        )


class _Seeder:
    """Seeds the registries in the background, retrying while the database is not up yet (the
    service starts and reports not-ready meanwhile, rather than crashing)."""

    def __init__(self, bus: MessageBus, settings: VerifierSettings) -> None:
        self._bus = bus
        self._settings = settings
        self._stopped = asyncio.Event()

    async def run(self) -> None:
        delay = 0.2
        while not self._stopped.is_set():
            try:
                await seed_trust(self._bus, self._settings)
                return
            except Exception:
                log.exception("seeding the trust registries failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), delay)
            delay = min(delay * 2, 10.0)

    async def stop(self) -> None:
        self._stopped.set()


@asynccontextmanager
async def _stores(
    settings: VerifierSettings, stack: AsyncExitStack, probes: dict[str, ReadinessProbe]
) -> AsyncIterator[tuple[AggregateStore, AggregateStore]]:
    if settings.mongodb_uri is None:
        yield MemoryAggregateStore(), MemoryAggregateStore()
        return
    client = await stack.enter_async_context(
        mongo_client(settings.mongodb_uri.get_secret_value(), app_name=settings.service_name)
    )
    probes["mongodb"] = mongo_probe(client)
    database = client[settings.database_name]
    with contextlib.suppress(Exception):  # not up yet: readiness says so; indexes come later
        await ensure_indexes(
            database,
            {
                VERIFICATIONS_COLLECTION: MongoAggregateStore.INDEXES,
                TRUST_COLLECTION: MongoAggregateStore.INDEXES,
            },
        )
    yield (
        MongoAggregateStore(database[VERIFICATIONS_COLLECTION]),
        MongoAggregateStore(database[TRUST_COLLECTION]),
    )


@asynccontextmanager
async def open_verifier(
    settings: VerifierSettings,
    *,
    memory_broker: MemoryBroker | None = None,
    tokens: TokenVerifier | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    resolve: Resolve = resolve_with_dns,
    clock: Callable[[], datetime] | None = None,
    timer: Callable[[], float] = time.monotonic,
    verify_list: ListVerifier = verify_list_credential,
) -> AsyncIterator[AppResources]:
    """Everything the verifier runs on, for the lifespan of an app. ``memory_broker`` shares the
    in-memory bus with other services (embedded mode); ``transport``/``resolve`` let tests serve
    documents without a network; ``tokens`` overrides the JWKS from settings; ``timer`` ages the
    caches and ``verify_list`` checks status list credentials (tests move the one and count the
    other)."""
    probes: dict[str, ReadinessProbe] = {}
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient(transport=transport))
        cache = CachingFetcher(
            SafeFetcher(http, fetch_policy(settings), resolve=resolve),
            clock=timer,
            default_ttl=settings.cache_default_ttl_seconds,
            max_ttl=settings.cache_max_ttl_seconds,
            max_entries=settings.cache_max_entries,
            failure_ttl=settings.cache_failure_ttl_seconds,
        )
        verified_lists = VerifiedLists(
            verify_list,
            ttl_seconds=settings.cache_max_ttl_seconds,
            max_entries=settings.cache_max_entries,
            clock=timer,
        )
        documents = HttpDocuments(cache, DidWebResolver(cache, scheme=settings.did_web_scheme))
        verification_store, trust_store = await stack.enter_async_context(
            _stores(settings, stack, probes)
        )
        event_bus = await stack.enter_async_context(
            open_event_bus(settings, topics=[VERIFICATIONS_TOPIC], memory_broker=memory_broker)
        )
        # No readiness probe on the broker: verifying needs only the documents and the store
        # (the completed events wait in the outbox), so a broker outage must not take the
        # verifier out of its Service's endpoints. The relay role does probe it.
        relay = OutboxRelay(event_bus, [verification_store])
        bus = MessageBus(
            Dependencies(
                core=VcCore(lists=verified_lists),
                documents=documents,
                verifications=StoreVerificationRepository(verification_store),
                trust=StoreTrustRegistryRepository(trust_store),
                clock=clock or (lambda: datetime.now(UTC)),
                new_id=lambda: str(uuid.uuid4()),
                require_registered_issuer=settings.require_registered_issuer,
                require_challenge=settings.require_challenge,
                max_documents=settings.fetch_max_documents,
                recorded=relay.wake,
            )
        )
        verifier = Verifier(
            bus=bus,
            tokens=tokens or token_verifier(settings),
            limiter=RateLimiter(
                per_minute=settings.rate_limit_per_minute,
                burst=settings.rate_limit_burst,
                clock=time.monotonic,
            ),
            settings=settings,
        )
        seeder = _Seeder(bus, settings)
        async with running([relay, seeder] if settings.run_relay else [seeder]):
            yield AppResources(probes=probes, state={STATE_KEY: verifier})


@asynccontextmanager
async def relay_runtime(settings: VerifierSettings) -> AsyncIterator[Mapping[str, ReadinessProbe]]:
    """`--role relay`: only the outbox relay, over the verifications the api records (it polls
    MongoDB). Ready when MongoDB and Kafka answer."""
    if settings.mongodb_uri is None or settings.kafka_bootstrap_servers is None:
        raise RuntimeError("the verifier relay needs MONGODB_URI and KAFKA_BOOTSTRAP_SERVERS")
    probes: dict[str, ReadinessProbe] = {}
    async with AsyncExitStack() as stack:
        verification_store, _ = await stack.enter_async_context(_stores(settings, stack, probes))
        event_bus = await stack.enter_async_context(
            open_event_bus(settings, topics=[VERIFICATIONS_TOPIC])
        )
        probes["kafka"] = event_bus.ping
        async with running([OutboxRelay(event_bus, [verification_store])]):
            yield probes
