"""The consumer loop every service runs: decode at the edge, dispatch, retry, dead-letter, commit.

For each record, in order among the records with its key (other keys run at the same time):
- an event type nobody here subscribes to is skipped (committed), not a crash;
- a record that cannot be decoded is poison: straight to `<topic>.<group>.dlq`;
- a handler that raises is retried; after `max_attempts` the record goes to the DLQ with the
  error in a header, and the partition moves on; a backend outage (MongoDB, Kafka unreachable)
  is not the record's fault: the batch is given up and read again once the consumer rejoins;
- the offset is committed only after the handler returned, so a crash before the commit means a
  redelivery, which the handler's `AggregateStore.apply(..., event_id=...)` turns into a no-op.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from google.protobuf.message import Message
from opentelemetry.metrics import MeterProvider, Observation
from opentelemetry.trace import StatusCode, TracerProvider

from skillpass.platform.bus.port import Consumer, EventBus
from skillpass.platform.bus.records import ConsumedRecord, OutgoingRecord
from skillpass.platform.cloudevents import (
    CloudEvent,
    MalformedEventError,
    ReceivedEvent,
    decode_payload,
    from_record,
)
from skillpass.platform.concurrency import gather_or_raise
from skillpass.platform.events import EventSpec, dlq_topic
from skillpass.platform.metrics import CONSUMER_LAG
from skillpass.platform.outages import BACKEND_UNAVAILABLE
from skillpass.platform.telemetry import consumer_span, tracer

M = TypeVar("M", bound=Message)
Handler = Callable[[ReceivedEvent[M]], Awaitable[None]]

DLQ_ERROR_HEADER = "dlq_error"
DLQ_ATTEMPTS_HEADER = "dlq_attempts"
DLQ_ORIGIN_HEADER = "dlq_origin"  # "<topic>/<partition>/<offset>" of the original record
_MAX_ERROR_BYTES = 1024
MAX_RESTART_BACKOFF = 5.0

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription(Generic[M]):
    """A handler for one event type; typed so the handler receives that type's payload."""

    spec: EventSpec[M]
    handler: Handler[M]


def _processed_prefixes(
    records: Sequence[ConsumedRecord], done: set[tuple[str, int, int]]
) -> dict[tuple[str, int], ConsumedRecord]:
    """Per partition, the last record up to which every record of the batch was processed."""
    last: dict[tuple[str, int], ConsumedRecord] = {}
    blocked: set[tuple[str, int]] = set()
    for record in records:  # in partition order
        partition = (record.topic, record.partition)
        if partition in blocked:
            continue
        if (record.topic, record.partition, record.offset) in done:
            last[partition] = record
        else:
            blocked.add(partition)
    return last


class _Poisoned(Exception):  # noqa: N818 - internal signal, not an error users see
    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


