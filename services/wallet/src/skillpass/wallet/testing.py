"""Test support for the wallet and the services that test against it: signed Open Badges
credentials for a recipient, the issuer events that carry them, a fixed clock."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from skillpass.events.v1 import credentials_pb2
from skillpass.platform.bus.records import OutgoingRecord
from skillpass.platform.cloudevents import new_event, to_record
from skillpass.vc.credentials import issue
from skillpass.vc.cryptosuites import Suite
from skillpass.vc.dids import did_key, did_key_verification_method
from skillpass.vc.keys import SigningKey
from skillpass.vc.samples import achievement_credential
from skillpass.wallet.domain.identities import Identifier, identity_hash

FIXED_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# A 1x1 PNG: badge images that render offline.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201f1e9b7a40000000049454e44ae426082"
)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta = timedelta(seconds=1)) -> datetime:
        self.now += delta
        return self.now


def email(value: str) -> Identifier:
    return Identifier.parse("emailAddress", value)


@dataclass(slots=True)
class TestIssuer:
    """An issuer with a did:key (resolvable offline), issuing OB 3.0 credentials."""

    __test__ = False  # not a test class

    name: str = "Example Institute of Technology"
    tenant_id: str = "tenant-1"
    key: SigningKey = field(
        default_factory=lambda: SigningKey.from_seed(hashlib.sha256(b"issuer").digest())
    )
    counter: int = 0

    @property
    def did(self) -> str:
        return did_key(self.key.public_key)

    def credential(
        self,
        *,
        recipient: Identifier | None = None,
        subject_did: str | None = None,
        salt: str = "s4lt",
        name: str | None = None,
        achievement_id: str | None = None,
        achievement_type: str = "Certificate",
        skills: tuple[str, ...] = ("Analyse data",),
        valid_from: datetime | None = None,
        credits: int | None = None,
        image: str | None = None,
        suite: Suite = Suite.EDDSA_JCS_2022,
    ) -> dict[str, Any]:
        """A signed AchievementCredential for `recipient` (salted hash) or `subject_did`."""
        self.counter += 1
        document = achievement_credential(self.counter, issuer=self.did)
        document["issuer"]["name"] = self.name
        subject = document["credentialSubject"]
        del subject["id"]
        if subject_did is not None:
            subject["id"] = subject_did
        if recipient is not None:
            subject["identifier"] = [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(recipient, salt=salt),
                    "identityType": recipient.type,
                    "hashed": True,
                    "salt": salt,
                }
            ]
        achievement = subject["achievement"]
        if name is not None:
            document["name"] = name
            achievement["name"] = name
        if achievement_id is not None:
            achievement["id"] = achievement_id
        achievement["achievementType"] = achievement_type
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": skill,
                "targetUrl": f"https://esco.example/skill/{skill.lower().replace(' ', '-')}",
                "targetFramework": "ESCO",
            }
            for skill in skills
        ]
        if credits is not None:
            subject["creditsEarned"] = credits
        if image is not None:
            achievement["image"] = {"id": image, "type": "Image"}
        if valid_from is not None:
            document["validFrom"] = valid_from.strftime("%Y-%m-%dT%H:%M:%SZ")
        return issue(
            document,
            key=self.key,
            verification_method=did_key_verification_method(self.key.public_key),
            suite=suite,
            created=FIXED_NOW - timedelta(days=30),
        )


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def issued_payload(
    credential: Mapping[str, Any], *, tenant_id: str, pathway_id: str | None = None
) -> credentials_pb2.CredentialIssued:
    import json

    payload = credentials_pb2.CredentialIssued(
        credential_id=str(credential["id"]),
        tenant_id=tenant_id,
        issuer_did=str(credential["issuer"]["id"]),
        credential_json=json.dumps(credential).encode(),
    )
    if pathway_id is not None:
        payload.pathway_id = pathway_id
    return payload


def status_payload(
    credential_id: str, *, status: str, reason: str, at: datetime
) -> credentials_pb2.CredentialStatusChanged:
    pb = credentials_pb2
    statuses = {
        "revoked": (pb.STATUS_PURPOSE_REVOCATION, pb.CREDENTIAL_STATUS_REVOKED),
        "suspended": (pb.STATUS_PURPOSE_SUSPENSION, pb.CREDENTIAL_STATUS_SUSPENDED),
        "reinstated": (pb.STATUS_PURPOSE_SUSPENSION, pb.CREDENTIAL_STATUS_ACTIVE),
    }
    purpose, value = statuses[status]
    return pb.CredentialStatusChanged(
        credential_id=credential_id,
        purpose=purpose,
        status=value,
        reason=reason,
        changed_at=_timestamp(at),
    )


def record(payload: Any, *, topic: str, event_id: str | None = None) -> OutgoingRecord:
    """The Kafka record an issuer would publish for `payload`, on `topic`."""
    pending = new_event(
        payload,
        source="skillpass/issuer",
        subject=payload.credential_id,
        event_id=event_id,
        trace_context={},
    )
    outgoing = to_record(pending, trace_headers={})
    return OutgoingRecord(
        topic=topic, key=outgoing.key, value=outgoing.value, headers=outgoing.headers
    )
