"""Adapters under test: every port fixture is parametrised over the in-memory twin and the real
backend (Kafka / the MongoDB-wire server from the `skillpass.platform.testing` plugin)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from uuid import uuid4

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from skillpass.platform.bus.kafka import ConsumerTuning, KafkaEventBus
from skillpass.platform.bus.memory import MemoryEventBus
from skillpass.platform.bus.port import EventBus
from skillpass.platform.store.memory import MemoryAggregateStore
from skillpass.platform.store.mongo import MongoAggregateStore
from skillpass.platform.store.port import AggregateStore

# Short group timings so joins, leaves and rebalances on the real broker take well under a second.
FAST_GROUPS = ConsumerTuning(session_timeout_ms=6_000, heartbeat_interval_ms=300)

BACKENDS = ["memory", pytest.param("real", marks=[pytest.mark.kafka, pytest.mark.mongo])]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:12]}"


# Real backends are resolved in sync fixtures: `getfixturevalue` cannot set up the plugin's async
# fixtures from inside a running event loop (an async fixture's body).


async def _open_bus(servers: str | None) -> AsyncIterator[EventBus]:
    if servers is None:
        yield MemoryEventBus()
        return
    async with KafkaEventBus(
        bootstrap_servers=servers, client_id=unique("test"), consumer_tuning=FAST_GROUPS
    ) as bus:
        yield bus


def _kafka(kind: str, request: pytest.FixtureRequest) -> str | None:
    if kind == "memory":
        return None
    servers: str = request.getfixturevalue("kafka_bootstrap_servers")
    return servers


def _store_factory(kind: str, request: pytest.FixtureRequest) -> Callable[[], AggregateStore]:
    if kind == "memory":
        return MemoryAggregateStore
    database = request.getfixturevalue("mongo_database")
    return lambda: MongoAggregateStore(database[unique("aggregates")])


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
def bus_servers(request: pytest.FixtureRequest) -> str | None:
    return _kafka(request.param, request)


@pytest.fixture
async def bus(bus_servers: str | None) -> AsyncIterator[EventBus]:
    async for adapter in _open_bus(bus_servers):
        yield adapter


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.mongo)])
def store(request: pytest.FixtureRequest) -> AggregateStore:
    return _store_factory(request.param, request)()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """For end-to-end tests of the relay and consumers: all in memory, or Kafka + MongoDB."""
    kind: str = request.param
    return kind


@pytest.fixture
def backend_servers(backend: str, request: pytest.FixtureRequest) -> str | None:
    return _kafka("memory" if backend == "memory" else "kafka", request)


@pytest.fixture
async def backend_bus(backend_servers: str | None) -> AsyncIterator[EventBus]:
    async for adapter in _open_bus(backend_servers):
        yield adapter


@pytest.fixture
def make_store(backend: str, request: pytest.FixtureRequest) -> Callable[[], AggregateStore]:
    """A factory of fresh stores on the chosen backend (one per service in a test)."""
    return _store_factory("memory" if backend == "memory" else "mongo", request)


@pytest.fixture
def new_name() -> Callable[[str], str]:
    """uuid-suffixed names for topics, groups and collections."""
    return unique


@pytest.fixture
def spans() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter
