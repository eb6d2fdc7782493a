"""The event bus contract: the in-memory twin and Kafka behave the same where services can tell."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from skillpass.platform.bus.port import Consumer, EventBus
from skillpass.platform.bus.records import ConsumedRecord, OutgoingRecord

DEADLINE = 20.0


async def _publish(bus: EventBus, topic: str, items: Sequence[tuple[str, str]]) -> None:
    for key, value in items:
        await bus.publish(
            OutgoingRecord(
                topic=topic,
                key=key.encode(),
                value=value.encode(),
                headers=(("h", value.encode()),),
            )
        )


async def _receive(consumer: Consumer, count: int) -> list[ConsumedRecord]:
    received: list[ConsumedRecord] = []
    async with asyncio.timeout(DEADLINE):
        while len(received) < count:
            received.extend(await consumer.poll(max_wait=0.2))
    return received


async def _nothing_more(consumer: Consumer) -> list[ConsumedRecord]:
    return await consumer.poll(max_wait=0.5)


async def _three_records_on_one_partition(
    bus: EventBus, new_name: Callable[[str], str]
) -> tuple[str, str]:
    """A new one-partition topic holding "1", "2", "3" (one key), and a new group's name."""
    topic, group = new_name("t"), new_name("g")
    await bus.ensure_topics([topic], partitions=1)
    await _publish(bus, topic, [("k", "1"), ("k", "2"), ("k", "3")])
    return topic, group


def _values(records: Sequence[ConsumedRecord]) -> list[str]:
    return [record.value.decode() for record in records]


async def test_group_receives_every_record_with_key_and_headers(
    bus: EventBus, new_name: Callable[[str], str]
) -> None:
    topic = new_name("t")
    await bus.ensure_topics([topic], partitions=3)
    await _publish(bus, topic, [("k1", "a"), ("k2", "b")])
    async with bus.consumer(group=new_name("g"), topics=[topic]) as consumer:
        records = await _receive(consumer, 2)
    assert sorted(_values(records)) == ["a", "b"]
    by_value = {r.value: r for r in records}
    assert by_value[b"a"].key == b"k1"
    assert by_value[b"a"].header("h") == b"a"
    assert by_value[b"a"].topic == topic


async def test_records_with_one_key_keep_their_order_on_one_partition(
    bus: EventBus, new_name: Callable[[str], str]
) -> None:
    topic = new_name("t")
    await bus.ensure_topics([topic], partitions=3)
    items = [(f"key-{i % 4}", f"{i % 4}:{i}") for i in range(24)]
    await _publish(bus, topic, items)
    async with bus.consumer(group=new_name("g"), topics=[topic]) as consumer:
        records = await _receive(consumer, len(items))
    for key in {key for key, _ in items}:
        mine = [r for r in records if r.key == key.encode()]
        assert _values(mine) == [value for k, value in items if k == key]
        assert len({r.partition for r in mine}) == 1


async def test_published_together_records_arrive_all_and_in_order_per_key(
    bus: EventBus, new_name: Callable[[str], str]
) -> None:
    topic = new_name("t")
    await bus.ensure_topics([topic], partitions=3)
    items = [(f"key-{i % 5}", f"{i % 5}:{i}") for i in range(200)]
    await bus.publish_many(
        [OutgoingRecord(topic=topic, key=k.encode(), value=v.encode()) for k, v in items]
    )
    async with bus.consumer(group=new_name("g"), topics=[topic]) as consumer:
        records = await _receive(consumer, len(items))
    assert len(records) == len(items)
    for key in {key for key, _ in items}:
        mine = [r for r in records if r.key == key.encode()]
        assert _values(mine) == [value for k, value in items if k == key]


async def test_every_group_sees_every_record(bus: EventBus, new_name: Callable[[str], str]) -> None:
    topic = new_name("t")
    await bus.ensure_topics([topic], partitions=2)
    await _publish(bus, topic, [("k", "1"), ("k", "2")])
    for group in (new_name("g"), new_name("g")):
        async with bus.consumer(group=group, topics=[topic]) as consumer:
            assert _values(await _receive(consumer, 2)) == ["1", "2"]


