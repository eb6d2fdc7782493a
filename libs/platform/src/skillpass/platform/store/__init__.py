"""Aggregate documents that carry their own outbox and inbox: the port and its adapters."""

from skillpass.platform.store.port import (
    AggregateStore,
    Applied,
    Change,
    ConcurrencyConflictError,
    OutboxBatch,
    OutboxSource,
)

__all__ = [
    "AggregateStore",
    "Applied",
    "Change",
    "ConcurrencyConflictError",
    "OutboxBatch",
    "OutboxSource",
]
