"""The platform's gauges report: consumer lag per partition and the outbox backlog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint

from skillpass.events.v1 import verifications_pb2
from skillpass.platform.bus.memory import MemoryEventBus
from skillpass.platform.bus.records import OutgoingRecord
from skillpass.platform.cloudevents import PendingEvent, new_event
from skillpass.platform.consumer import EventConsumer
from skillpass.platform.events import EventRegistry, EventSpec
from skillpass.platform.relay import OutboxRelay
from skillpass.platform.store.memory import MemoryAggregateStore
from skillpass.platform.store.port import Applied


def points(reader: InMemoryMetricReader, name: str) -> list[tuple[Mapping[str, Any], float]]:
    data = reader.get_metrics_data()
    if data is None:  # nothing observed at all
        return []
    found: list[tuple[Mapping[str, Any], float]] = []
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    for point in metric.data.data_points:
                        assert isinstance(point, NumberDataPoint)
                        found.append((dict(point.attributes or {}), point.value))
    return found


def reader_and_provider() -> tuple[InMemoryMetricReader, MeterProvider]:
    reader = InMemoryMetricReader()
    return reader, MeterProvider(metric_readers=[reader])


async def test_consumer_lag_is_the_high_water_mark_minus_the_committed_offset_per_partition() -> (
    None
):
    reader, provider = reader_and_provider()
    async with MemoryEventBus() as bus:
        await bus.ensure_topics(["lagging"], partitions=1)
        for n in range(3):
            # No subscription for these: the consumer skips them (and commits).
            await bus.publish(OutgoingRecord(topic="lagging", key=b"k", value=f"{n}".encode()))
        consumer = EventConsumer(
            bus, group="g", subscriptions=[], topics=["lagging"], meter_provider=provider
        )
        await consumer.start()
        try:
            lag = {"messaging.system": "kafka", "messaging.consumer.group.name": "g"}
            partition = {
                "messaging.destination.name": "lagging",
                "messaging.destination.partition.id": "0",
            }
            assert points(reader, "messaging.kafka.consumer.lag") == [({**lag, **partition}, 3)]
            await consumer.poll_once()
            assert points(reader, "messaging.kafka.consumer.lag") == [({**lag, **partition}, 0)]
        finally:
            await consumer.stop()
        provider.shutdown()


async def test_outbox_backlog_reports_the_events_pending_at_the_relays_last_pass() -> None:
    reader, provider = reader_and_provider()
    spec = EventSpec(
        type="verifier.verification.completed.v1",
        topic="verifications",
        message=verifications_pb2.VerificationCompleted,
    )
    store = MemoryAggregateStore()
    for n in range(2):
        event = new_event(
            verifications_pb2.VerificationCompleted(verification_id=f"v-{n}", verified=True),
            source="/verifier",
            subject=f"v-{n}",
            registry=EventRegistry([spec]),
        )

        def change(_state: Mapping[str, Any] | None, e: PendingEvent = event) -> Applied:
            return Applied(state={}, events=(e,))

        await store.apply(f"v-{n}", change)
    async with MemoryEventBus() as bus:
        relay = OutboxRelay(bus, [store], meter_provider=provider)
        assert points(reader, "skillpass.outbox.backlog") == []  # no pass yet: nothing known
        assert await relay.run_once() == 2
        assert points(reader, "skillpass.outbox.backlog") == [({}, 2)]
        assert await relay.run_once() == 0
        assert points(reader, "skillpass.outbox.backlog") == [({}, 0)]
    provider.shutdown()
