"""Fan-out of platform events to GraphQL subscribers on this gateway replica.

One feeder (a bus consumer in a group of its own, so every replica sees every event) publishes
each decoded event once; every subscriber has a bounded queue and a predicate that encodes what
it may see. A subscriber too slow to keep up is cut off rather than allowed to grow memory without
bound: its subscription ends with an error it can reconnect after.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class HubEvent:
    type: str  # the CloudEvents type, e.g. issuer.credential.issued.v1
    subject: str  # the aggregate id (a credential id, a batch job id)
    data: Any  # the decoded payload message
    id: str = ""  # the CloudEvents id
    time: datetime | None = None  # the CloudEvents time


class SubscriberTooSlowError(Exception):
    pass


_OVERFLOW = object()


class EventHub:
    def __init__(self, *, queue_size: int = 256) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[int, tuple[Callable[[HubEvent], bool], asyncio.Queue[object]]] = {}
        self._next_id = 0

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, event: HubEvent) -> None:
        for sid, (wants, queue) in list(self._subscribers.items()):
            if not wants(event):
                continue
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                del self._subscribers[sid]
                queue.get_nowait()  # make room for the marker that ends the subscription
                queue.put_nowait(_OVERFLOW)

    async def subscribe(self, wants: Callable[[HubEvent], bool]) -> AsyncGenerator[HubEvent, None]:
        queue: asyncio.Queue[object] = asyncio.Queue(self._queue_size)
        sid = self._next_id
        self._next_id += 1
        self._subscribers[sid] = (wants, queue)
        try:
            while True:
                item = await queue.get()
                if item is _OVERFLOW:
                    raise SubscriberTooSlowError("subscriber fell behind; resubscribe")
                assert isinstance(item, HubEvent)
                yield item
        finally:
            self._subscribers.pop(sid, None)
