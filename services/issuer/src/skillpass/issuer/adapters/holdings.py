"""Pathway holdings over the platform's aggregate store: one document per recipient key, whose
inbox makes a redelivered credential event a no-op (a ``MemoryAggregateStore`` in embedded mode,
a ``MongoAggregateStore`` otherwise)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skillpass.issuer.adapters import documents as d
from skillpass.issuer.domain.pathways import RecipientHoldings
from skillpass.issuer.service_layer.ports import HoldingsChange
from skillpass.platform.store import AggregateStore, Applied


class AggregateHoldingsRepository:
    def __init__(self, store: AggregateStore) -> None:
        self._store = store

    async def get(self, recipient_key: str) -> RecipientHoldings | None:
        state = await self._store.get(recipient_key)
        return None if state is None else d.holdings_from_state(state)

    async def apply(self, recipient_key: str, change: HoldingsChange, *, event_id: str) -> bool:
        def apply(state: Mapping[str, Any] | None) -> Applied:
            current = (
                RecipientHoldings(recipient_key=recipient_key)
                if state is None
                else d.holdings_from_state(state)
            )
            return Applied(state=d.holdings_to_state(change(current)))

        return await self._store.apply(recipient_key, apply, event_id=event_id)
