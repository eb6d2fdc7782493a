"""The wallet's consumer on the real Kafka broker: issued → offer (auto-accepted here), status
change → holding updated, a redelivery after a crash before the commit changes nothing, and a
poison record goes to the dead-letter topic."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest

from skillpass.platform.bus.kafka import ConsumerTuning, KafkaEventBus
from skillpass.platform.bus.records import ConsumedRecord
from skillpass.platform.cloudevents import ReceivedEvent, decode_payload, from_record
from skillpass.platform.consumer import DLQ_ERROR_HEADER, EventConsumer
from skillpass.platform.events import CREDENTIAL_ISSUED, CREDENTIAL_STATUS_CHANGED, dlq_topic
from skillpass.wallet.domain.holdings import OfferState, Status, issued_holding_id
from skillpass.wallet.entrypoints.consumer import issued_command, status_command, subscriptions
from skillpass.wallet.service_layer.messagebus import MessageBus
from skillpass.wallet.service_layer.messages import RegisterLearner
from skillpass.wallet.testing import (
    Clock,
    TestIssuer,
    email,
    issued_payload,
    record,
    status_payload,
)

FAST = ConsumerTuning(session_timeout_ms=6_000, heartbeat_interval_ms=300)


@pytest.fixture
async def events(
    kafka_bootstrap_servers: str, kafka_topic_name: str
) -> AsyncIterator[KafkaEventBus]:
    async with KafkaEventBus(
        bootstrap_servers=kafka_bootstrap_servers,
        client_id=f"wallet-test-{uuid.uuid4().hex[:8]}",
        consumer_tuning=FAST,
    ) as bus:
        await bus.ensure_topics([kafka_topic_name], partitions=1)
        yield bus


async def poll_until(consumer: EventConsumer, count: int, *, within: float = 30.0) -> None:
    handled = 0
    async with asyncio.timeout(within):
        while handled < count:
            handled += await consumer.poll_once()


async def raw_poll(
    events: KafkaEventBus, group: str, topics: Sequence[str], count: int
) -> list[ConsumedRecord]:
    consumer = events.consumer(group=group, topics=topics)
    records: list[ConsumedRecord] = []
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            while len(records) < count:
                records.extend(await consumer.poll(max_wait=0.5))
    finally:
        await consumer.stop()  # leaves without committing: a crash before the commit
    return records


async def test_events_become_holdings_and_a_redelivery_after_a_crash_changes_nothing(
    events: KafkaEventBus, kafka_topic_name: str, bus: MessageBus, issuer: TestIssuer, clock: Clock
) -> None:
    await bus.handle(
        RegisterLearner(learner_id="ada", identifiers=(email("ada@example.org"),), auto_accept=True)
    )
    credential = issuer.credential(recipient=email("ada@example.org"))
    await events.publish(
        record(issued_payload(credential, tenant_id="tenant-1"), topic=kafka_topic_name)
    )
    await events.publish(
        record(
            status_payload(
                credential["id"], status="revoked", reason="withdrawn", at=clock.advance()
            ),
            topic=kafka_topic_name,
        )
    )
    group = f"wallet-{uuid.uuid4().hex[:8]}"

    # First delivery: the wallet writes, then "crashes" before committing the offsets.
    for consumed in await raw_poll(events, group, [kafka_topic_name], 2):
        event = from_record(consumed)
        if event.type == CREDENTIAL_ISSUED.type:
            payload = decode_payload(event, CREDENTIAL_ISSUED)
            await bus.handle(
                issued_command(ReceivedEvent(event=event, payload=payload, record=consumed))
            )
        else:
            changed = decode_payload(event, CREDENTIAL_STATUS_CHANGED)
            await bus.handle(
                status_command(ReceivedEvent(event=event, payload=changed, record=consumed))
            )
    holding_id = issued_holding_id(credential["id"])
    before = await bus.deps.holdings.get(holding_id)
    assert before is not None
    assert before.offer is OfferState.ACCEPTED
    assert before.status is Status.REVOKED
    assert before.track.reason == "withdrawn"

    # The group's next member gets both records again: nothing changes, nothing is re-emitted.
    consumer = EventConsumer(
        events, group=group, subscriptions=subscriptions(bus, topic=kafka_topic_name)
    )
    await consumer.start()
    try:
        await poll_until(consumer, 2)
    finally:
        await consumer.stop()
    assert await bus.deps.holdings.get(holding_id) == before
    batches = await bus.deps.holdings.pending(limit=10)
    assert [p.event.type for b in batches for p in b.events] == ["wallet.holding.accepted.v1"]


async def test_a_poison_record_goes_to_the_dead_letter_topic(
    events: KafkaEventBus, kafka_topic_name: str, bus: MessageBus, issuer: TestIssuer
) -> None:
    payload = issued_payload(issuer.credential(recipient=email("x@example.org")), tenant_id="t")
    payload.credential_json = b"{not json"
    await events.publish(record(payload, topic=kafka_topic_name))
    good = issuer.credential(recipient=email("x@example.org"))
    await events.publish(record(issued_payload(good, tenant_id="t"), topic=kafka_topic_name))
    group = f"wallet-{uuid.uuid4().hex[:8]}"
    consumer = EventConsumer(
        events,
        group=group,
        subscriptions=subscriptions(bus, topic=kafka_topic_name),
        max_attempts=2,
        retry_backoff=0.01,
    )
    await consumer.start()
    try:
        await poll_until(consumer, 2)
    finally:
        await consumer.stop()
    # the partition moved on past the poison record
    assert await bus.deps.holdings.get(issued_holding_id(good["id"])) is not None
    [dead] = await raw_poll(events, f"dlq-reader-{group}", [dlq_topic(kafka_topic_name, group)], 1)
    assert dead.header(DLQ_ERROR_HEADER) is not None
    assert b"credential_json is not JSON" in (dead.header(DLQ_ERROR_HEADER) or b"")
