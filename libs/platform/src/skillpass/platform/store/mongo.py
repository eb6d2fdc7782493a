"""The MongoDB aggregate store (PyMongo async API), for servers without transactions.

Document layout: `{_id, state, revision, inbox: [event ids], outbox: [events], outbox_pending?}`.
A change is one `update_one` guarded by the revision it read (optimistic concurrency) that `$set`s
state, revision and inbox and `$push`es to the outbox (`mongo_outbox` says how the relay finds and
clears it, without touching the revision). Writes to one document are also serialised in-process
(see `document_locks`: the local FerretDB does not apply updates atomically).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from skillpass.platform.cloudevents import PendingEvent
from skillpass.platform.mongo import ensure_indexes
from skillpass.platform.store.document_locks import DOCUMENT_LOCKS
from skillpass.platform.store.mongo_outbox import (
    OUTBOX_INDEX,
    outbox_fields,
    pending_batches,
    push_events,
    remove_published,
)
from skillpass.platform.store.port import (
    INBOX_SIZE,
    MAX_CONFLICT_RETRIES,
    Change,
    ConcurrencyConflictError,
    OutboxBatch,
)

Document = dict[str, Any]


class MongoAggregateStore:
    INDEXES = (OUTBOX_INDEX,)

    def __init__(
        self, collection: AsyncCollection[Document], *, inbox_size: int = INBOX_SIZE
    ) -> None:
        self._collection = collection
        self._inbox_size = inbox_size

    async def ensure_indexes(self) -> None:
        await ensure_indexes(self._collection.database, {self._collection.name: self.INDEXES})

    async def get(self, document_id: str) -> dict[str, Any] | None:
        found = await self._collection.find_one({"_id": document_id}, {"state": 1})
        return None if found is None else dict(found["state"])

    def _lock(self, document_id: str) -> AbstractAsyncContextManager[None]:
        return DOCUMENT_LOCKS.hold((self._collection.full_name, document_id))

    async def apply(self, document_id: str, change: Change, *, event_id: str | None = None) -> bool:
        async with self._lock(document_id):
            return await self._apply(document_id, change, event_id)

    async def _apply(self, document_id: str, change: Change, event_id: str | None) -> bool:
        for _ in range(MAX_CONFLICT_RETRIES):
            current = await self._collection.find_one(
                {"_id": document_id}, {"state": 1, "revision": 1, "inbox": 1}
            )
            inbox: list[str] = [] if current is None else list(current.get("inbox", []))
            if event_id is not None and event_id in inbox:
                return False
            applied = change(None if current is None else current["state"])
            if event_id is not None:
                inbox = [*inbox, event_id][-self._inbox_size :]
            events = applied.events
            if current is None:
                if await self._insert(document_id, applied.state, inbox, events):
                    return True
            elif await self._update(current, applied.state, inbox, events):
                return True
        raise ConcurrencyConflictError(f"document {document_id} keeps changing under us")

    async def _insert(
        self,
        document_id: str,
        state: Mapping[str, Any],
        inbox: list[str],
        events: Sequence[PendingEvent],
    ) -> bool:
        document = {
            "_id": document_id,
            "state": dict(state),
            "revision": 1,
            "inbox": inbox,
            **outbox_fields(events),
        }
        try:
            await self._collection.insert_one(document)
        except DuplicateKeyError:
            return False  # another writer created it first: read it and try again
        return True

    async def _update(
        self,
        current: Document,
        state: Mapping[str, Any],
        inbox: list[str],
        events: Sequence[PendingEvent],
    ) -> bool:
        update = push_events(
            {"$set": {"state": dict(state), "revision": current["revision"] + 1, "inbox": inbox}},
            events,
        )
        result = await self._collection.update_one(
            {"_id": current["_id"], "revision": current["revision"]}, update
        )
        return result.matched_count == 1

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        return await pending_batches(self._collection, limit=limit)

    async def remove(self, batch: OutboxBatch) -> None:
        async with self._lock(batch.document_id):
            await remove_published(self._collection, batch)
