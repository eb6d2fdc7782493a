"""The in-memory event bus: the twin of the Kafka adapter that powers the embedded run mode.

It keeps Kafka's semantics where services can observe them: partitions chosen by key hash,
consumer groups with one owner per partition, explicit commits, and (like Kafka's eager
rebalance) every member of a group restarting from the committed offsets whenever the group's
membership changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from skillpass.platform.bus.port import StartAt
from skillpass.platform.bus.records import ConsumedRecord, OutgoingRecord

DEFAULT_PARTITIONS = 3
MAX_POLL_RECORDS = 500

TopicPartition = tuple[str, int]


@dataclass(slots=True)
class _Group:
    members: list[MemoryConsumer] = field(default_factory=list)
    committed: dict[TopicPartition, int] = field(default_factory=dict)


class MemoryBroker:
    """The shared log: topics, partitions, groups and their committed offsets."""

    def __init__(self, *, default_partitions: int = DEFAULT_PARTITIONS) -> None:
        self._default_partitions = default_partitions
        self._topics: dict[str, list[list[ConsumedRecord]]] = {}
        self._groups: dict[str, _Group] = {}
        # Set (and replaced) on every change. Not a Condition: cancelling `wait_for(cond.wait())`
        # can leave the condition's lock held on 3.11 and stall every consumer of the broker.
        self._changed = asyncio.Event()

    def create_topic(self, topic: str, *, partitions: int | None = None) -> None:
        if topic not in self._topics:
            self._topics[topic] = [[] for _ in range(partitions or self._default_partitions)]

    def partitions(self, topic: str) -> int:
        self.create_topic(topic)
        return len(self._topics[topic])

    def records(self, topic: str) -> list[ConsumedRecord]:
        """Every record of a topic, partition by partition (for tests and the dev console)."""
        return [record for partition in self._topics.get(topic, []) for record in partition]

    async def append(self, record: OutgoingRecord) -> None:
        self.create_topic(record.topic)
        partitions = self._topics[record.topic]
        # Same key, same partition: the only ordering Kafka promises, and all we rely on.
        index = zlib.crc32(record.key) % len(partitions)
        log = partitions[index]
        log.append(
            ConsumedRecord(
                topic=record.topic,
                partition=index,
                offset=len(log),
                key=record.key,
                value=record.value,
                headers=record.headers,
            )
        )
        await self._notify()

    async def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for_change(self, max_wait: float) -> None:
        changed = self._changed  # taken before any await: no change can slip in between
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), max_wait)

    def end_offset(self, tp: TopicPartition) -> int:
        topic, partition = tp
        return len(self._topics[topic][partition]) if topic in self._topics else 0

    def read(self, tp: TopicPartition, position: int, limit: int) -> list[ConsumedRecord]:
        topic, partition = tp
        return self._topics[topic][partition][position : position + limit]

    def committed(self, group: str, tp: TopicPartition, *, start_at: StartAt = "earliest") -> int:
        committed = self._groups.setdefault(group, _Group()).committed
        if tp in committed:
            return committed[tp]
        return len(self._topics[tp[0]][tp[1]]) if start_at == "latest" else 0

    def commit(self, group: str, member: MemoryConsumer, record: ConsumedRecord) -> bool:
        tp = (record.topic, record.partition)
        if tp not in member.assignment():
            return False
        self._groups[group].committed[tp] = record.offset + 1
        return True

    async def join(self, group: str, member: MemoryConsumer) -> None:
        for topic in member.topics:
            self.create_topic(topic)
        self._groups.setdefault(group, _Group()).members.append(member)
        await self._rebalance(group)

    async def leave(self, group: str, member: MemoryConsumer) -> None:
        members = self._groups[group].members
        if member in members:
            members.remove(member)
            member.assign(frozenset())
            await self._rebalance(group)

    async def _rebalance(self, group: str) -> None:
        members = self._groups[group].members
        for member in members:
            owned = [
                (topic, partition)
                for topic in sorted(set(member.topics))
                for partition in range(len(self._topics[topic]))
            ]
            # Round-robin over the members that subscribe to the partition's topic.
            assigned = set()
            for tp in owned:
                candidates = [m for m in members if tp[0] in m.topics]
                if candidates[tp[1] % len(candidates)] is member:
                    assigned.add(tp)
            member.assign(frozenset(assigned))
        await self._notify()


class MemoryConsumer:
    _ids = itertools.count()

    def __init__(
        self,
        broker: MemoryBroker,
        *,
        group: str,
        topics: Sequence[str],
        start_at: StartAt = "earliest",
    ) -> None:
        self._broker = broker
        self._start_at: StartAt = start_at
        self.group = group
        self.topics = tuple(topics)
        self._assignment: frozenset[TopicPartition] = frozenset()
        self._positions: dict[TopicPartition, int] = {}
        self._started = False
        self._name = f"memory-consumer-{next(self._ids)}"

    def assign(self, partitions: frozenset[TopicPartition]) -> None:
        # Eager rebalance: everything restarts from the group's committed offsets.
        self._assignment = partitions
        self._positions = {
            tp: self._broker.committed(self.group, tp, start_at=self._start_at) for tp in partitions
        }

    def assignment(self) -> frozenset[TopicPartition]:
        return self._assignment

    async def start(self) -> None:
        if not self._started:
            self._started = True
            await self._broker.join(self.group, self)

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self._broker.leave(self.group, self)

    async def poll(self, *, max_wait: float) -> list[ConsumedRecord]:
        if not self._started:
            raise RuntimeError(f"{self._name} is not started")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            batch = self._take()
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                return batch
            await self._broker.wait_for_change(remaining)

    def _take(self) -> list[ConsumedRecord]:
        batch: list[ConsumedRecord] = []
        for tp in sorted(self._assignment):
            records = self._broker.read(tp, self._positions[tp], MAX_POLL_RECORDS - len(batch))
            self._positions[tp] += len(records)
            batch.extend(records)
        return batch

    def lag(self) -> Mapping[tuple[str, int], int]:
        return {
            tp: self._broker.end_offset(tp) - self._broker.committed(self.group, tp)
            for tp in self._assignment
        }

    async def commit(self, record: ConsumedRecord) -> bool:
        return self._broker.commit(self.group, self, record)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


class MemoryEventBus:
    """The `EventBus` port over a `MemoryBroker` (one broker per embedded process)."""

    def __init__(self, broker: MemoryBroker | None = None) -> None:
        self.broker = broker or MemoryBroker()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ensure_topics(self, topics: Sequence[str], *, partitions: int) -> None:
        for topic in topics:
            self.broker.create_topic(topic, partitions=partitions)

    async def publish(self, record: OutgoingRecord) -> None:
        await self.broker.append(record)

    async def publish_many(self, records: Sequence[OutgoingRecord]) -> None:
        for record in records:
            await self.broker.append(record)

    def consumer(
        self, *, group: str, topics: Sequence[str], start_at: StartAt = "earliest"
    ) -> MemoryConsumer:
        return MemoryConsumer(self.broker, group=group, topics=topics, start_at=start_at)

    async def ping(self) -> None:
        return None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
