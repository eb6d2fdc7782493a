"""CloudEvents 1.0 in Kafka binary mode: attributes travel as `ce_*` headers, the protobuf payload
is the record value, the key is the aggregate id (the event's `subject`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import uuid4

from google.protobuf.message import DecodeError, Message

from skillpass.platform.bus.records import ConsumedRecord, Headers, OutgoingRecord
from skillpass.platform.events import REGISTRY, EventRegistry, EventSpec
from skillpass.platform.telemetry import current_trace_context

M = TypeVar("M", bound=Message)

SPECVERSION = "1.0"
PROTOBUF = "application/protobuf"
CONTENT_TYPE_HEADER = "content-type"
_ATTRIBUTE_HEADERS = ("ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time", "ce_subject")


class MalformedEventError(ValueError):
    """A record that is not a CloudEvent we can read: a poison record for the DLQ."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudEvent:
    id: str
    source: str
    type: str
    subject: str
    time: datetime
    data: bytes
    datacontenttype: str = PROTOBUF
    specversion: str = SPECVERSION


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingEvent:
    """An event waiting in an aggregate's outbox: where it goes, what it is, and the trace context
    of the request that caused it (so the relay's publish joins that trace)."""

    topic: str
    event: CloudEvent
    trace_context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedEvent(Generic[M]):
    """What a consumer's handler gets: the attributes, the decoded payload and the raw record."""

    event: CloudEvent
    payload: M
    record: ConsumedRecord


def new_event(
    payload: Message,
    *,
    source: str,
    subject: str,
    event_id: str | None = None,
    time: datetime | None = None,
    trace_context: Mapping[str, str] | None = None,
    registry: EventRegistry = REGISTRY,
) -> PendingEvent:
    """Wrap a payload for an outbox. `subject` is the aggregate id and becomes the record key.

    The trace context defaults to the current span's, captured now because publishing happens
    later, in the relay.
    """
    if time is not None and time.tzinfo is None:
        raise ValueError("event time must be timezone-aware")
    spec = registry.for_payload(payload)
    event = CloudEvent(
        id=event_id or str(uuid4()),
        source=source,
        type=spec.type,
        subject=subject,
        time=time or datetime.now(UTC),
        data=payload.SerializeToString(deterministic=True),
    )
    context = current_trace_context() if trace_context is None else dict(trace_context)
    return PendingEvent(topic=spec.topic, event=event, trace_context=context)


def to_record(pending: PendingEvent, *, trace_headers: Mapping[str, str]) -> OutgoingRecord:
    event = pending.event
    headers: Headers = (
        ("ce_id", event.id.encode()),
        ("ce_source", event.source.encode()),
        ("ce_type", event.type.encode()),
        ("ce_specversion", event.specversion.encode()),
        ("ce_time", event.time.isoformat().encode()),
        ("ce_subject", event.subject.encode()),
        (CONTENT_TYPE_HEADER, event.datacontenttype.encode()),
        *((name, value.encode()) for name, value in trace_headers.items()),
    )
    return OutgoingRecord(
        topic=pending.topic, key=event.subject.encode(), value=event.data, headers=headers
    )


def from_record(record: ConsumedRecord) -> CloudEvent:
    """Read the CloudEvent attributes of a record; raises MalformedEventError."""
    headers: dict[str, str] = {}
    for name, value in record.headers:
        try:
            headers[name] = value.decode()
        except UnicodeDecodeError:
            raise MalformedEventError(f"header {name} is not UTF-8") from None
    missing = [name for name in _ATTRIBUTE_HEADERS if name not in headers]
    if missing:
        raise MalformedEventError(f"missing CloudEvents headers: {', '.join(missing)}")
    if headers["ce_specversion"] != SPECVERSION:
        raise MalformedEventError(f"unsupported specversion {headers['ce_specversion']}")
    try:
        time = datetime.fromisoformat(headers["ce_time"])
    except ValueError:
        raise MalformedEventError(f"ce_time is not RFC 3339: {headers['ce_time']}") from None
    return CloudEvent(
        id=headers["ce_id"],
        source=headers["ce_source"],
        type=headers["ce_type"],
        subject=headers["ce_subject"],
        time=time,
        data=record.value,
        datacontenttype=headers.get(CONTENT_TYPE_HEADER, PROTOBUF),
    )


def decode_payload(event: CloudEvent, spec: EventSpec[M]) -> M:
    """Parse the payload; raises MalformedEventError for bytes that are not the spec's message."""
    if event.datacontenttype != PROTOBUF:
        raise MalformedEventError(f"unsupported content type {event.datacontenttype}")
    message = spec.message()
    try:
        message.ParseFromString(event.data)
    except DecodeError as error:
        raise MalformedEventError(f"payload is not a {spec.message.__name__}: {error}") from None
    return message
