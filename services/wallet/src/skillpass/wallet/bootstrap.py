"""The wallet's one composition root: builds adapters and the message bus, for the real stack
(MongoDB, Kafka, the verifier service over HTTP) and for the embedded run mode (memory
repositories on the process's shared in-memory bus)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import structlog

from skillpass.platform.auth import TokenVerifier
from skillpass.platform.bus.from_settings import open_event_bus
from skillpass.platform.bus.memory import MemoryBroker
from skillpass.platform.bus.port import EventBus
from skillpass.platform.events import CREDENTIALS_TOPIC, HOLDINGS_TOPIC
from skillpass.platform.mongo import ensure_indexes, mongo_client, mongo_probe
from skillpass.platform.readiness import ReadinessProbe
from skillpass.platform.relay import OutboxRelay
from skillpass.platform.workers import Worker, running
from skillpass.wallet.adapters import memory, mongo
from skillpass.wallet.adapters.key_sealing import SecretBoxSealer, random_kek
from skillpass.wallet.adapters.pathway_catalogue import HttpPathwayCatalogue
from skillpass.wallet.adapters.presentation_signing import DataIntegrityPresentationSigner
from skillpass.wallet.adapters.verifiers import EmbeddedVerifier, HttpVerifier
from skillpass.wallet.service_layer.dependencies import WalletDeps
from skillpass.wallet.service_layer.messagebus import MessageBus
from skillpass.wallet.service_layer.ports import (
    CredentialVerifier,
    HoldingRepository,
    LearnerRepository,
    PathwayCatalogue,
    ShareLinkRepository,
)
from skillpass.wallet.settings import WalletSettings

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_bus(
    *,
    learners: LearnerRepository,
    holdings: HoldingRepository,
    share_links: ShareLinkRepository,
    kek: bytes,
    verifier: CredentialVerifier | None = None,
    catalogue: PathwayCatalogue | None = None,
    clock: Clock = utc_now,
    on_outbox_write: Callable[[], None] = lambda: None,
) -> MessageBus:
    deps = WalletDeps(
        learners=learners,
        holdings=holdings,
        share_links=share_links,
        verifier=verifier or EmbeddedVerifier(clock=clock),
        catalogue=catalogue or memory.StaticPathwayCatalogue(),
        sealer=SecretBoxSealer(kek),
        signer=DataIntegrityPresentationSigner(),
        clock=clock,
        new_id=lambda: str(uuid.uuid4()),
        new_token=lambda: secrets.token_urlsafe(24),
        new_seed=lambda: secrets.token_bytes(32),
        on_outbox_write=on_outbox_write,
    )
    return MessageBus(deps)


def memory_bus(
    *,
    kek: bytes | None = None,
    verifier: CredentialVerifier | None = None,
    catalogue: PathwayCatalogue | None = None,
    clock: Clock = utc_now,
) -> MessageBus:
    """The wallet on memory repositories (embedded mode and unit tests)."""
    return build_bus(
        learners=memory.MemoryLearnerRepository(),
        holdings=memory.MemoryHoldingRepository(),
        share_links=memory.MemoryShareLinkRepository(),
        kek=kek or random_kek(),
        verifier=verifier,
        catalogue=catalogue,
        clock=clock,
    )


# Builds the background workers that run beside the relay (the consumer entrypoint's loop).
WorkerFactory = Callable[[MessageBus, EventBus], Sequence[Worker]]


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletRuntime:
    """What the HTTP app and the consumer process need while they run."""

    bus: MessageBus
    token_verifier: TokenVerifier | None  # None: this process serves no HTTP (the consumer)
    public_base_url: str
    probes: dict[str, ReadinessProbe] = field(default_factory=dict)


def token_verifier_from(settings: WalletSettings) -> TokenVerifier:
    if settings.jwt_jwks is None:
        raise RuntimeError("SKILLPASS_WALLET_JWT_JWKS is not set: the wallet cannot check tokens")
    return TokenVerifier.from_json(
        settings.jwt_jwks, audience=settings.jwt_audience, issuer=settings.jwt_issuer
    )


@asynccontextmanager
async def open_wallet(
    settings: WalletSettings,
    *,
    workers: WorkerFactory | None = None,
    token_verifier: TokenVerifier | None = None,
    memory_broker: MemoryBroker | None = None,
    verifier: CredentialVerifier | None = None,
    catalogue: PathwayCatalogue | None = None,
    clock: Clock = utc_now,
) -> AsyncIterator[WalletRuntime]:
    """Open every client the wallet needs, run its relay (and `workers`, e.g. the consumer), close
    everything on exit. MongoDB when MONGODB_URI is set, else memory repositories; Kafka when
    KAFKA_BOOTSTRAP_SERVERS is set, else the (shared) in-memory bus."""
    async with AsyncExitStack() as stack:
        probes: dict[str, ReadinessProbe] = {}
        kek = settings.kek_bytes()
        if kek is None:
            if not settings.embedded:
                raise RuntimeError("SKILLPASS_WALLET_KEK is required outside embedded mode")
            log.warning("no KEK configured: holder keys are sealed with an ephemeral key")
            kek = random_kek()
        http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=settings.http_timeout_seconds)
        )
        if verifier is None and settings.verifier_url:
            verifier = HttpVerifier(http, base_url=settings.verifier_url)
        if catalogue is None and settings.issuer_url:
            catalogue = HttpPathwayCatalogue(http, base_url=settings.issuer_url)

        learners: LearnerRepository
        holdings: HoldingRepository
        share_links: ShareLinkRepository
        if settings.mongodb_uri is not None:
            client = await stack.enter_async_context(
                mongo_client(settings.mongodb_uri.get_secret_value(), app_name="wallet")
            )
            database = client[settings.database_name]
            await ensure_indexes(database, mongo.INDEXES)
            learners = mongo.MongoLearnerRepository(database)
            holdings = mongo.MongoHoldingRepository(database)
            share_links = mongo.MongoShareLinkRepository(database)
            probes["mongodb"] = mongo_probe(client)
        else:
            learners = memory.MemoryLearnerRepository()
            holdings = memory.MemoryHoldingRepository()
            share_links = memory.MemoryShareLinkRepository()

        events = await stack.enter_async_context(
            open_event_bus(
                settings, topics=(CREDENTIALS_TOPIC, HOLDINGS_TOPIC), memory_broker=memory_broker
            )
        )
        # No readiness probe on the broker: reads, offers and shares go on (their events wait in
        # the outbox) while it is away, so an outage must not take the wallet out of service.
        relay = OutboxRelay(events, [holdings])
        bus = build_bus(
            learners=learners,
            holdings=holdings,
            share_links=share_links,
            kek=kek,
            verifier=verifier,
            catalogue=catalogue,
            clock=clock,
            on_outbox_write=relay.wake,
        )
        background: list[Worker] = [
            *([relay] if settings.run_relay else []),
            *(workers(bus, events) if workers else ()),
        ]
        await stack.enter_async_context(running(background))
        yield WalletRuntime(
            bus=bus,
            token_verifier=token_verifier
            or (token_verifier_from(settings) if settings.jwt_jwks else None),
            public_base_url=settings.public_base_url.rstrip("/"),
            probes=probes,
        )


@asynccontextmanager
async def relay_runtime(settings: WalletSettings) -> AsyncIterator[Mapping[str, ReadinessProbe]]:
    """`--role relay`: only the outbox relay, over the holdings the api and consumer write (it
    polls MongoDB). Ready when MongoDB and Kafka answer."""
    if settings.mongodb_uri is None or settings.kafka_bootstrap_servers is None:
        raise RuntimeError("the wallet relay needs MONGODB_URI and KAFKA_BOOTSTRAP_SERVERS")
    async with (
        mongo_client(settings.mongodb_uri.get_secret_value(), app_name="wallet-relay") as client,
        open_event_bus(settings, topics=(CREDENTIALS_TOPIC, HOLDINGS_TOPIC)) as events,
    ):
        holdings = mongo.MongoHoldingRepository(client[settings.database_name])
        async with running([OutboxRelay(events, [holdings])]):
            yield {"mongodb": mongo_probe(client), "kafka": events.ping}
