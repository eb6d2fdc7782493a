"""Commands the wallet handles. Each has one handler; its type parameter is what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from skillpass.wallet.domain.holdings import Holding, Purpose
from skillpass.wallet.domain.identities import Identifier, Recipient
from skillpass.wallet.domain.learners import Learner
from skillpass.wallet.domain.sharing import ShareLink

R = TypeVar("R", covariant=True)


class Command(Generic[R]):
    __slots__ = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Registered:
    learner: Learner
    matched: int  # waiting credentials now offered to (or accepted for) the learner


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterLearner(Command[Registered]):
    learner_id: str
    identifiers: tuple[Identifier, ...] = ()
    auto_accept: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AddIdentifier(Command[Registered]):
    learner_id: str
    identifier: Identifier


@dataclass(frozen=True, slots=True, kw_only=True)
class SetAutoAccept(Command[Learner]):
    learner_id: str
    enabled: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptOffer(Command[Holding]):
    learner_id: str
    holding_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclineOffer(Command[Holding]):
    learner_id: str
    holding_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportCredential(Command[Holding]):
    learner_id: str
    credential: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateShareLink(Command[ShareLink]):
    learner_id: str
    holding_ids: tuple[str, ...]
    expires_in: timedelta | None = None
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokeShareLink(Command[ShareLink]):
    learner_id: str
    link_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatePresentation(Command[dict[str, Any]]):
    learner_id: str
    holding_ids: tuple[str, ...] | None = None  # None: every accepted holding
    challenge: str | None = None
    domain: str | None = None


# --- translated from the issuer's events (the consumer passes the CloudEvent id) -----------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordIssuedCredential(Command[Holding | None]):
    event_id: str
    credential_id: str
    tenant_id: str
    credential_json: bytes
    recipient: Recipient = field(default_factory=Recipient)
    pathway_id: str | None = None
    source_credential_ids: tuple[str, ...] = ()
    achievement_id: str | None = None  # the issuer's catalogue id


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordStatusChange(Command[Holding | None]):
    event_id: str
    credential_id: str
    purpose: Purpose
    set: bool
    reason: str
    changed_at: datetime
