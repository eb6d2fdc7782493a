"""The event bus port and its adapters: Kafka (`kafka`) and the in-memory twin (`memory`)."""

from skillpass.platform.bus.port import Consumer, EventBus
from skillpass.platform.bus.records import ConsumedRecord, Headers, OutgoingRecord

__all__ = ["ConsumedRecord", "Consumer", "EventBus", "Headers", "OutgoingRecord"]
