"""The v1 event catalogue: topics, CloudEvents types and the registry mapping a type to its payload.

Topics are one per aggregate stream, keyed by aggregate id; types are
`<source>.<entity>.<past-tense>.v<N>`. Schemas only grow: a breaking change is a new `v2` type on a
new topic, registered here beside the old one.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from google.protobuf.message import Message

from skillpass.events.v1 import credentials_pb2, holdings_pb2, verifications_pb2

M = TypeVar("M", bound=Message, covariant=True)

CREDENTIALS_TOPIC = "issuer.credentials.v1"
HOLDINGS_TOPIC = "wallet.holdings.v1"
VERIFICATIONS_TOPIC = "verifier.verifications.v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class EventSpec(Generic[M]):
    """One event type: its CloudEvents `type`, the topic it travels on and its payload message."""

    type: str
    topic: str
    message: builtins.type[M]


CREDENTIAL_ISSUED = EventSpec(
    type="issuer.credential.issued.v1",
    topic=CREDENTIALS_TOPIC,
    message=credentials_pb2.CredentialIssued,
)
CREDENTIAL_STATUS_CHANGED = EventSpec(
    type="issuer.credential.status-changed.v1",
    topic=CREDENTIALS_TOPIC,
    message=credentials_pb2.CredentialStatusChanged,
)
HOLDING_ACCEPTED = EventSpec(
    type="wallet.holding.accepted.v1",
    topic=HOLDINGS_TOPIC,
    message=holdings_pb2.HoldingAccepted,
)
HOLDING_DECLINED = EventSpec(
    type="wallet.holding.declined.v1",
    topic=HOLDINGS_TOPIC,
    message=holdings_pb2.HoldingDeclined,
)
VERIFICATION_COMPLETED = EventSpec(
    type="verifier.verification.completed.v1",
    topic=VERIFICATIONS_TOPIC,
    message=verifications_pb2.VerificationCompleted,
)


class UnknownEventError(LookupError):
    """A payload message or type that the registry does not know (a programming error)."""


class EventRegistry:
    """Maps a CloudEvents type and a payload message class to its `EventSpec`."""

    def __init__(self, specs: Iterable[EventSpec[Message]]) -> None:
        self._by_type: dict[str, EventSpec[Message]] = {}
        self._by_message: dict[str, EventSpec[Message]] = {}
        for spec in specs:
            full_name = spec.message.DESCRIPTOR.full_name
            if spec.type in self._by_type or full_name in self._by_message:
                raise ValueError(f"event registered twice: {spec.type} ({full_name})")
            self._by_type[spec.type] = spec
            self._by_message[full_name] = spec

    def by_type(self, event_type: str) -> EventSpec[Message] | None:
        """The spec for a type, or None: consumers skip types they do not know."""
        return self._by_type.get(event_type)

    def for_payload(self, payload: Message) -> EventSpec[Message]:
        try:
            return self._by_message[payload.DESCRIPTOR.full_name]
        except KeyError:
            raise UnknownEventError(payload.DESCRIPTOR.full_name) from None

    def __iter__(self) -> Iterator[EventSpec[Message]]:
        return iter(self._by_type.values())


REGISTRY = EventRegistry(
    [
        CREDENTIAL_ISSUED,
        CREDENTIAL_STATUS_CHANGED,
        HOLDING_ACCEPTED,
        HOLDING_DECLINED,
        VERIFICATION_COMPLETED,
    ]
)


def dlq_topic(topic: str, group: str) -> str:
    """Where a consumer group parks the records of `topic` it could not process."""
    return f"{topic}.{group}.dlq"
