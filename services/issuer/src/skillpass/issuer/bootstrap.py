"""The composition root: the only module that constructs adapters.

* :func:`memory_repositories` / :func:`mongo_repositories`: the storage twins.
* :func:`build_dependencies`: the handlers' dependencies over a set of repositories.
* :func:`real_runtime`: MongoDB, Kafka, a process pool for signing, the outbox relay (an async
  context manager the HTTP lifespan enters).
* :func:`relay_runtime` / :func:`worker_runtime`: ``--role relay`` (only the outbox relay) and
  ``--role worker`` (only the batch worker), each yielding its readiness probes.
* :func:`embedded_runtime`: in-memory stores on a shared in-memory event bus, with the pathway
  consumer running in-process (``skillpass dev``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import nacl.utils
import structlog

from skillpass.issuer.adapters import memory, mongo
from skillpass.issuer.adapters.key_vault import SecretBoxKeyVault
from skillpass.issuer.adapters.signing import InlineSigner, ProcessPoolSigner
from skillpass.issuer.adapters.system import (
    SystemClock,
    UuidGenerator,
    system_rng,
    worker_identity,
)
from skillpass.issuer.service_layer.batch_runner import BatchWorker
from skillpass.issuer.service_layer.handlers import Dependencies
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.service_layer.pathway_events import pathway_consumer
from skillpass.issuer.service_layer.ports import (
    AchievementRepository,
    BatchJobRepository,
    Clock,
    CredentialRepository,
    HoldingsRepository,
    IdGenerator,
    PathwayRepository,
    Rng,
    SealedKeyStorage,
    SignerExecutor,
    StatusListRepository,
    TenantRepository,
)
from skillpass.issuer.settings import IssuerSettings
from skillpass.platform.auth import TokenVerifier
from skillpass.platform.bus.from_settings import kafka_security
from skillpass.platform.bus.kafka import KafkaEventBus
from skillpass.platform.bus.port import EventBus
from skillpass.platform.consumer import EventConsumer
from skillpass.platform.mongo import MongoDatabase, mongo_client, mongo_probe
from skillpass.platform.readiness import ReadinessProbe
from skillpass.platform.relay import OutboxRelay
from skillpass.platform.workers import Worker, running

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Repositories:
    tenants: TenantRepository
    achievements: AchievementRepository
    pathways: PathwayRepository
    credentials: CredentialRepository
    status_lists: StatusListRepository
    batch_jobs: BatchJobRepository
    holdings: HoldingsRepository
    sealed_keys: SealedKeyStorage


def memory_repositories() -> Repositories:
    return Repositories(
        tenants=memory.MemoryTenantRepository(),
        achievements=memory.MemoryAchievementRepository(),
        pathways=memory.MemoryPathwayRepository(),
        credentials=memory.MemoryCredentialRepository(),
        status_lists=memory.MemoryStatusListRepository(),
        batch_jobs=memory.MemoryBatchJobRepository(),
        holdings=memory.memory_holdings(),
        sealed_keys=memory.MemorySealedKeyStorage(),
    )


def mongo_repositories(database: MongoDatabase) -> Repositories:
    return Repositories(
        tenants=mongo.MongoTenantRepository(database),
        achievements=mongo.MongoAchievementRepository(database),
        pathways=mongo.MongoPathwayRepository(database),
        credentials=mongo.MongoCredentialRepository(database),
        status_lists=mongo.MongoStatusListRepository(database),
        batch_jobs=mongo.MongoBatchJobRepository(database),
        holdings=mongo.mongo_holdings(database),
        sealed_keys=mongo.MongoSealedKeyStorage(database),
    )


def build_dependencies(
    repositories: Repositories,
    *,
    base_url: str,
    public_host: str,
    kek: bytes,
    pepper: bytes,
    signer: SignerExecutor,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    rng: Rng | None = None,
    outbox_written: Callable[[], None] = lambda: None,
    batch_submitted: Callable[[], None] = lambda: None,
) -> Dependencies:
    return Dependencies(
        tenants=repositories.tenants,
        achievements=repositories.achievements,
        pathways=repositories.pathways,
        credentials=repositories.credentials,
        status_lists=repositories.status_lists,
        batch_jobs=repositories.batch_jobs,
        holdings=repositories.holdings,
        vault=SecretBoxKeyVault(repositories.sealed_keys, kek=kek),
        signer=signer,
        clock=clock or SystemClock(),
        ids=ids or UuidGenerator(),
        rng=rng or system_rng(),
        base_url=base_url,
        public_host=public_host,
        pepper=pepper,
        outbox_written=outbox_written,
        batch_submitted=batch_submitted,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerRuntime:
    """What the HTTP entrypoint needs, alive for the app's lifespan."""

    settings: IssuerSettings
    bus: MessageBus
    batches: BatchWorker
    tokens: TokenVerifier
    probes: Mapping[str, ReadinessProbe] = field(default_factory=dict)


def batch_worker(bus: MessageBus, settings: IssuerSettings) -> BatchWorker:
    return BatchWorker(
        bus,
        worker_id=worker_identity(),
        lanes=settings.batch_lanes,
        lease=timedelta(seconds=settings.batch_lease_seconds),
    )


def tokens_from(settings: IssuerSettings) -> TokenVerifier:
    if settings.jwt_jwks is None:
        raise RuntimeError("SKILLPASS_ISSUER_JWT_JWKS is required to verify bearer tokens")
    return TokenVerifier.from_json(
        settings.jwt_jwks, audience=settings.jwt_audience, issuer=settings.jwt_issuer
    )


async def _start_with_retries(bus: EventBus, *, pause: float = 1.0) -> None:
    """Start the Kafka client, retrying while the broker is down: issuing does not need Kafka
    (events wait in the outbox), so a broker outage must not stop the service from starting."""
    while True:
        try:
            await bus.start()
            return
        except Exception as error:
            log.warning("event bus unavailable; retrying", error=repr(error))
            await bus.close()
            await asyncio.sleep(pause)


class _RelayOnceConnected:
    """The outbox relay, started once the broker answers (a ``platform.workers.Worker``)."""

    def __init__(self, bus: EventBus, relay: OutboxRelay) -> None:
        self._bus = bus
        self._relay = relay

    async def run(self) -> None:
        await _start_with_retries(self._bus)
        await self._relay.run()

    async def stop(self) -> None:
        await self._relay.stop()


async def _ensure_indexes_with_retries(database: MongoDatabase) -> None:
    while True:
        try:
            await mongo.ensure_issuer_indexes(database)
            return
        except Exception as error:
            log.warning("cannot create MongoDB indexes yet; retrying", error=repr(error))
            await asyncio.sleep(1.0)


def _backends(settings: IssuerSettings) -> tuple[bytes, str]:
    """The KEK and the MongoDB URI every MongoDB-backed role needs, and a Kafka address."""
    kek = settings.kek_bytes()
    if kek is None:
        raise RuntimeError("SKILLPASS_ISSUER_KEK is required when MongoDB is used")
    if settings.mongodb_uri is None or settings.kafka_bootstrap_servers is None:
        raise RuntimeError("the issuer needs MONGODB_URI and KAFKA_BOOTSTRAP_SERVERS")
    return kek, settings.mongodb_uri.get_secret_value()


def _kafka(settings: IssuerSettings, client_id: str) -> KafkaEventBus:
    assert settings.kafka_bootstrap_servers is not None  # checked by _backends
    return KafkaEventBus(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        replication_factor=settings.kafka_replication_factor,
        security=kafka_security(settings),
    )


@contextlib.asynccontextmanager
async def real_runtime(
    settings: IssuerSettings, *, tokens: TokenVerifier | None = None
) -> AsyncIterator[IssuerRuntime]:
    kek, uri = _backends(settings)
    verifier = tokens or tokens_from(settings)
    async with (
        mongo_client(uri, app_name="issuer") as client,
        ProcessPoolSigner(workers=settings.batch_workers) as signer,
    ):
        database = client[settings.database_name]
        indexes = asyncio.create_task(_ensure_indexes_with_retries(database))
        await asyncio.wait({indexes}, timeout=5.0)
        repositories = mongo_repositories(database)
        event_bus = _kafka(settings, "issuer")
        relay = OutboxRelay(event_bus, [repositories.credentials])
        deps = build_dependencies(
            repositories,
            base_url=settings.public_base_url,
            public_host=settings.public_host,
            kek=kek,
            pepper=settings.pepper_bytes(kek),
            signer=signer,
            outbox_written=relay.wake,
            batch_submitted=lambda: batches.wake(),
        )
        bus = MessageBus(deps)
        batches = batch_worker(bus, settings)
        background: list[Worker] = []
        if settings.run_relay:
            background.append(_RelayOnceConnected(event_bus, relay))
        if settings.run_batch_worker:
            background.append(batches)
        try:
            async with running(background):
                yield IssuerRuntime(
                    settings=settings,
                    bus=bus,
                    batches=batches,
                    tokens=verifier,
                    # Not Kafka: issuing goes on into the outbox while the broker is away, so
                    # a broker outage must not take the issuer out of its Service's endpoints.
                    probes={"mongodb": mongo_probe(client)},
                )
        finally:
            indexes.cancel()
            await asyncio.gather(indexes, return_exceptions=True)
            await event_bus.close()


