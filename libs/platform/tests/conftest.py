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


async def _bus(kind: str, request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    if kind == "memory":
        yield MemoryEventBus()
        return
    servers: str = request.getfixturevalue("kafka_bootstrap_servers")
    async with KafkaEventBus(
        bootstrap_servers=servers, client_id=unique("test"), consumer_tuning=FAST_GROUPS
    ) as bus:
        yield bus


def _store(kind: str, request: pytest.FixtureRequest) -> AggregateStore:
    if kind == "memory":
        return MemoryAggregateStore()
    database = request.getfixturevalue("mongo_database")
    return MongoAggregateStore(database[unique("aggregates")])


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    async for adapter in _bus(request.param, request):
        yield adapter


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.mongo)])
def store(request: pytest.FixtureRequest) -> AggregateStore:
    return _store(request.param, request)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """For end-to-end tests of the relay and consumers: all in memory, or Kafka + MongoDB."""
    kind: str = request.param
    return kind


@pytest.fixture
async def backend_bus(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    async for adapter in _bus("memory" if backend == "memory" else "kafka", request):
        yield adapter


@pytest.fixture
def make_store(backend: str, request: pytest.FixtureRequest) -> Callable[[], AggregateStore]:
    """A factory of fresh stores on the chosen backend (one per service in a test)."""
    return lambda: _store("memory" if backend == "memory" else "mongo", request)


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
