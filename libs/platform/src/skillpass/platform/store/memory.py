"""The in-memory aggregate store (embedded mode and fast tests).

Every method runs without awaiting in the middle, so each call is atomic on the event loop, the
way a single-document write is atomic in MongoDB.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from skillpass.platform.cloudevents import PendingEvent
from skillpass.platform.store.port import INBOX_SIZE, Change, OutboxBatch


@dataclass(slots=True)
class _Document:
    state: dict[str, Any]
    inbox: list[str] = field(default_factory=list)
    outbox: list[PendingEvent] = field(default_factory=list)


class MemoryAggregateStore:
    def __init__(self, *, inbox_size: int = INBOX_SIZE) -> None:
        self._documents: dict[str, _Document] = {}
        self._inbox_size = inbox_size

    async def get(self, document_id: str) -> dict[str, Any] | None:
        document = self._documents.get(document_id)
        return None if document is None else copy.deepcopy(document.state)

    async def apply(self, document_id: str, change: Change, *, event_id: str | None = None) -> bool:
        document = self._documents.get(document_id)
        if document is not None and event_id is not None and event_id in document.inbox:
            return False
        # Deep copies: the caller must not be able to mutate stored state behind our back.
        applied = change(None if document is None else copy.deepcopy(document.state))
        if document is None:
            document = self._documents[document_id] = _Document(state={})
        document.state = copy.deepcopy(dict(applied.state))
        document.outbox.extend(applied.events)
        if event_id is not None:
            document.inbox = [*document.inbox, event_id][-self._inbox_size :]
        return True

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        batches = [
            OutboxBatch(document_id=document_id, events=tuple(document.outbox))
            for document_id, document in self._documents.items()
            if document.outbox
        ]
        return batches[:limit]

    async def remove(self, batch: OutboxBatch) -> None:
        document = self._documents.get(batch.document_id)
        if document is not None:
            done = {p.event.id for p in batch.events}
            document.outbox = [p for p in document.outbox if p.event.id not in done]
