"""How an outbox event is stored inside a document (BSON-friendly dict and back)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from skillpass.platform.cloudevents import CloudEvent, PendingEvent


def event_to_document(pending: PendingEvent) -> dict[str, Any]:
    event = pending.event
    return {
        "id": event.id,
        "topic": pending.topic,
        "type": event.type,
        "source": event.source,
        "subject": event.subject,
        # A string, not a BSON date: BSON dates keep milliseconds and the event keeps microseconds.
        "time": event.time.isoformat(),
        "data": event.data,
        "datacontenttype": event.datacontenttype,
        "specversion": event.specversion,
        "trace": dict(pending.trace_context),
    }


def event_from_document(document: Mapping[str, Any]) -> PendingEvent:
    return PendingEvent(
        topic=document["topic"],
        event=CloudEvent(
            id=document["id"],
            source=document["source"],
            type=document["type"],
            subject=document["subject"],
            time=datetime.fromisoformat(document["time"]),
            data=bytes(document["data"]),
            datacontenttype=document["datacontenttype"],
            specversion=document["specversion"],
        ),
        trace_context=dict(document.get("trace", {})),
    )
