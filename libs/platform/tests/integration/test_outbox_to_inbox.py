"""The event path end to end: aggregate write -> outbox -> relay -> bus -> consumer -> inbox,
including the crashes the outbox and the inbox exist for. Runs in memory and on Kafka + MongoDB."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from skillpass.events.v1 import credentials_pb2
from skillpass.platform.bus.port import EventBus
from skillpass.platform.bus.records import ConsumedRecord, OutgoingRecord
from skillpass.platform.cloudevents import PendingEvent, ReceivedEvent, new_event
from skillpass.platform.consumer import (
    DLQ_ATTEMPTS_HEADER,
    DLQ_ERROR_HEADER,
    EventConsumer,
    Subscription,
)
from skillpass.platform.events import EventRegistry, EventSpec, dlq_topic
from skillpass.platform.relay import OutboxRelay
from skillpass.platform.store.port import AggregateStore, Applied, OutboxBatch, OutboxSource
from skillpass.platform.workers import running

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DEADLINE = 20.0


class SimulatedCrash(BaseException):
    """The process dies here: not an error a handler or the relay could catch and carry on from."""


class CrashBeforeRemoval:
    """An outbox source whose process dies right after the events were published."""

    def __init__(self, inner: OutboxSource) -> None:
        self._inner = inner

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        return await self._inner.pending(limit=limit)

    async def remove(self, batch: OutboxBatch) -> None:
        raise SimulatedCrash


class World:
    """An issuer-like producer and a wallet-like consumer group on uuid-named topics."""

    def __init__(self, bus: EventBus, make_store: Callable[[], AggregateStore], name: str) -> None:
        self.bus = bus
        self.issuer = make_store()
        self.wallet = make_store()
        self.topic = f"{name}.credentials"
        self.group = f"{name}.wallet"
        self.issued: EventSpec[credentials_pb2.CredentialIssued] = EventSpec(
            type="issuer.credential.issued.v1",
            topic=self.topic,
            message=credentials_pb2.CredentialIssued,
        )
        self.registry = EventRegistry([self.issued])
        self.handled: list[str] = []
        self.applied = asyncio.Event()

    async def setup(self) -> None:
        await self.bus.ensure_topics([self.topic], partitions=2)

    def event(self, credential_id: str, *, subject: str | None = None) -> PendingEvent:
        return new_event(
            credentials_pb2.CredentialIssued(credential_id=credential_id),
            source="/issuer",
            subject=subject or credential_id,
            time=NOW,
            registry=self.registry,
        )

    async def issue(self, credential_id: str, *, subject: str | None = None) -> PendingEvent:
        """The issuer's use case: credential state and its event in one document write."""
        pending = self.event(credential_id, subject=subject)

        def change(_state: Mapping[str, Any] | None) -> Applied:
            return Applied(state={"status": "issued"}, events=(pending,))

        await self.issuer.apply(credential_id, change)
        return pending

    async def on_issued(self, received: ReceivedEvent[credentials_pb2.CredentialIssued]) -> None:
        """The wallet's handler: an offer per credential, applied at most once per event id."""
        self.handled.append(received.event.id)

        def change(state: Mapping[str, Any] | None) -> Applied:
            times = 0 if state is None else state["times_applied"]
            return Applied(
                state={"credential": received.payload.credential_id, "times_applied": times + 1}
            )

        await self.wallet.apply(received.payload.credential_id, change, event_id=received.event.id)
        self.applied.set()

    def consumer(
        self, *, subscriptions: Sequence[Subscription[Any]] | None = None
    ) -> EventConsumer:
        return EventConsumer(
            self.bus,
            group=self.group,
            subscriptions=subscriptions or [Subscription(spec=self.issued, handler=self.on_issued)],
            max_attempts=2,
            retry_backoff=0.01,
            poll_timeout=0.2,
        )

    def relay(self, source: OutboxSource | None = None) -> OutboxRelay:
        return OutboxRelay(self.bus, [source or self.issuer])


async def _consume_until(consumer: EventConsumer, done: Callable[[], bool]) -> None:
    async with asyncio.timeout(DEADLINE):
        while not done():
            await consumer.poll_once()


@pytest.fixture
async def world(
    backend_bus: EventBus,
    make_store: Callable[[], AggregateStore],
    new_name: Callable[[str], str],
) -> World:
    world = World(backend_bus, make_store, new_name("it"))
    await world.setup()
    return world


async def test_relay_publishes_pending_events_and_then_forgets_them(world: World) -> None:
    await world.issue("cred-1")
    await world.issue("cred-2")
    assert await world.relay().run_once() == 2
    assert await world.issuer.pending(limit=10) == []
    assert await world.relay().run_once() == 0

    consumer = world.consumer()
    await consumer.start()
    try:
        await _consume_until(consumer, lambda: len(world.handled) == 2)
    finally:
        await consumer.stop()
    assert await world.wallet.get("cred-1") == {"credential": "cred-1", "times_applied": 1}


