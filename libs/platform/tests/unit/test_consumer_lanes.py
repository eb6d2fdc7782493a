"""The consumer handles records of different keys at once, records of one key in order, and
retries (never dead-letters) a record whose handler met a backend outage."""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import AutoReconnect

from skillpass.events.v1 import verifications_pb2
from skillpass.platform.bus.memory import MemoryEventBus
from skillpass.platform.cloudevents import ReceivedEvent, new_event, to_record
from skillpass.platform.consumer import EventConsumer, Subscription
from skillpass.platform.events import EventRegistry, EventSpec, dlq_topic

SPEC = EventSpec(
    type="verifier.verification.completed.v1",
    topic="lanes",
    message=verifications_pb2.VerificationCompleted,
)


async def test_other_keys_proceed_while_one_key_waits_and_each_key_keeps_its_order() -> None:
    async with MemoryEventBus() as bus:
        await bus.ensure_topics([SPEC.topic], partitions=1)  # one partition: one batch, in order
        for n in range(6):
            key = "slow" if n % 2 == 0 else "fast"
            event = new_event(
                verifications_pb2.VerificationCompleted(verification_id=f"{key}-{n}"),
                source="/test",
                subject=key,
                registry=EventRegistry([SPEC]),
            )
            await bus.publish(to_record(event, trace_headers={}))
        fast_done = asyncio.Event()
        seen: list[str] = []

        async def handle(received: ReceivedEvent[verifications_pb2.VerificationCompleted]) -> None:
            verification = received.payload.verification_id
            if verification == "slow-0":
                # Sequential handling would wait here forever: "fast" records come later.
                await asyncio.wait_for(fast_done.wait(), timeout=5)
            seen.append(verification)
            if verification == "fast-5":
                fast_done.set()

        consumer = EventConsumer(
            bus, group="g", subscriptions=[Subscription(spec=SPEC, handler=handle)]
        )
        await consumer.start()
        try:
            assert await consumer.poll_once() == 6
        finally:
            await consumer.stop()
    assert [v for v in seen if v.startswith("fast")] == ["fast-1", "fast-3", "fast-5"]
    assert [v for v in seen if v.startswith("slow")] == ["slow-0", "slow-2", "slow-4"]
    assert seen.index("fast-5") < seen.index("slow-0")


async def test_a_backend_outage_is_retried_after_rejoining_never_dead_lettered() -> None:
    async with MemoryEventBus() as bus:
        await bus.ensure_topics([SPEC.topic], partitions=1)
        event = new_event(
            verifications_pb2.VerificationCompleted(verification_id="v-1"),
            source="/test",
            subject="v-1",
            registry=EventRegistry([SPEC]),
        )
        await bus.publish(to_record(event, trace_headers={}))
        database_up = False
        handled: list[str] = []

        async def handle(received: ReceivedEvent[verifications_pb2.VerificationCompleted]) -> None:
            if not database_up:
                raise AutoReconnect("connection refused")
            handled.append(received.payload.verification_id)

        def consumer() -> EventConsumer:
            return EventConsumer(
                bus, group="g", subscriptions=[Subscription(spec=SPEC, handler=handle)]
            )

        during = consumer()
        await during.start()
        try:
            with pytest.raises(AutoReconnect):
                await during.poll_once()
        finally:
            await during.stop()
        dead = bus.consumer(group="dlq-reader", topics=[dlq_topic(SPEC.topic, "g")])
        async with dead:
            assert await dead.poll(max_wait=0.1) == []

        database_up = True
        after = consumer()
        await after.start()
        try:
            assert await after.poll_once() == 1
        finally:
            await after.stop()
    assert handled == ["v-1"]
