"""OpenTelemetry and structured logs, set up once per process, and trace context on Kafka records.

The trace context travels as W3C `traceparent`/`tracestate` headers. An event is published by the
outbox relay, long after the request that caused it, so the context is captured when the event is
written (`current_trace_context`) and the relay's producer span is that request's child; the
consumer's span is the producer span's child (messaging semantic conventions).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog
from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from skillpass.platform.bus.records import ConsumedRecord

INSTRUMENTATION_NAME = "skillpass.platform"
# The wire contract is W3C trace context, whatever OTEL_PROPAGATORS says.
_PROPAGATOR = TraceContextTextMapPropagator()
_configured: TracerProvider | None = None


def configure_telemetry(
    *,
    service_name: str,
    otlp_endpoint: str | None = None,
    log_level: str = "INFO",
) -> TracerProvider:
    """Install the global tracer and meter providers and structlog, once per process (later calls
    return the tracer provider installed first). Spans and metrics are exported over OTLP/HTTP
    only when an endpoint is set; the SDK reads the other OTEL_* variables (resource attributes,
    sampler, headers, OTEL_BSP_* / OTEL_METRIC_EXPORT_INTERVAL) itself."""
    global _configured  # process-wide by definition
    if _configured is not None:
        return _configured
    resource = Resource.create({SERVICE_NAME: service_name})
    provider = TracerProvider(resource=resource)
    readers: list[MetricReader] = []
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

        base = otlp_endpoint.rstrip("/")
        exporter: SpanExporter = OTLPSpanExporter(endpoint=f"{base}/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
        readers.append(
            PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{base}/v1/metrics"))
        )
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    configure_logging(level=log_level)
    instrument_clients()
    _configured = provider
    return provider


def instrument_clients() -> None:
    """Client spans for httpx and PyMongo (the ASGI server side is wrapped by the app factory)."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    for instrumentor in (HTTPXClientInstrumentor(), PymongoInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


def _add_trace_ids(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


def configure_logging(*, level: str = "INFO") -> None:
    """JSON lines on stdout, each with the current trace_id/span_id."""
    logging.basicConfig(format="%(message)s", stream=sys.stdout, level=level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_trace_ids,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        # Not cached: each logger resolves sys.stdout when it logs (tests swap it).
        cache_logger_on_first_use=False,
    )


def tracer(provider: trace.TracerProvider | None = None) -> Tracer:
    return trace.get_tracer(INSTRUMENTATION_NAME, tracer_provider=provider)


def current_trace_context() -> dict[str, str]:
    """The current span's `traceparent`/`tracestate`, to store beside an outbox event."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


def _record_context(record: ConsumedRecord) -> Context:
    carrier = {
        name: value.decode(errors="replace")
        for name, value in record.headers
        if name in _PROPAGATOR.fields
    }
    return _PROPAGATOR.extract(carrier)


@contextmanager
def producer_span(
    tracer: Tracer, *, topic: str, key: str, message_id: str, parent: Mapping[str, str]
) -> Iterator[dict[str, str]]:
    """A PRODUCER span under the stored `parent` context; yields the headers to send with it."""
    with tracer.start_as_current_span(
        f"send {topic}",
        kind=SpanKind.PRODUCER,
        context=_PROPAGATOR.extract(dict(parent)),
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.operation.name": "send",
            "messaging.destination.name": topic,
            "messaging.kafka.message.key": key,
            "messaging.message.id": message_id,
        },
    ):
        yield current_trace_context()


@contextmanager
def consumer_span(tracer: Tracer, *, record: ConsumedRecord, group: str) -> Iterator[Span]:
    """A CONSUMER `process` span, child of the producer span whose context the record carries."""
    with tracer.start_as_current_span(
        f"process {record.topic}",
        kind=SpanKind.CONSUMER,
        context=_record_context(record),
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.operation.name": "process",
            "messaging.destination.name": record.topic,
            "messaging.destination.partition.id": str(record.partition),
            "messaging.kafka.offset": record.offset,
            "messaging.consumer.group.name": group,
        },
    ) as span:
        yield span
