"""The MongoDB aggregate store (PyMongo async API), for servers without transactions.

Document layout: `{_id, state, revision, inbox: [event ids], outbox: [events]}`. A change is one
`update_one` guarded by the revision it read (optimistic concurrency) that `$set`s state, revision
and inbox and `$push`es to the outbox; the relay `$pullAll`s published events without touching
the revision. Writes to one document are also serialised in-process (see `document_locks`: the
local FerretDB does not apply updates atomically).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from skillpass.platform.mongo import ensure_indexes
from skillpass.platform.store.document_locks import DOCUMENT_LOCKS
from skillpass.platform.store.documents import event_from_document, event_to_document
from skillpass.platform.store.port import (
    INBOX_SIZE,
    MAX_CONFLICT_RETRIES,
    Change,
    ConcurrencyConflictError,
    OutboxBatch,
)

Document = dict[str, Any]


class MongoAggregateStore:
    # Sparse over an array field: documents with an empty outbox drop out of the index, so the
    # relay's poll stays cheap however many aggregates exist.
    INDEXES = (IndexModel([("outbox.id", ASCENDING)], name="outbox_pending", sparse=True),)

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
            events = [event_to_document(p) for p in applied.events]
            if current is None:
                if await self._insert(document_id, applied.state, inbox, events):
                    return True
            elif await self._update(current, applied.state, inbox, events):
                return True
        raise ConcurrencyConflictError(f"document {document_id} keeps changing under us")

    async def _insert(
        self, document_id: str, state: Mapping[str, Any], inbox: list[str], events: list[Document]
    ) -> bool:
        document = {
            "_id": document_id,
            "state": dict(state),
            "revision": 1,
            "inbox": inbox,
            "outbox": events,
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
        events: list[Document],
    ) -> bool:
        update: Document = {
            "$set": {"state": dict(state), "revision": current["revision"] + 1, "inbox": inbox}
        }
        if events:
            update["$push"] = {"outbox": {"$each": events}}
        result = await self._collection.update_one(
            {"_id": current["_id"], "revision": current["revision"]}, update
        )
        return result.matched_count == 1

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        cursor = self._collection.find({"outbox.id": {"$exists": True}}, {"outbox": 1}, limit=limit)
        return [
            OutboxBatch(
                document_id=document["_id"],
                events=tuple(event_from_document(event) for event in document["outbox"]),
            )
            async for document in cursor
        ]

    async def remove(self, document_id: str, event_ids: Sequence[str]) -> None:
        # `$pullAll` of the entries exactly as stored: FerretDB v1 ignores the condition form of
        # `$pull` ({"id": {"$in": ...}}) without an error, but matches whole values everywhere.
        async with self._lock(document_id):
            found = await self._collection.find_one({"_id": document_id}, {"outbox": 1})
            if found is None:
                return
            wanted = set(event_ids)
            entries = [entry for entry in found.get("outbox", []) if entry.get("id") in wanted]
            if entries:
                await self._collection.update_one(
                    {"_id": document_id}, {"$pullAll": {"outbox": entries}}
                )
