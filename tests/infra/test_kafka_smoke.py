"""The broker the test suite runs against works the way the event bus relies on: idempotent
`acks=all` producers, headers carried through, keyed records kept in order on one partition,
manual commits honoured by the next consumer of the group, topics auto-created."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

pytestmark = pytest.mark.kafka

HEADERS = [("ce_type", b"issuer.credential.issued.v1"), ("traceparent", b"00-" + b"1" * 32)]


async def _produce(servers: str, topic: str, values: list[bytes]) -> list[int]:
    producer = AIOKafkaProducer(bootstrap_servers=servers, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        partitions = []
        for value in values:
            headers = [*HEADERS, ("ce_id", value)]
            meta = await producer.send_and_wait(topic, value, key=b"aggregate-1", headers=headers)
            partitions.append(meta.partition)
        return partitions
    finally:
        await producer.stop()


async def _consume(consumer: AIOKafkaConsumer, count: int) -> list[ConsumerRecord[bytes, bytes]]:
    records: list[ConsumerRecord[bytes, bytes]] = []
    async with asyncio.timeout(30):
        while len(records) < count:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    return records


def _consumer(servers: str, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=servers,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )


async def test_keyed_records_round_trip_with_headers_and_manual_commit(
    kafka_bootstrap_servers: str, kafka_topic_name: str, unique_id: str
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(kafka_topic_name, num_partitions=3, replication_factor=1)]
        )
    finally:
        await admin.close()

    partitions = await _produce(kafka_bootstrap_servers, kafka_topic_name, [b"e1", b"e2", b"e3"])
    assert len(set(partitions)) == 1, "one key must map to one partition"
    partition = TopicPartition(kafka_topic_name, partitions[0])

    group = f"group-{unique_id}"
    consumer = _consumer(kafka_bootstrap_servers, kafka_topic_name, group)
    await consumer.start()
    try:
        records = await _consume(consumer, 3)
        await consumer.commit()
        assert await consumer.committed(partition) == 3
    finally:
        await consumer.stop()

    assert [r.value for r in records] == [b"e1", b"e2", b"e3"]
    assert all(r.key == b"aggregate-1" for r in records)
    assert list(records[0].headers) == [*HEADERS, ("ce_id", b"e1")]

    # The next member of the group starts after the committed offset: nothing is applied twice.
    await _produce(kafka_bootstrap_servers, kafka_topic_name, [b"e4"])
    consumer = _consumer(kafka_bootstrap_servers, kafka_topic_name, group)
    await consumer.start()
    try:
        assert [r.value for r in await _consume(consumer, 1)] == [b"e4"]
    finally:
        await consumer.stop()


async def test_producing_to_an_unknown_topic_creates_it_with_one_partition(
    kafka_bootstrap_servers: str, kafka_topic_name: str
) -> None:
    await _produce(kafka_bootstrap_servers, kafka_topic_name, [b"first"])

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        assert await producer.partitions_for(kafka_topic_name) == {0}
    finally:
        await producer.stop()
