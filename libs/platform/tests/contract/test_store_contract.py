"""The aggregate store contract (outbox + inbox in one document write), in memory and on MongoDB."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from skillpass.events.v1 import holdings_pb2
from skillpass.platform.cloudevents import PendingEvent, new_event
from skillpass.platform.store.port import AggregateStore, Applied

NOW = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _event(holding_id: str, event_id: str) -> PendingEvent:
    return new_event(
        holdings_pb2.HoldingAccepted(holding_id=holding_id, learner_id="learner-1"),
        source="/wallet",
        subject=holding_id,
        event_id=event_id,
        time=NOW,
        trace_context={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
    )


def _count(*, events: tuple[PendingEvent, ...] = ()) -> Any:
    def change(state: Mapping[str, Any] | None) -> Applied:
        count = 0 if state is None else state["count"]
        return Applied(state={"count": count + 1, "tags": ["a", "b"]}, events=events)

    return change


async def test_apply_writes_state_that_get_reads(store: AggregateStore) -> None:
    assert await store.get("h-1") is None
    assert await store.apply("h-1", _count())
    assert await store.apply("h-1", _count())
    assert await store.get("h-1") == {"count": 2, "tags": ["a", "b"]}


async def test_an_event_id_is_applied_once(store: AggregateStore) -> None:
    assert await store.apply("h-1", _count(), event_id="e-1")
    assert not await store.apply("h-1", _count(events=(_event("h-1", "out-1"),)), event_id="e-1")
    assert await store.get("h-1") == {"count": 1, "tags": ["a", "b"]}
    assert await store.pending(limit=10) == []
    assert await store.apply("h-1", _count(), event_id="e-2")
    assert await store.get("h-1") == {"count": 2, "tags": ["a", "b"]}


async def test_the_same_event_id_may_apply_to_different_documents(store: AggregateStore) -> None:
    assert await store.apply("h-1", _count(), event_id="e-1")
    assert await store.apply("h-2", _count(), event_id="e-1")


async def test_events_written_with_the_state_are_pending_until_removed(
    store: AggregateStore,
) -> None:
    first, second = _event("h-1", "out-1"), _event("h-1", "out-2")
    await store.apply("h-1", _count(events=(first,)))
    await store.apply("h-1", _count(events=(second,)))
    await store.apply("h-2", _count())
    [batch] = await store.pending(limit=10)
    assert batch.document_id == "h-1"
    assert batch.events == (first, second)  # lossless, in write order

    third = _event("h-1", "out-3")
    await store.apply("h-1", _count(events=(third,)))
    await store.remove(batch)  # published before `third` was written: `third` stays
    [batch] = await store.pending(limit=10)
    assert batch.events == (third,)
    await store.remove(batch)
    assert await store.pending(limit=10) == []
    assert await store.get("h-1") == {"count": 3, "tags": ["a", "b"]}


async def test_pending_honours_the_limit(store: AggregateStore) -> None:
    for i in range(3):
        await store.apply(f"h-{i}", _count(events=(_event(f"h-{i}", f"out-{i}"),)))
    assert len(await store.pending(limit=2)) == 2
    assert len(await store.pending(limit=10)) == 3


async def test_concurrent_changes_to_one_document_are_all_kept(store: AggregateStore) -> None:
    await asyncio.gather(
        *(
            store.apply("h-1", _count(events=(_event("h-1", f"out-{i}"),)), event_id=f"e-{i}")
            for i in range(5)
        )
    )
    assert await store.get("h-1") == {"count": 5, "tags": ["a", "b"]}
    [batch] = await store.pending(limit=10)
    assert sorted(p.event.id for p in batch.events) == [f"out-{i}" for i in range(5)]


async def test_removing_published_events_never_drops_one_written_concurrently(
    store: AggregateStore,
) -> None:
    await store.apply("h-1", _count(events=(_event("h-1", "out-0"),)))
    [published] = await store.pending(limit=10)
    await asyncio.gather(
        store.remove(published),
        *(store.apply("h-1", _count(events=(_event("h-1", f"out-{i}"),))) for i in range(1, 4)),
    )
    [batch] = await store.pending(limit=10)
    assert sorted(p.event.id for p in batch.events) == ["out-1", "out-2", "out-3"]


async def test_removal_after_a_change_without_events_leaves_nothing_pending(
    store: AggregateStore,
) -> None:
    await store.apply("h-1", _count(events=(_event("h-1", "out-0"),)))
    [batch] = await store.pending(limit=10)
    await store.apply("h-1", _count())  # a new revision, the same outbox
    await store.remove(batch)
    assert await store.pending(limit=10) == []
    assert await store.get("h-1") == {"count": 2, "tags": ["a", "b"]}


async def test_removing_part_of_a_batch_keeps_the_rest_pending(store: AggregateStore) -> None:
    first, second = _event("h-1", "out-1"), _event("h-1", "out-2")
    await store.apply("h-1", _count(events=(first, second)))
    [batch] = await store.pending(limit=10)
    await store.remove(replace(batch, events=(first,)))
    [batch] = await store.pending(limit=10)
    assert batch.events == (second,)