async def test_relay_killed_between_publish_and_removal_leaves_consumer_state_unchanged(
    world: World,
) -> None:
    issued = await world.issue("cred-1")
    with pytest.raises(SimulatedCrash):
        await world.relay(CrashBeforeRemoval(world.issuer)).run_once()
    # The restarted relay finds the event still in the outbox and publishes it again.
    assert await world.relay().run_once() == 1

    consumer = world.consumer()
    await consumer.start()
    try:
        await _consume_until(consumer, lambda: len(world.handled) == 2)
    finally:
        await consumer.stop()
    assert world.handled == [issued.event.id, issued.event.id]  # delivered twice...
    assert await world.wallet.get("cred-1") == {"credential": "cred-1", "times_applied": 1}


async def test_consumer_killed_between_its_write_and_its_commit_applies_the_event_once(
    world: World,
) -> None:
    issued = await world.issue("cred-1")
    await world.relay().run_once()

    async def write_then_die(received: ReceivedEvent[credentials_pb2.CredentialIssued]) -> None:
        await world.on_issued(received)
        raise SimulatedCrash  # after the inbox write, before the offset commit

    doomed = world.consumer(subscriptions=[Subscription(spec=world.issued, handler=write_then_die)])
    await doomed.start()
    try:
        with pytest.raises(SimulatedCrash):
            await _consume_until(doomed, lambda: False)
    finally:
        await doomed.stop()
    assert await world.wallet.get("cred-1") == {"credential": "cred-1", "times_applied": 1}

    restarted = world.consumer()
    await restarted.start()
    try:
        await _consume_until(restarted, lambda: len(world.handled) == 2)
    finally:
        await restarted.stop()
    assert world.handled == [issued.event.id, issued.event.id]
    assert await world.wallet.get("cred-1") == {"credential": "cred-1", "times_applied": 1}


async def test_poison_records_go_to_the_dlq_and_the_partition_keeps_flowing(world: World) -> None:
    dead: list[ConsumedRecord] = []
    failing = "cred-always-fails"

    async def handler(received: ReceivedEvent[credentials_pb2.CredentialIssued]) -> None:
        if received.payload.credential_id == failing:
            raise ValueError("this credential cannot be applied")
        await world.on_issued(received)

    key = "one-key"  # one key, so one partition, in this order: good, failing, poison, good
    await world.issue("cred-1", subject=key)
    await world.issue(failing, subject=key)
    await world.relay().run_once()
    await world.bus.publish(OutgoingRecord(topic=world.topic, key=key.encode(), value=b"junk"))
    await world.issue("cred-2", subject=key)
    await world.relay().run_once()

    consumer = world.consumer(subscriptions=[Subscription(spec=world.issued, handler=handler)])
    dlq = world.bus.consumer(
        group=f"{world.group}.dlq-reader", topics=[dlq_topic(world.topic, world.group)]
    )
    await consumer.start()
    try:
        await _consume_until(consumer, lambda: len(world.handled) == 2)
    finally:
        await consumer.stop()
    assert await world.wallet.get("cred-2") == {"credential": "cred-2", "times_applied": 1}

    async with dlq:
        async with asyncio.timeout(DEADLINE):
            while len(dead) < 2:
                dead.extend(await dlq.poll(max_wait=0.2))
    errors = sorted((r.header(DLQ_ERROR_HEADER) or b"").decode() for r in dead)
    assert errors[0].startswith("ValueError: this credential cannot be applied")
    assert errors[1].startswith("missing CloudEvents headers")
    attempts = sorted((r.header(DLQ_ATTEMPTS_HEADER) or b"").decode() for r in dead)
    assert attempts == ["0", "2"]

    # Everything was committed: a restarted member has nothing left to do.
    again = world.consumer()
    await again.start()
    try:
        assert await again.poll_once() == 0
    finally:
        await again.stop()


async def test_unknown_event_types_are_skipped_not_crashes(world: World) -> None:
    other: EventSpec[credentials_pb2.CredentialStatusChanged] = EventSpec(
        type="issuer.credential.something-new.v9",
        topic=world.topic,
        message=credentials_pb2.CredentialStatusChanged,
    )
    unknown = new_event(
        credentials_pb2.CredentialStatusChanged(credential_id="cred-1"),
        source="/issuer",
        subject="cred-1",
        registry=EventRegistry([other]),
    )
    await world.issuer.apply("cred-0", lambda _s: Applied(state={}, events=(unknown,)))
    await world.issue("cred-1")
    await world.relay().run_once()
    consumer = world.consumer()
    await consumer.start()
    try:
        await _consume_until(consumer, lambda: len(world.handled) == 1)
    finally:
        await consumer.stop()
    assert await world.wallet.get("cred-1") == {"credential": "cred-1", "times_applied": 1}


async def test_relay_and_consumer_deliver_in_the_background_until_stopped(world: World) -> None:
    consumer = world.consumer()
    async with running([world.relay(), consumer]):
        await world.issue("cred-1")
        await asyncio.wait_for(world.applied.wait(), DEADLINE)
    assert await world.wallet.get("cred-1") == {"credential": "cred-1", "times_applied": 1}
    assert await world.issuer.pending(limit=10) == []
