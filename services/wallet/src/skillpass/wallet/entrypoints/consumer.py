"""The wallet's Kafka consumer: `issuer.credentials.v1` → offers, holdings and status changes.

Translation happens here, at the edge: each event becomes a command carrying the CloudEvent id,
which the holding's document records in the same write as the change (the inbox), so a
redelivered record is a no-op. The platform's `EventConsumer` commits after the handler returns
and dead-letters a record after `consumer_max_attempts` failures.

Run as its own process: `python -m skillpass.wallet.entrypoints.consumer`.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from skillpass.events.v1 import credentials_pb2
from skillpass.platform.bus.port import EventBus
from skillpass.platform.cloudevents import ReceivedEvent
from skillpass.platform.consumer import EventConsumer, Subscription
from skillpass.platform.events import (
    CREDENTIAL_ISSUED,
    CREDENTIAL_STATUS_CHANGED,
    CREDENTIALS_TOPIC,
)
from skillpass.platform.telemetry import configure_telemetry
from skillpass.platform.workers import Worker
from skillpass.wallet.bootstrap import WorkerFactory, open_wallet
from skillpass.wallet.domain.holdings import Purpose
from skillpass.wallet.domain.identities import IdentityObject, Recipient
from skillpass.wallet.service_layer.messagebus import MessageBus
from skillpass.wallet.service_layer.messages import RecordIssuedCredential, RecordStatusChange
from skillpass.wallet.settings import WalletSettings

Pb = credentials_pb2


def recipient_from(message: Pb.RecipientIdentity) -> Recipient:
    which = message.WhichOneof("identity")
    if which == "did":
        return Recipient(did=message.did)
    if which == "hashed":
        hashed = message.hashed
        return Recipient(
            identities=(
                IdentityObject(
                    identity_type=hashed.identity_type,
                    identity_hash=hashed.identity_hash,
                    hashed=True,
                    salt=hashed.salt,
                ),
            )
        )
    return Recipient()


def issued_command(received: ReceivedEvent[Pb.CredentialIssued]) -> RecordIssuedCredential:
    payload = received.payload
    return RecordIssuedCredential(
        event_id=received.event.id,
        credential_id=payload.credential_id,
        tenant_id=payload.tenant_id,
        credential_json=payload.credential_json,
        recipient=recipient_from(payload.recipient),
        pathway_id=payload.pathway_id if payload.HasField("pathway_id") else None,
        source_credential_ids=tuple(payload.source_credential_ids),
        achievement_id=payload.achievement_id or None,
    )


def status_command(received: ReceivedEvent[Pb.CredentialStatusChanged]) -> RecordStatusChange:
    payload = received.payload
    status = payload.status
    purpose = {
        Pb.STATUS_PURPOSE_REVOCATION: Purpose.REVOCATION,
        Pb.STATUS_PURPOSE_SUSPENSION: Purpose.SUSPENSION,
    }.get(payload.purpose)
    if purpose is None:  # unspecified: the status says which list changed
        purpose = (
            Purpose.REVOCATION if status == Pb.CREDENTIAL_STATUS_REVOKED else Purpose.SUSPENSION
        )
    changed_at: Timestamp = payload.changed_at
    return RecordStatusChange(
        event_id=received.event.id,
        credential_id=payload.credential_id,
        purpose=purpose,
        set=status in (Pb.CREDENTIAL_STATUS_REVOKED, Pb.CREDENTIAL_STATUS_SUSPENDED),
        reason=payload.reason,
        changed_at=changed_at.ToDatetime(tzinfo=received.event.time.tzinfo)
        if payload.HasField("changed_at")
        else received.event.time,
    )


def subscriptions(bus: MessageBus, *, topic: str = CREDENTIALS_TOPIC) -> list[Subscription[Any]]:
    """What the wallet consumes; `topic` is the catalogue's unless a test isolates its own."""

    async def on_issued(received: ReceivedEvent[Pb.CredentialIssued]) -> None:
        await bus.handle(issued_command(received))

    async def on_status_changed(received: ReceivedEvent[Pb.CredentialStatusChanged]) -> None:
        await bus.handle(status_command(received))

    return [
        Subscription(spec=replace(CREDENTIAL_ISSUED, topic=topic), handler=on_issued),
        Subscription(
            spec=replace(CREDENTIAL_STATUS_CHANGED, topic=topic), handler=on_status_changed
        ),
    ]


def consumer_workers(settings: WalletSettings) -> WorkerFactory:
    """The `workers` factory for `open_wallet`: the consumer of the issuer's credential events."""

    def build(bus: MessageBus, events: EventBus) -> Sequence[Worker]:
        return [
            EventConsumer(
                events,
                group=settings.consumer_group,
                subscriptions=subscriptions(bus),
                max_attempts=settings.consumer_max_attempts,
            )
        ]

    return build


async def serve(settings: WalletSettings) -> None:
    configure_telemetry(
        service_name=f"{settings.service_name}-consumer",
        otlp_endpoint=settings.otel_exporter_otlp_endpoint,
        log_level=settings.log_level,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_wallet(settings, workers=consumer_workers(settings)):
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(WalletSettings()))
