"""Holdings written through the platform's aggregate store: state, outbox and inbox in ONE
single-document write (no transactions needed). The memory and MongoDB repositories share this
write path and differ only in how they query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skillpass.platform.store import AggregateStore, Applied, OutboxBatch
from skillpass.wallet.adapters.documents import holding_from_document, holding_to_document
from skillpass.wallet.adapters.outbox_events import to_pending
from skillpass.wallet.domain.holdings import Holding, Transition
from skillpass.wallet.service_layer.ports import HoldingChange


class _Exists(Exception):  # noqa: N818 - internal signal
    pass


class AggregateHoldingWrites:
    def __init__(self, store: AggregateStore) -> None:
        self._store = store

    async def get(self, holding_id: str) -> Holding | None:
        state = await self._store.get(holding_id)
        return None if state is None else holding_from_document(state)

    async def update(
        self, holding_id: str, change: HoldingChange, *, event_id: str | None = None
    ) -> Holding | None:
        outcome: list[Holding] = []  # the last run of `change` is the one that was written

        def apply(state: Mapping[str, Any] | None) -> Applied:
            current = None if state is None else holding_from_document(state)
            holding, events = change(current)
            if holding.id != holding_id:
                raise ValueError("a change may not move a holding to another id")
            outcome.append(holding)
            return Applied(
                state=holding_to_document(holding), events=[to_pending(e) for e in events]
            )

        if not await self._store.apply(holding_id, apply, event_id=event_id):
            return None
        self._written(outcome[-1])
        return outcome[-1]

    async def add(self, holding: Holding) -> bool:
        def create(current: Holding | None) -> Transition:
            if current is not None:
                raise _Exists
            return holding, ()

        try:
            await self.update(holding.id, create)
        except _Exists:
            return False
        return True

    def _written(self, holding: Holding) -> None:
        """Hook for adapters that keep a read index (memory)."""

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        return await self._store.pending(limit=limit)

    async def remove(self, batch: OutboxBatch) -> None:
        await self._store.remove(batch)
