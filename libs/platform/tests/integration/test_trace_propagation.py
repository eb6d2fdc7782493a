"""One trace from the request that wrote an event, through the relay's publish, to the consumer's
handler: on the in-memory bus and across the real Kafka broker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from skillpass.events.v1 import verifications_pb2
from skillpass.platform.bus.port import EventBus
from skillpass.platform.cloudevents import ReceivedEvent, new_event
from skillpass.platform.consumer import EventConsumer, Subscription
from skillpass.platform.events import EventRegistry, EventSpec
from skillpass.platform.relay import OutboxRelay
from skillpass.platform.store.port import AggregateStore, Applied


def _ids(span: ReadableSpan) -> tuple[int, int]:
    """(trace id, span id)"""
    assert span.context is not None
    return span.context.trace_id, span.context.span_id


def _parent(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def _one(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    [span] = [s for s in spans if s.name == name]
    return span


async def test_consumer_handler_span_continues_the_producers_trace(
    backend_bus: EventBus,
    make_store: Callable[[], AggregateStore],
    new_name: Callable[[str], str],
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = spans
    tracer = provider.get_tracer("test")
    topic = new_name("traced")
    spec = EventSpec(
        type="verifier.verification.completed.v1",
        topic=topic,
        message=verifications_pb2.VerificationCompleted,
    )
    await backend_bus.ensure_topics([topic], partitions=1)
    store = make_store()

    with tracer.start_as_current_span("POST /credentials/verify", kind=SpanKind.SERVER):
        pending = new_event(
            verifications_pb2.VerificationCompleted(verification_id="v-1", verified=True),
            source="/verifier",
            subject="v-1",
            registry=EventRegistry([spec]),
        )

        def change(_state: Mapping[str, Any] | None) -> Applied:
            return Applied(state={"verified": True}, events=(pending,))

        await store.apply("v-1", change)

    await OutboxRelay(backend_bus, [store], tracer_provider=provider).run_once()

    handled = asyncio.Event()

    async def handler(received: ReceivedEvent[verifications_pb2.VerificationCompleted]) -> None:
        with tracer.start_as_current_span("record verification"):
            assert received.payload.verified
        handled.set()

    consumer = EventConsumer(
        backend_bus,
        group=new_name("g"),
        subscriptions=[Subscription(spec=spec, handler=handler)],
        poll_timeout=0.2,
        tracer_provider=provider,
    )
    await consumer.start()
    try:
        async with asyncio.timeout(20):
            while not handled.is_set():
                await consumer.poll_once()
    finally:
        await consumer.stop()

    finished = exporter.get_finished_spans()
    request = _one(finished, "POST /credentials/verify")
    send = _one(finished, f"send {topic}")
    process = _one(finished, f"process {topic}")
    handle = _one(finished, "record verification")
    assert {_ids(s)[0] for s in (request, send, process, handle)} == {_ids(request)[0]}
    assert send.kind is SpanKind.PRODUCER
    assert process.kind is SpanKind.CONSUMER
    assert _parent(send) == _ids(request)[1]
    assert _parent(process) == _ids(send)[1]
    assert _parent(handle) == _ids(process)[1]
    assert (process.attributes or {})["messaging.destination.name"] == topic