class EventConsumer:
    def __init__(
        self,
        bus: EventBus,
        *,
        group: str,
        subscriptions: Sequence[Subscription[Any]],
        topics: Sequence[str] = (),
        max_attempts: int = 3,
        retry_backoff: float = 0.05,
        poll_timeout: float = 0.5,
        concurrency: int = 16,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        """`topics` adds topics to read beyond those of the subscriptions (their other types are
        skipped); a type may have one subscription."""
        self._bus = bus
        self._group = group
        self._handlers: Mapping[str, Subscription[Any]] = {s.spec.type: s for s in subscriptions}
        if len(self._handlers) != len(subscriptions):
            raise ValueError("one subscription per event type")
        self.topics = tuple(dict.fromkeys([*(s.spec.topic for s in subscriptions), *topics]))
        self._max_attempts = max_attempts
        self._retry_backoff = retry_backoff
        self._poll_timeout = poll_timeout
        self._concurrency = concurrency
        self._tracer = tracer(tracer_provider)
        self._consumer: Consumer | None = None
        self._stopping = False
        self._running: asyncio.Event | None = None
        CONSUMER_LAG.register(self._observe_lag, meter_provider)

    def _observe_lag(self) -> list[Observation]:
        consumer = self._consumer
        if consumer is None:
            return []
        return [
            Observation(
                lag,
                {
                    "messaging.system": "kafka",
                    "messaging.consumer.group.name": self._group,
                    "messaging.destination.name": topic,
                    "messaging.destination.partition.id": str(partition),
                },
            )
            for (topic, partition), lag in sorted(consumer.lag().items())
        ]

    async def start(self) -> None:
        if self._consumer is None:
            # DLQs exist before they are needed: a broker may not auto-create topics.
            dead = [dlq_topic(topic, self._group) for topic in self.topics]
            await self._bus.ensure_topics(dead, partitions=1)
            consumer = self._bus.consumer(group=self._group, topics=self.topics)
            await consumer.start()
            self._consumer = consumer

    async def stop(self) -> None:
        """Leave the group (after the batch in hand, when `run()` is active); whatever was not
        committed is delivered again to the next owner."""
        self._stopping = True
        if self._running is not None:
            await self._running.wait()
        await self._close()

    async def _close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()

    async def poll_once(self) -> int:
        """Process one batch; the number of records handled (including skipped and dead ones).

        Records with one key (one aggregate) are handled in order; different keys at once, up to
        `concurrency`, so a batch costs a few store round trips instead of one per record."""
        if self._consumer is None:
            raise RuntimeError("EventConsumer is not started")
        consumer = self._consumer
        records = await consumer.poll(max_wait=self._poll_timeout)
        lanes: dict[tuple[str, int, bytes | None], list[ConsumedRecord]] = {}
        for record in records:
            lanes.setdefault((record.topic, record.partition, record.key), []).append(record)
        done: set[tuple[str, int, int]] = set()
        slots = asyncio.Semaphore(self._concurrency)

        async def run_lane(lane: Sequence[ConsumedRecord]) -> None:
            async with slots:
                for record in lane:
                    await self._process(record)
                    done.add((record.topic, record.partition, record.offset))

        try:
            await gather_or_raise(run_lane(lane) for lane in lanes.values())
        except Exception:
            # Keep what was processed with no gap before it (a crash or a cancellation commits
            # nothing more: those records come again, which the inboxes make harmless).
            await self._commit(consumer, _processed_prefixes(records, done))
            raise
        await self._commit(consumer, _processed_prefixes(records, done))
        return len(records)

    @staticmethod
    async def _commit(consumer: Consumer, done: Mapping[tuple[str, int], ConsumedRecord]) -> None:
        """One commit per partition per batch, after every write of the batch."""
        for record in done.values():
            await consumer.commit(record)

    async def run(self) -> None:
        """Process until `stop()`. Cancelling the task is a crash: nothing more is committed."""
        self._running = asyncio.Event()
        backoff = self._retry_backoff
        try:
            while not self._stopping:
                try:
                    await self.start()
                    await self.poll_once()
                    backoff = self._retry_backoff
                except Exception:
                    # E.g. the DLQ publish failed. Records after the failed one may already be in
                    # hand; rejoining rewinds to the committed offset so none is skipped.
                    log.exception("consumer batch failed; rejoining the group", group=self._group)
                    await self._close()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_RESTART_BACKOFF)
        finally:
            await self._close()
            self._running.set()
            self._running = None

    async def _process(self, record: ConsumedRecord) -> None:
        with consumer_span(self._tracer, record=record, group=self._group) as span:
            try:
                await self._dispatch(record)
            except _Poisoned as poisoned:
                span.set_status(StatusCode.ERROR, poisoned.reason)
                await self._dead_letter(record, poisoned)

    async def _dispatch(self, record: ConsumedRecord) -> None:
        try:
            event = from_record(record)
        except MalformedEventError as error:
            raise _Poisoned(str(error), attempts=0) from None
        subscription = self._handlers.get(event.type)
        if subscription is None:
            return  # a type this group does not handle (or does not know yet): skip it
        try:
            payload = decode_payload(event, subscription.spec)
        except MalformedEventError as error:
            raise _Poisoned(str(error), attempts=0) from None
        await self._handle(subscription, ReceivedEvent(event=event, payload=payload, record=record))

    async def _handle(self, subscription: Subscription[Any], received: ReceivedEvent[Any]) -> None:
        event: CloudEvent = received.event
        for attempt in range(1, self._max_attempts + 1):
            try:
                await subscription.handler(received)
            except BACKEND_UNAVAILABLE:
                # Not this record's fault: never dead-lettered. The batch fails, the consumer
                # rejoins after a pause and the record comes again from the committed offset.
                raise
            except Exception as error:
                log.warning(
                    "event handler failed",
                    event_id=event.id,
                    event_type=event.type,
                    attempt=attempt,
                    error=repr(error),
                )
                if attempt == self._max_attempts:
                    raise _Poisoned(f"{type(error).__name__}: {error}", attempt) from error
                await asyncio.sleep(self._retry_backoff * 2 ** (attempt - 1))
            else:
                return

    async def _dead_letter(self, record: ConsumedRecord, poisoned: _Poisoned) -> None:
        topic = dlq_topic(record.topic, self._group)
        log.error("record sent to the dead-letter topic", dlq=topic, reason=poisoned.reason)
        origin = f"{record.topic}/{record.partition}/{record.offset}"
        await self._bus.publish(
            OutgoingRecord(
                topic=topic,
                key=record.key or b"",
                value=record.value,
                headers=(
                    *record.headers,
                    (DLQ_ERROR_HEADER, poisoned.reason.encode()[:_MAX_ERROR_BYTES]),
                    (DLQ_ATTEMPTS_HEADER, str(poisoned.attempts).encode()),
                    (DLQ_ORIGIN_HEADER, origin.encode()),
                ),
            )
        )
