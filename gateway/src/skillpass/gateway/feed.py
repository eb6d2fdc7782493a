"""The subscription feed: a bus consumer that hands every platform event to this replica's hub.

Each replica reads in a consumer group of its own (``gateway-<replica>-<random>``), from the
latest offset: subscriptions are live feeds, so a restarted replica does not replay the past and
nothing is committed. Records it cannot read are skipped (the services' own consumers own the
dead-letter topics).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence

import structlog

from skillpass.gateway.event_hub import EventHub, HubEvent
from skillpass.platform.bus.port import Consumer, EventBus
from skillpass.platform.bus.records import ConsumedRecord
from skillpass.platform.cloudevents import MalformedEventError, decode_payload, from_record
from skillpass.platform.events import CREDENTIALS_TOPIC, HOLDINGS_TOPIC, REGISTRY
from skillpass.platform.telemetry import consumer_span, tracer

log = structlog.get_logger(__name__)

FEED_TOPICS = (CREDENTIALS_TOPIC, HOLDINGS_TOPIC)


def feed_group(replica_id: str) -> str:
    return f"gateway-{replica_id}-{secrets.token_hex(4)}"


class EventFeed:
    """A ``platform.workers.Worker``: polls until stopped; a failed poll rejoins after a pause."""

    def __init__(
        self,
        bus: EventBus,
        hub: EventHub,
        *,
        group: str,
        topics: Sequence[str] = FEED_TOPICS,
        poll_timeout: float = 0.5,
    ) -> None:
        self._bus = bus
        self._hub = hub
        self._group = group
        self._topics = tuple(topics)
        self._poll_timeout = poll_timeout
        self._stopping = asyncio.Event()
        self._ready = asyncio.Event()
        self._finished = asyncio.Event()
        self._started = False
        self._tracer = tracer()

    @property
    def ready(self) -> bool:
        """The group owns partitions and has polled once: events published from now on arrive."""
        return self._ready.is_set()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def probe(self) -> None:
        """The readiness probe: subscriptions would miss events until the feed is assigned."""
        if not self.ready:
            raise RuntimeError("the subscription feed is not assigned yet")

    async def run(self) -> None:
        self._started = True
        try:
            while not self._stopping.is_set():
                consumer = self._bus.consumer(
                    group=self._group, topics=self._topics, start_at="latest"
                )
                try:
                    await consumer.start()
                    await self._poll(consumer)
                except Exception:
                    log.exception("subscription feed failed; rejoining", group=self._group)
                    self._ready.clear()
                    await self._pause(1.0)
                finally:
                    await consumer.stop()
        finally:
            self._finished.set()

    async def _poll(self, consumer: Consumer) -> None:
        while not self._stopping.is_set():
            records = await consumer.poll(max_wait=self._poll_timeout)
            if consumer.assignment():
                self._ready.set()
            for record in records:
                # A CONSUMER span under the producer's, so the push joins the event's trace.
                with consumer_span(self._tracer, record=record, group=self._group):
                    self._push(record)

    def _push(self, record: ConsumedRecord) -> None:
        try:
            event = from_record(record)
            spec = REGISTRY.by_type(event.type)
            if spec is None:
                return
            payload = decode_payload(event, spec)
        except MalformedEventError:
            return
        self._hub.publish(
            HubEvent(
                type=event.type, subject=event.subject, data=payload, id=event.id, time=event.time
            )
        )

    async def _pause(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        except TimeoutError:
            pass

    async def stop(self) -> None:
        """Finish the poll in hand and leave the group; returns when ``run()`` has (a cancelled
        poll could leave the in-memory broker's lock taken)."""
        self._stopping.set()
        if self._started:
            await self._finished.wait()
