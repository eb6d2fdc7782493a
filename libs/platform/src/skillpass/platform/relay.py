"""The outbox relay: publishes the events aggregates wrote into their documents, then removes them.

Publish first, remove after: a crash in between publishes the events again on restart (consumers'
inboxes make that harmless); no order of crashes loses one. FerretDB has no change streams, so
the relay polls, backing off while there is nothing to do; `wake()` lets an in-process writer cut
the wait short.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import structlog
from opentelemetry.metrics import MeterProvider, Observation
from opentelemetry.trace import TracerProvider

from skillpass.platform.bus.port import EventBus
from skillpass.platform.cloudevents import PendingEvent, to_record
from skillpass.platform.concurrency import gather_or_raise
from skillpass.platform.metrics import OUTBOX_BACKLOG
from skillpass.platform.store.port import OutboxSource
from skillpass.platform.telemetry import producer_span, tracer

log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        bus: EventBus,
        sources: Sequence[OutboxSource],
        *,
        batch_size: int = 200,
        min_interval: float = 0.05,
        max_interval: float = 2.0,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        self._bus = bus
        self._sources = tuple(sources)
        self._batch_size = batch_size
        self._min_interval = min_interval
        self._max_interval = max_interval
        self._tracer = tracer(tracer_provider)
        self._wake = asyncio.Event()
        self._stopping = False
        self._running: asyncio.Event | None = None
        # Pending events seen at the start of the last pass (at most `batch_size` documents).
        self._backlog: int | None = None
        OUTBOX_BACKLOG.register(self._observe_backlog, meter_provider)

    async def run_once(self) -> int:
        """Publish every pending event once; the number published."""
        published = 0
        backlog = 0
        for source in self._sources:
            batches = await source.pending(limit=self._batch_size)
            events = [pending for batch in batches for pending in batch.events]
            backlog += len(events)
            await self._publish(events)
            # One write per document, independent of each other: overlap their round trips.
            await gather_or_raise(source.remove(batch) for batch in batches)
            published += len(events)
        self._backlog = backlog
        return published

    def _observe_backlog(self) -> list[Observation]:
        return [] if self._backlog is None else [Observation(self._backlog)]

    async def _publish(self, events: Sequence[PendingEvent]) -> None:
        # All in one go; the bus keeps each document's events (one key) in the order written.
        if not events:
            return
        with contextlib.ExitStack() as spans:
            records = [
                to_record(
                    pending,
                    trace_headers=spans.enter_context(
                        producer_span(
                            self._tracer,
                            topic=pending.topic,
                            key=pending.event.subject,
                            message_id=pending.event.id,
                            parent=pending.trace_context,
                        )
                    ),
                )
                for pending in events
            ]
            await self._bus.publish_many(records)

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Finish the pass in hand, then return."""
        self._stopping = True
        self._wake.set()
        if self._running is not None:
            await self._running.wait()

    async def run(self) -> None:
        """Poll until `stop()`; errors (a broker or database outage) are logged and retried."""
        interval = self._min_interval
        self._running = asyncio.Event()
        try:
            await self._loop(interval)
        finally:
            self._running.set()
            self._running = None

    async def _loop(self, interval: float) -> None:
        while not self._stopping:
            try:
                published = await self.run_once()
            except Exception:
                log.exception("outbox relay pass failed; retrying")
                published = 0
            interval = self._min_interval if published else min(interval * 2, self._max_interval)
            if published:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
