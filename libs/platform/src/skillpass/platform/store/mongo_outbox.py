"""The outbox inside MongoDB documents: what writers add, how the relay finds and clears it.

Shared by the aggregate store (`store/mongo.py`) and stores with a layout of their own (the
issuer's credentials). A document with unpublished events holds them in `outbox` and carries the
marker field `outbox_pending`, written in the same single-document write as the events. The relay
finds documents by the marker alone: a sparse index holds only those documents, and the local
FerretDB answers this exact query from its index too (deploy/local/ferretdb/pushdown.go), so a
relay pass costs what is pending, not the size of the collection.

Writers bump the document's `revision` whenever they push events. Clearing after publishing:
- the document still at the revision the relay read, with as many entries as it published: one
  guarded write empties the outbox and drops the marker;
- otherwise (the document changed meanwhile): only the published entries are pulled, exactly as
  stored (FerretDB v1 ignores the condition form of `$pull`), then the marker is dropped if the
  outbox is empty by then. A crash between the two leaves a marker over an empty outbox: the
  next pass reads it as an empty batch and clears it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from skillpass.platform.cloudevents import PendingEvent
from skillpass.platform.store.documents import event_from_document, event_to_document
from skillpass.platform.store.port import OutboxBatch

Document = dict[str, Any]

OUTBOX = "outbox"
OUTBOX_PENDING = "outbox_pending"
OUTBOX_INDEX = IndexModel([(OUTBOX_PENDING, ASCENDING)], name="outbox_marker", sparse=True)


def outbox_fields(events: Sequence[PendingEvent]) -> Document:
    """The outbox fields of a new document."""
    if not events:
        return {OUTBOX: []}
    return {OUTBOX: [event_to_document(e) for e in events], OUTBOX_PENDING: True}


def push_events(update: Document, events: Sequence[PendingEvent]) -> Document:
    """`update` (a guarded update that bumps `revision`) that also records `events`."""
    if not events:
        return update
    return {
        **update,
        "$set": {**update.get("$set", {}), OUTBOX_PENDING: True},
        "$push": {OUTBOX: {"$each": [event_to_document(e) for e in events]}},
    }


async def pending_batches(
    collection: AsyncCollection[Document], *, limit: int
) -> list[OutboxBatch]:
    cursor = collection.find(
        {OUTBOX_PENDING: {"$exists": True}}, {OUTBOX: 1, "revision": 1}, limit=limit
    )
    return [
        OutboxBatch(
            document_id=document["_id"],
            events=tuple(event_from_document(event) for event in document.get(OUTBOX, [])),
            revision=document.get("revision"),
        )
        async for document in cursor
    ]


async def remove_published(collection: AsyncCollection[Document], batch: OutboxBatch) -> None:
    document_id = batch.document_id
    if batch.revision is not None:
        cleared = await collection.update_one(
            {"_id": document_id, "revision": batch.revision, OUTBOX: {"$size": len(batch.events)}},
            {"$set": {OUTBOX: []}, "$unset": {OUTBOX_PENDING: ""}},
        )
        if cleared.matched_count:
            return
    if batch.events:
        found = await collection.find_one({"_id": document_id}, {OUTBOX: 1})
        wanted = {p.event.id for p in batch.events}
        entries = [entry for entry in (found or {}).get(OUTBOX, []) if entry.get("id") in wanted]
        if entries:
            await collection.update_one({"_id": document_id}, {"$pullAll": {OUTBOX: entries}})
    # A writer that pushes sets the marker in the same write, so this never hides an event.
    await collection.update_one(
        {"_id": document_id, OUTBOX: {"$size": 0}}, {"$unset": {OUTBOX_PENDING: ""}}
    )
