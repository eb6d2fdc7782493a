"""CloudEvents binary mode on Kafka records, and the event registry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skillpass.events.v1 import credentials_pb2, holdings_pb2
from skillpass.platform.bus.records import ConsumedRecord
from skillpass.platform.cloudevents import (
    MalformedEventError,
    decode_payload,
    from_record,
    new_event,
    to_record,
)
from skillpass.platform.events import (
    CREDENTIAL_ISSUED,
    CREDENTIAL_STATUS_CHANGED,
    CREDENTIALS_TOPIC,
    HOLDING_ACCEPTED,
    REGISTRY,
    VERIFICATION_COMPLETED,
    EventRegistry,
    UnknownEventError,
    dlq_topic,
)

NOW = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _consumed(headers: tuple[tuple[str, bytes], ...], value: bytes = b"") -> ConsumedRecord:
    return ConsumedRecord(topic="t", partition=0, offset=0, key=b"k", value=value, headers=headers)


def test_event_travels_as_binary_mode_headers_keyed_by_subject() -> None:
    payload = credentials_pb2.CredentialIssued(credential_id="cred-1", tenant_id="t-1")
    pending = new_event(
        payload, source="/issuer", subject="cred-1", event_id="e-1", time=NOW, trace_context={}
    )
    record = to_record(pending, trace_headers={"traceparent": TRACEPARENT})

    assert record.topic == CREDENTIALS_TOPIC
    assert record.key == b"cred-1"
    assert dict(record.headers) == {
        "ce_id": b"e-1",
        "ce_source": b"/issuer",
        "ce_type": b"issuer.credential.issued.v1",
        "ce_specversion": b"1.0",
        "ce_time": b"2025-03-01T12:30:15.123456+00:00",
        "ce_subject": b"cred-1",
        "content-type": b"application/protobuf",
        "traceparent": TRACEPARENT.encode(),
    }
    event = from_record(_consumed(record.headers, record.value))
    assert event == pending.event
    assert decode_payload(event, CREDENTIAL_ISSUED) == payload


def test_new_event_captures_no_trace_context_outside_a_span() -> None:
    payload = holdings_pb2.HoldingAccepted(holding_id="h-1")
    assert new_event(payload, source="/wallet", subject="h-1").trace_context == {}


def test_new_event_refuses_naive_times_and_unregistered_payloads() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        new_event(
            holdings_pb2.HoldingAccepted(), source="/w", subject="h", time=datetime(2025, 1, 1)
        )
    with pytest.raises(UnknownEventError):
        new_event(credentials_pb2.HashedIdentity(), source="/issuer", subject="x")


def test_record_without_cloudevents_headers_is_malformed() -> None:
    with pytest.raises(MalformedEventError, match="missing CloudEvents headers"):
        from_record(_consumed((("ce_id", b"e-1"),)))


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("ce_specversion", b"0.3", "unsupported specversion"),
        ("ce_time", b"yesterday", "not RFC 3339"),
        ("ce_source", b"\xff", "not UTF-8"),
    ],
)
def test_bad_attribute_values_are_malformed(header: str, value: bytes, message: str) -> None:
    pending = new_event(holdings_pb2.HoldingAccepted(), source="/w", subject="h", time=NOW)
    headers = tuple(
        (name, value if name == header else original)
        for name, original in to_record(pending, trace_headers={}).headers
    )
    with pytest.raises(MalformedEventError, match=message):
        from_record(_consumed(headers))


def test_payload_that_is_not_the_types_message_is_malformed() -> None:
    pending = new_event(holdings_pb2.HoldingAccepted(), source="/w", subject="h", time=NOW)
    record = to_record(pending, trace_headers={})
    with pytest.raises(MalformedEventError, match="not a HoldingAccepted"):
        decode_payload(from_record(_consumed(record.headers, b"\xff\xff\xff")), HOLDING_ACCEPTED)


def test_registry_maps_types_to_topics_and_messages() -> None:
    assert REGISTRY.by_type("issuer.credential.status-changed.v1") is CREDENTIAL_STATUS_CHANGED
    assert REGISTRY.by_type("issuer.credential.unheard-of.v1") is None
    assert {spec.topic for spec in REGISTRY} == {
        "issuer.credentials.v1",
        "wallet.holdings.v1",
        "verifier.verifications.v1",
    }
    assert {spec.type for spec in REGISTRY} == {
        "issuer.credential.issued.v1",
        "issuer.credential.status-changed.v1",
        "wallet.holding.accepted.v1",
        "wallet.holding.declined.v1",
        "verifier.verification.completed.v1",
    }
    with pytest.raises(ValueError, match="registered twice"):
        EventRegistry([VERIFICATION_COMPLETED, VERIFICATION_COMPLETED])


def test_dead_letter_topic_is_named_for_topic_and_group() -> None:
    assert dlq_topic("issuer.credentials.v1", "wallet") == "issuer.credentials.v1.wallet.dlq"
