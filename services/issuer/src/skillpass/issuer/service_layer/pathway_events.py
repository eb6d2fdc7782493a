"""Pathway evaluation fed by ``issuer.credentials.v1``: credential events (of every tenant) are
translated at the edge into ``RecordCredentialIssued`` / ``RecordStatusChanged`` commands.

The platform's consumer loop commits an offset only after the handler returned; the handler
records the event id in the recipient's holdings document in the same write (the inbox), and the
stacked credential's id is fixed per pathway and recipient, so a redelivered event changes
nothing and issues nothing twice. A payload whose credential JSON is unreadable is poison (the
consumer parks it on the DLQ after its retries).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from skillpass.events.v1 import credentials_pb2 as pb
from skillpass.issuer.service_layer.commands import RecordCredentialIssued, RecordStatusChanged
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.platform.bus.port import EventBus
from skillpass.platform.cloudevents import ReceivedEvent
from skillpass.platform.consumer import EventConsumer, Subscription
from skillpass.platform.events import (
    CREDENTIAL_ISSUED,
    CREDENTIAL_STATUS_CHANGED,
    CREDENTIALS_TOPIC,
)
from skillpass.vc.status import StatusPurpose

_PURPOSES = {
    pb.STATUS_PURPOSE_REVOCATION: StatusPurpose.REVOCATION,
    pb.STATUS_PURPOSE_SUSPENSION: StatusPurpose.SUSPENSION,
}


def translate_issued(received: ReceivedEvent[pb.CredentialIssued]) -> RecordCredentialIssued:
    payload = received.payload
    credential: dict[str, Any] = (
        json.loads(payload.credential_json) if payload.credential_json else {}
    )
    recipient = payload.recipient
    return RecordCredentialIssued(
        event_id=received.event.id,
        credential_id=payload.credential_id,
        issuer_did=payload.issuer_did,
        achievement_id=payload.achievement_id,
        credential=credential,
        recipient_did=recipient.did if recipient.WhichOneof("identity") == "did" else None,
        issued_at=received.event.time,
    )


def translate_status_changed(
    received: ReceivedEvent[pb.CredentialStatusChanged],
) -> RecordStatusChanged | None:
    payload = received.payload
    purpose = _PURPOSES.get(payload.purpose)
    if purpose is None:
        return None
    return RecordStatusChanged(
        event_id=received.event.id,
        credential_id=payload.credential_id,
        purpose=purpose,
        active=payload.status == pb.CREDENTIAL_STATUS_ACTIVE,
    )


def pathway_subscriptions(
    bus: MessageBus, *, topic: str = CREDENTIALS_TOPIC
) -> list[Subscription[Any]]:
    async def on_issued(received: ReceivedEvent[pb.CredentialIssued]) -> None:
        await bus.handle(translate_issued(received))

    async def on_status(received: ReceivedEvent[pb.CredentialStatusChanged]) -> None:
        command = translate_status_changed(received)
        if command is not None:
            await bus.handle(command)

    return [
        Subscription(spec=replace(CREDENTIAL_ISSUED, topic=topic), handler=on_issued),
        Subscription(spec=replace(CREDENTIAL_STATUS_CHANGED, topic=topic), handler=on_status),
    ]


def pathway_consumer(
    bus: MessageBus,
    event_bus: EventBus,
    *,
    group: str,
    poll_timeout: float = 0.5,
    topic: str = CREDENTIALS_TOPIC,
) -> EventConsumer:
    """``topic`` is for tests that need a topic of their own on a shared broker."""
    return EventConsumer(
        event_bus,
        group=group,
        subscriptions=pathway_subscriptions(bus, topic=topic),
        poll_timeout=poll_timeout,
    )