@contextlib.asynccontextmanager
async def relay_runtime(settings: IssuerSettings) -> AsyncIterator[Mapping[str, ReadinessProbe]]:
    """``--role relay``: publishes the outbox of the credentials every other role writes (the
    relay polls MongoDB, so it needs no word from the writers). Ready when both backends answer."""
    _, uri = _backends(settings)
    async with mongo_client(uri, app_name="issuer-relay") as client:
        credentials = mongo.MongoCredentialRepository(client[settings.database_name])
        event_bus = _kafka(settings, "issuer-relay")
        relay = _RelayOnceConnected(event_bus, OutboxRelay(event_bus, [credentials]))
        try:
            async with running([relay]):
                yield {"mongodb": mongo_probe(client), "kafka": event_bus.ping}
        finally:
            await event_bus.close()


@contextlib.asynccontextmanager
async def worker_runtime(settings: IssuerSettings) -> AsyncIterator[Mapping[str, ReadinessProbe]]:
    """``--role worker``: claims pending batch chunks and signs them in a process pool. What it
    issues waits in the outbox for a relay (any process's: the relay polls MongoDB)."""
    kek, uri = _backends(settings)
    async with (
        mongo_client(uri, app_name="issuer-worker") as client,
        ProcessPoolSigner(workers=settings.batch_workers) as signer,
    ):
        database = client[settings.database_name]
        await _ensure_indexes_with_retries(database)
        deps = build_dependencies(
            mongo_repositories(database),
            base_url=settings.public_base_url,
            public_host=settings.public_host,
            kek=kek,
            pepper=settings.pepper_bytes(kek),
            signer=signer,
        )
        async with running([batch_worker(MessageBus(deps), settings)]):
            yield {"mongodb": mongo_probe(client)}


@contextlib.asynccontextmanager
async def embedded_runtime(
    settings: IssuerSettings,
    *,
    event_bus: EventBus,
    tokens: TokenVerifier,
    repositories: Repositories | None = None,
) -> AsyncIterator[IssuerRuntime]:
    """The issuer on in-memory stores over a shared (in-memory) event bus: outbox relay and the
    pathway consumer run as tasks of this process."""
    kek = settings.kek_bytes() or nacl.utils.random(32)  # throwaway: nothing outlives the process
    repositories = repositories or memory_repositories()
    relay = OutboxRelay(event_bus, [repositories.credentials], min_interval=0.01)
    deps = build_dependencies(
        repositories,
        base_url=settings.public_base_url,
        public_host=settings.public_host,
        kek=kek,
        pepper=settings.pepper_bytes(kek),
        signer=InlineSigner(),
        outbox_written=relay.wake,
        batch_submitted=lambda: batches.wake(),
    )
    bus = MessageBus(deps)
    batches = batch_worker(bus, settings)
    consumer = pathway_consumer(bus, event_bus, group=settings.consumer_group, poll_timeout=0.1)
    async with running([relay, consumer, batches]):
        yield IssuerRuntime(settings=settings, bus=bus, batches=batches, tokens=tokens)


@contextlib.asynccontextmanager
async def consumer_runtime(settings: IssuerSettings) -> AsyncIterator[EventConsumer]:
    """The pathway consumer as its own process: MongoDB stores, the Kafka bus. Stacked
    credentials it issues wait in the outbox for a relay: its own unless ``run_relay`` is off
    (several relays may run: a double publish is absorbed by consumers' inboxes)."""
    kek = settings.kek_bytes()
    if kek is None or settings.mongodb_uri is None or settings.kafka_bootstrap_servers is None:
        raise RuntimeError(
            "the consumer needs SKILLPASS_ISSUER_KEK, MONGODB_URI and KAFKA_BOOTSTRAP_SERVERS"
        )
    async with mongo_client(
        settings.mongodb_uri.get_secret_value(), app_name="issuer-consumer"
    ) as client:
        database = client[settings.database_name]
        await mongo.ensure_issuer_indexes(database)
        repositories = mongo_repositories(database)
        event_bus = _kafka(settings, "issuer-pathways")
        relay = OutboxRelay(event_bus, [repositories.credentials])
        deps = build_dependencies(
            repositories,
            base_url=settings.public_base_url,
            public_host=settings.public_host,
            kek=kek,
            pepper=settings.pepper_bytes(kek),
            signer=InlineSigner(),
            outbox_written=relay.wake,
        )
        async with event_bus:
            consumer = pathway_consumer(MessageBus(deps), event_bus, group=settings.consumer_group)
            async with running([relay] if settings.run_relay else []):
                yield consumer
