"""The wallet's domain events as CloudEvents with protobuf payloads, ready for an outbox."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from skillpass.events.v1 import holdings_pb2
from skillpass.platform.cloudevents import PendingEvent, new_event
from skillpass.wallet.domain.holdings import HoldingAccepted, HoldingEvent

SOURCE = "skillpass/wallet"


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def to_pending(event: HoldingEvent) -> PendingEvent:
    if isinstance(event, HoldingAccepted):
        accepted = holdings_pb2.HoldingAccepted(
            holding_id=event.holding_id,
            credential_id=event.credential_id,
            learner_id=event.learner_id,
            learner_did=event.learner_did,
            tenant_id=event.tenant_id,
            accepted_at=_timestamp(event.accepted_at),
        )
        return new_event(accepted, source=SOURCE, subject=event.holding_id, time=event.accepted_at)
    declined = holdings_pb2.HoldingDeclined(
        holding_id=event.holding_id,
        credential_id=event.credential_id,
        learner_id=event.learner_id,
        tenant_id=event.tenant_id,
        reason=event.reason,
        declined_at=_timestamp(event.declined_at),
    )
    return new_event(declined, source=SOURCE, subject=event.holding_id, time=event.declined_at)