async def test_restarted_member_resumes_after_its_last_commit_and_gets_uncommitted_again(
    bus: EventBus, new_name: Callable[[str], str]
) -> None:
    topic, group = await _three_records_on_one_partition(bus, new_name)
    async with bus.consumer(group=group, topics=[topic]) as consumer:
        first = await _receive(consumer, 3)
        assert await consumer.commit(first[0])
        # records 2 and 3 were delivered but never committed: a crash here loses nothing

    async with bus.consumer(group=group, topics=[topic]) as consumer:
        again = await _receive(consumer, 2)
        assert _values(again) == ["2", "3"]
        assert await consumer.commit(again[-1])

    await _publish(bus, topic, [("k", "4")])
    async with bus.consumer(group=group, topics=[topic]) as consumer:
        assert _values(await _receive(consumer, 1)) == ["4"]
        assert await _nothing_more(consumer) == []


async def test_lag_counts_the_records_after_the_groups_commit(
    bus: EventBus, new_name: Callable[[str], str]
) -> None:
    topic, group = await _three_records_on_one_partition(bus, new_name)
    async with bus.consumer(group=group, topics=[topic]) as consumer:
        records = await _receive(consumer, 3)
        assert await consumer.commit(records[0])
        assert consumer.lag() == {(topic, 0): 2}
        assert await consumer.commit(records[-1])
        assert consumer.lag() == {(topic, 0): 0}


async def _until_assigned(consumers: Sequence[Consumer], partitions: set[tuple[str, int]]) -> None:
    """Poll (keeping the members alive) until the group's partitions are split among them."""
    async with asyncio.timeout(DEADLINE):
        while True:
            owned = [c.assignment() for c in consumers]
            disjoint = sum(len(o) for o in owned) == len(set().union(*owned))
            if all(owned) and disjoint and set().union(*owned) == partitions:
                return
            await asyncio.gather(*(c.poll(max_wait=0.1) for c in consumers))


async def test_group_members_share_partitions_and_take_over_when_one_leaves(
    bus: EventBus, new_name: Callable[[str], str]
) -> None:
    topic, group = new_name("t"), new_name("g")
    await bus.ensure_topics([topic], partitions=4)
    partitions = {(topic, p) for p in range(4)}
    first = bus.consumer(group=group, topics=[topic])
    second = bus.consumer(group=group, topics=[topic])
    async with first, second:
        await _until_assigned([first, second], partitions)
        items = [(f"key-{i}", str(i)) for i in range(16)]
        await _publish(bus, topic, items)
        seen: list[ConsumedRecord] = []
        async with asyncio.timeout(DEADLINE):
            while len(seen) < len(items):
                for consumer in (first, second):
                    for record in await consumer.poll(max_wait=0.1):
                        assert (record.topic, record.partition) in consumer.assignment()
                        seen.append(record)
                        await consumer.commit(record)
        assert sorted(_values(seen), key=int) == [value for _, value in items]

        await second.stop()
        await _until_assigned([first], partitions)
        await _publish(bus, topic, items)
        taken_over = await _receive(first, len(items))
        assert sorted(_values(taken_over), key=int) == [value for _, value in items]


async def test_ping_answers_while_the_broker_is_up(bus: EventBus) -> None:
    await bus.ping()


async def test_group_started_at_latest_sees_only_later_records(
    bus: EventBus, new_name: Callable[[str], str]
) -> None:
    topic = new_name("t")
    await bus.ensure_topics([topic], partitions=2)
    await _publish(bus, topic, [("k", "old")])
    async with bus.consumer(group=new_name("g"), topics=[topic], start_at="latest") as consumer:
        async with asyncio.timeout(DEADLINE):
            # The start position is fixed by the first poll that owns the partitions.
            assert await consumer.poll(max_wait=0.2) == []
            while len(consumer.assignment()) < 2:
                assert await consumer.poll(max_wait=0.2) == []
        await _publish(bus, topic, [("k", "new")])
        assert _values(await _receive(consumer, 1)) == ["new"]
        assert await _nothing_more(consumer) == []
