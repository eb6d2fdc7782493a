"""Bytes written by v1 producers keep decoding: each golden file holds one payload, serialized
when its event type was introduced, and must still parse to exactly these values.

Never rewrite a golden file. A new event type (or a new field worth pinning) gets a new file:
add it to GOLDEN and run `uv run python tests/contract/test_event_golden_files.py`, which writes
only the files that do not exist yet.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from skillpass.events.v1 import credentials_pb2, holdings_pb2, verifications_pb2
from skillpass.platform.events import REGISTRY

HERE = Path(__file__).resolve().parent / "events" / "v1"
CREDENTIAL_JSON = (
    b'{"@context":["https://www.w3.org/ns/credentials/v2",'
    b'"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],'
    b'"id":"urn:uuid:7f3c","type":["VerifiableCredential","OpenBadgeCredential"]}'
)


def _at(seconds: int, nanos: int = 0) -> Timestamp:
    return Timestamp(seconds=seconds, nanos=nanos)


GOLDEN: dict[str, tuple[str, Message]] = {
    "credential_issued_hashed_recipient.binpb": (
        "issuer.credential.issued.v1",
        credentials_pb2.CredentialIssued(
            credential_id="urn:uuid:7f3c",
            tenant_id="tenant-acme",
            issuer_did="did:web:issuer.skillpass.dev:tenants:acme",
            achievement_id="ach-python-101",
            achievement_version="3",
            recipient=credentials_pb2.RecipientIdentity(
                hashed=credentials_pb2.HashedIdentity(
                    identity_hash="sha256$7c4a8d09ca3762af61e59520943dc26494f8941b",
                    identity_type="emailAddress",
                    salt="s4lt",
                )
            ),
            valid_from=_at(1_740_832_200),
            credential_json=CREDENTIAL_JSON,
        ),
    ),
    "credential_issued_stacked_did_recipient.binpb": (
        "issuer.credential.issued.v1",
        credentials_pb2.CredentialIssued(
            credential_id="urn:uuid:9a1e",
            tenant_id="tenant-acme",
            issuer_did="did:web:issuer.skillpass.dev:tenants:acme",
            achievement_id="ach-data-engineer",
            achievement_version="1",
            recipient=credentials_pb2.RecipientIdentity(
                did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
            ),
            valid_from=_at(1_740_832_200),
            valid_until=_at(1_898_598_600, 500_000_000),
            pathway_id="pathway-data",
            source_credential_ids=["urn:uuid:1", "urn:uuid:2", "urn:uuid:3", "urn:uuid:4"],
            credential_json=CREDENTIAL_JSON,
        ),
    ),
    "credential_status_changed.binpb": (
        "issuer.credential.status-changed.v1",
        credentials_pb2.CredentialStatusChanged(
            credential_id="urn:uuid:7f3c",
            tenant_id="tenant-acme",
            purpose=credentials_pb2.STATUS_PURPOSE_REVOCATION,
            status=credentials_pb2.CREDENTIAL_STATUS_REVOKED,
            reason="issued in error",
            changed_at=_at(1_741_000_000),
        ),
    ),
    "holding_accepted.binpb": (
        "wallet.holding.accepted.v1",
        holdings_pb2.HoldingAccepted(
            holding_id="holding-1",
            credential_id="urn:uuid:7f3c",
            learner_id="learner-1",
            learner_did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            tenant_id="tenant-acme",
            accepted_at=_at(1_741_000_100),
        ),
    ),
    "holding_declined.binpb": (
        "wallet.holding.declined.v1",
        holdings_pb2.HoldingDeclined(
            holding_id="holding-2",
            credential_id="urn:uuid:9a1e",
            learner_id="learner-1",
            tenant_id="tenant-acme",
            reason="not mine",
            declined_at=_at(1_741_000_200),
        ),
    ),
    "verification_completed.binpb": (
        "verifier.verification.completed.v1",
        verifications_pb2.VerificationCompleted(
            verification_id="verification-1",
            subject=verifications_pb2.VERIFICATION_SUBJECT_PRESENTATION,
            credential_ids=["urn:uuid:7f3c"],
            issuer_dids=["did:web:issuer.skillpass.dev:tenants:acme"],
            checks=[
                verifications_pb2.VerificationCheck(
                    name="proof", outcome=verifications_pb2.CHECK_OUTCOME_PASSED
                ),
                verifications_pb2.VerificationCheck(
                    name="status",
                    outcome=verifications_pb2.CHECK_OUTCOME_FAILED,
                    reason="revoked",
                ),
            ],
            verified=False,
            completed_at=_at(1_741_000_300),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_payload_still_decodes_to_its_values(name: str) -> None:
    event_type, expected = GOLDEN[name]
    spec = REGISTRY.by_type(event_type)
    assert spec is not None, f"{event_type} is no longer registered"
    decoded = spec.message.FromString((HERE / name).read_bytes())
    assert decoded == expected


def test_every_registered_event_type_has_a_golden_file() -> None:
    assert {event_type for event_type, _ in GOLDEN.values()} == {s.type for s in REGISTRY}


def write_missing() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    for name, (_, message) in sorted(GOLDEN.items()):
        path = HERE / name
        if not path.exists():
            path.write_bytes(message.SerializeToString(deterministic=True))
            print(f"wrote {path}")


if __name__ == "__main__":
    write_missing()
    sys.exit(0)
