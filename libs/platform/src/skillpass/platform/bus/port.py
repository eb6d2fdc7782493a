"""The event bus port. Both adapters pass `tests/contract/test_bus_contract.py`.

Semantics the services rely on:
- a record's partition is chosen by its key, so records with one key keep their order;
- every consumer group sees every record; within a group each partition has one owner;
- offsets are committed explicitly, after the consumer's write; after a restart or a rebalance a
  group resumes from its committed offsets, so uncommitted records are delivered again;
- a new group starts from the earliest record (or, with `start_at="latest"`, from records
  published after its first poll that owned the partition: live feeds such as the gateway's
  subscriptions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Literal, Protocol, Self

from skillpass.platform.bus.records import ConsumedRecord, OutgoingRecord

# Where a group without committed offsets begins reading.
StartAt = Literal["earliest", "latest"]


class Consumer(Protocol):
    """One member of a consumer group. Not started until `start()` (or `async with`)."""

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Leave the group without committing anything further."""

    async def poll(self, *, max_wait: float) -> list[ConsumedRecord]:
        """Records from the assigned partitions, in partition order; [] after `max_wait` seconds."""

    def assignment(self) -> frozenset[tuple[str, int]]:
        """The (topic, partition) pairs this member owns right now."""

    def lag(self) -> Mapping[tuple[str, int], int]:
        """Per owned partition read from or committed to: the high-water mark minus the group's
        committed offset, as last known (no broker round trip: metric callbacks call it)."""

    async def commit(self, record: ConsumedRecord) -> bool:
        """Mark `record` and everything before it on its partition as processed.

        False when the partition has moved to another member meanwhile: the new owner will see
        the record again, which the inbox makes harmless.
        """

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class EventBus(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ensure_topics(self, topics: Sequence[str], *, partitions: int) -> None:
        """Create the topics that do not exist yet (existing ones are left as they are)."""

    async def publish(self, record: OutgoingRecord) -> None:
        """Return once the broker has acknowledged the record (acks=all, idempotent)."""

    async def publish_many(self, records: Sequence[OutgoingRecord]) -> None:
        """Publish every record, keeping their order per key, and return once all are
        acknowledged. On a failure it raises; records before the failed one may be published."""

    def consumer(
        self, *, group: str, topics: Sequence[str], start_at: StartAt = "earliest"
    ) -> Consumer: ...

    async def ping(self) -> None:
        """Raise if the broker cannot be reached (the readiness probe)."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
