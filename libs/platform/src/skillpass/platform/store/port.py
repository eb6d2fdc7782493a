"""The aggregate store port: the outbox and the inbox without multi-document transactions.

Each aggregate is one document: its state, a revision, the ids of the events it has applied
(the inbox) and the events it has not yet published (the outbox). A change writes all of them in
ONE single-document write, so "state changed" and "event recorded" can never disagree:
- the outbox relay publishes `pending()` events and then `remove()`s them; a crash in between
  publishes them again, never loses them;
- `apply(..., event_id=...)` is a no-op for an event id the document already applied, so a
  consumer that crashed before committing its offset can safely see the record again.
Both adapters (`memory`, `mongo`) pass `tests/contract/test_store_contract.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from skillpass.platform.cloudevents import PendingEvent

# How many applied event ids a document remembers. Redeliveries come from uncommitted offsets,
# so they are recent; a bounded inbox keeps hot documents small.
INBOX_SIZE = 1000
# Optimistic-concurrency retries before `apply` gives up.
MAX_CONFLICT_RETRIES = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Applied:
    """The result of a change: the aggregate's new state and the events it emits."""

    state: Mapping[str, Any]
    events: Sequence[PendingEvent] = ()


# A pure function from the current state (None: no document yet) to the new state and events.
# It may run more than once when concurrent writers collide, so it must not have side effects.
Change = Callable[[Mapping[str, Any] | None], Applied]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxBatch:
    """A document's unpublished events, in the order written (may be empty: a marker to clear).

    `revision` is the document's revision when read, where the store keeps one: `remove` can
    then clear the whole outbox in one guarded write."""

    document_id: str
    events: tuple[PendingEvent, ...]
    revision: int | None = None


class ConcurrencyConflictError(RuntimeError):
    """`apply` lost the race for a document `MAX_CONFLICT_RETRIES` times in a row."""


class OutboxSource(Protocol):
    """What the outbox relay needs."""

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        """Documents with unpublished events (at most `limit`), events in the order written."""

    async def remove(self, batch: OutboxBatch) -> None:
        """Forget the batch's events (published); events written meanwhile stay."""


class AggregateStore(OutboxSource, Protocol):
    async def get(self, document_id: str) -> dict[str, Any] | None:
        """The aggregate's state, or None."""

    async def apply(self, document_id: str, change: Change, *, event_id: str | None = None) -> bool:
        """Write `change(state)` and its events in one write; record `event_id` in the same write.

        Returns False, writing nothing, when `event_id` was already applied to this document.
        """
