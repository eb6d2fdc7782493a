"""The events the issuer writes into its outbox (``issuer.credentials.v1``), as protobuf payloads
wrapped in CloudEvents by the platform. Private keys and clear identifiers never go in."""

from __future__ import annotations

import json
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from skillpass.events.v1 import credentials_pb2 as pb
from skillpass.issuer.domain.credentials import IssuedCredential, StatusAction
from skillpass.platform.cloudevents import PendingEvent, new_event

_ACTION: dict[StatusAction, tuple[pb.StatusPurpose.ValueType, pb.CredentialStatus.ValueType]] = {
    StatusAction.REVOKE: (pb.STATUS_PURPOSE_REVOCATION, pb.CREDENTIAL_STATUS_REVOKED),
    StatusAction.SUSPEND: (pb.STATUS_PURPOSE_SUSPENSION, pb.CREDENTIAL_STATUS_SUSPENDED),
    StatusAction.REINSTATE: (pb.STATUS_PURPOSE_SUSPENSION, pb.CREDENTIAL_STATUS_ACTIVE),
}


def event_source(tenant_id: str) -> str:
    return f"/issuer/tenants/{tenant_id}"


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def credential_issued(record: IssuedCredential, *, event_id: str, now: datetime) -> PendingEvent:
    subject = record.subject
    if subject.did is not None:
        recipient = pb.RecipientIdentity(did=subject.did)
    else:
        assert subject.hashed is not None
        recipient = pb.RecipientIdentity(
            hashed=pb.HashedIdentity(
                identity_hash=subject.hashed.identity_hash,
                identity_type=subject.hashed.identity_type,
                salt=subject.hashed.salt,
            )
        )
    payload = pb.CredentialIssued(
        credential_id=record.id,
        tenant_id=record.tenant_id,
        issuer_did=record.issuer_did,
        achievement_id=record.achievement_id,
        achievement_version=str(record.achievement_version) if record.achievement_version else "",
        recipient=recipient,
        valid_from=_timestamp(record.valid_from),
        source_credential_ids=list(record.source_credential_ids),
        credential_json=json.dumps(record.credential, separators=(",", ":")).encode(),
    )
    if record.valid_until is not None:
        payload.valid_until.CopyFrom(_timestamp(record.valid_until))
    if record.pathway_id is not None:
        payload.pathway_id = record.pathway_id
    return new_event(
        payload,
        source=event_source(record.tenant_id),
        subject=record.id,
        event_id=event_id,
        time=now,
    )


def status_changed(
    record: IssuedCredential, action: StatusAction, reason: str, *, event_id: str, now: datetime
) -> PendingEvent:
    purpose, status = _ACTION[action]
    payload = pb.CredentialStatusChanged(
        credential_id=record.id,
        tenant_id=record.tenant_id,
        purpose=purpose,
        status=status,
        reason=reason,
        changed_at=_timestamp(now),
    )
    return new_event(
        payload,
        source=event_source(record.tenant_id),
        subject=record.id,
        event_id=event_id,
        time=now,
    )
