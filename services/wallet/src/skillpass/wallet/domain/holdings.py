"""A holding: one credential in one learner's wallet, and its lifecycle.

Offer lifecycle (issued credentials):  waiting (no learner matches yet) → offered → accepted
                                                                                 ↘ declined
Imported credentials are accepted from the start. Independently, the issuer's status events move
the credential between active, suspended and revoked; per status purpose they apply in the order
the issuer made them (`changed_at`) and an older change than the last one applied is ignored, so
a redelivered or reordered event cannot undo a newer one. Revocation is final.

Every transition returns the new holding and the events to publish; nothing here does IO.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from skillpass.wallet.domain.credentials import CredentialSummary, summarize
from skillpass.wallet.domain.errors import Conflict, NotFound
from skillpass.wallet.domain.identities import Recipient
from skillpass.wallet.domain.learners import Learner


class OfferState(StrEnum):
    WAITING = "waiting"  # issued, but no learner's identifiers match yet
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Status(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class Origin(StrEnum):
    ISSUED = "issued"  # from the platform's issuer, through events
    IMPORTED = "imported"  # brought by the learner, verified on import


class Purpose(StrEnum):
    REVOCATION = "revocation"
    SUSPENSION = "suspension"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    """One status change as the issuer made it."""

    purpose: Purpose
    set: bool  # revoked / suspended (True) or reinstated (False)
    reason: str
    changed_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusTrack:
    """The last applied change per purpose: what the current status derives from."""

    revoked: bool = False
    revoked_at: datetime | None = None
    revocation_changed_at: datetime | None = None
    suspended: bool = False
    suspension_changed_at: datetime | None = None
    reason: str = ""
    changed_at: datetime | None = None

    @property
    def status(self) -> Status:
        if self.revoked:
            return Status.REVOKED
        return Status.SUSPENDED if self.suspended else Status.ACTIVE

    def apply(self, change: StatusChange) -> StatusTrack:
        """The track after `change`; `self` unchanged when the change is stale."""
        if change.purpose is Purpose.REVOCATION:
            last = self.revocation_changed_at
            if self.revoked or (last is not None and change.changed_at <= last):
                return self  # final, or older than what we have
            return replace(
                self,
                revoked=change.set,
                revoked_at=change.changed_at if change.set else None,
                revocation_changed_at=change.changed_at,
                reason=change.reason,
                changed_at=change.changed_at,
            )
        last = self.suspension_changed_at
        if last is not None and change.changed_at <= last:
            return self
        return replace(
            self,
            suspended=change.set,
            suspension_changed_at=change.changed_at,
            reason=change.reason if not self.revoked else self.reason,
            changed_at=change.changed_at if not self.revoked else self.changed_at,
        )


# --- events the wallet publishes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldingAccepted:
    holding_id: str
    credential_id: str
    learner_id: str
    learner_did: str
    tenant_id: str
    accepted_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldingDeclined:
    holding_id: str
    credential_id: str
    learner_id: str
    tenant_id: str
    reason: str
    declined_at: datetime


HoldingEvent = HoldingAccepted | HoldingDeclined


@dataclass(frozen=True, slots=True, kw_only=True)
class Holding:
    id: str
    origin: Origin
    offer: OfferState
    received_at: datetime  # when the wallet got it: immutable, the pagination sort key
    credential: Mapping[str, Any] | None  # None only for a status-only placeholder
    summary: CredentialSummary | None
    learner_id: str | None = None
    tenant_id: str | None = None
    recipient: Recipient = field(default_factory=Recipient)
    track: StatusTrack = field(default_factory=StatusTrack)
    decided_at: datetime | None = None
    decline_reason: str = ""
    learner_did: str | None = None  # bound when accepted
    pathway_id: str | None = None
    source_credential_ids: tuple[str, ...] = ()
    # The issuer's catalogue id of the achievement (from its event): what pathways name.
    achievement_ref: str | None = None
    verification: Mapping[str, Any] | None = None  # the report an import was verified with

    @property
    def status(self) -> Status:
        return self.track.status

    @property
    def credential_id(self) -> str:
        return self.summary.credential_id if self.summary else ""

    @property
    def is_placeholder(self) -> bool:
        return self.credential is None

    def visible_to_learner(self, learner_id: str) -> bool:
        return self.learner_id == learner_id and self.offer in (
            OfferState.OFFERED,
            OfferState.ACCEPTED,
        )


def issued_holding_id(credential_id: str) -> str:
    """One holding per credential the platform issued: events for it always find the same one."""
    return "h_" + hashlib.sha256(credential_id.encode()).hexdigest()[:32]


def imported_holding_id(learner_id: str, credential_id: str) -> str:
    """One holding per (learner, imported credential): importing the same one twice conflicts."""
    key = f"{learner_id}\x00{credential_id}"
    return "i_" + hashlib.sha256(key.encode()).hexdigest()[:32]


Transition = tuple[Holding, tuple[HoldingEvent, ...]]


def receive_issued(
    existing: Holding | None,
    *,
    credential: Mapping[str, Any],
    tenant_id: str,
    recipient: Recipient,
    learner: Learner | None,
    pathway_id: str | None,
    source_credential_ids: tuple[str, ...],
    now: datetime,
    achievement_ref: str | None = None,
) -> Transition:
    """An issued credential arrives: offered to the matching learner, or waiting for one."""
    if existing is not None and not existing.is_placeholder:
        return existing, ()  # the same credential announced again
    summary = summarize(credential)
    holding = Holding(
        id=issued_holding_id(summary.credential_id),
        origin=Origin.ISSUED,
        offer=OfferState.WAITING,
        received_at=now,
        credential=dict(credential),
        summary=summary,
        tenant_id=tenant_id,
        recipient=recipient,
        track=existing.track if existing is not None else StatusTrack(),
        pathway_id=pathway_id,
        source_credential_ids=source_credential_ids,
        achievement_ref=achievement_ref,
    )
    if learner is None:
        return holding, ()
    return match(holding, learner, now=now)


def status_placeholder(holding_id: str, *, now: datetime) -> Holding:
    """A status change for a credential not seen yet: remembered until its issued event comes."""
    return Holding(
        id=holding_id,
        origin=Origin.ISSUED,
        offer=OfferState.WAITING,
        received_at=now,
        credential=None,
        summary=None,
    )


def match(holding: Holding, learner: Learner, *, now: datetime) -> Transition:
    """A learner's identifiers match a waiting credential: offer it (or accept it for them)."""
    if holding.offer is not OfferState.WAITING or holding.is_placeholder:
        return holding, ()
    offered = replace(holding, offer=OfferState.OFFERED, learner_id=learner.id)
    if learner.auto_accept:
        return accept(offered, learner, now=now)
    return offered, ()


def accept(holding: Holding, learner: Learner, *, now: datetime) -> Transition:
    _require_offer_of(holding, learner.id)
    if holding.offer is OfferState.ACCEPTED:
        return holding, ()
    if holding.offer is OfferState.DECLINED:
        raise Conflict("the offer was declined", code="offer-declined")
    accepted = replace(holding, offer=OfferState.ACCEPTED, decided_at=now, learner_did=learner.did)
    event = HoldingAccepted(
        holding_id=holding.id,
        credential_id=holding.credential_id,
        learner_id=learner.id,
        learner_did=learner.did,
        tenant_id=holding.tenant_id or "",
        accepted_at=now,
    )
    return accepted, (event,)


def decline(holding: Holding, learner_id: str, *, reason: str, now: datetime) -> Transition:
    _require_offer_of(holding, learner_id)
    if holding.offer is OfferState.DECLINED:
        return holding, ()
    if holding.offer is OfferState.ACCEPTED:
        raise Conflict("the offer was already accepted", code="offer-accepted")
    declined = replace(holding, offer=OfferState.DECLINED, decided_at=now, decline_reason=reason)
    event = HoldingDeclined(
        holding_id=holding.id,
        credential_id=holding.credential_id,
        learner_id=learner_id,
        tenant_id=holding.tenant_id or "",
        reason=reason,
        declined_at=now,
    )
    return declined, (event,)


def _require_offer_of(holding: Holding, learner_id: str) -> None:
    if holding.learner_id != learner_id or holding.offer is OfferState.WAITING:
        raise NotFound("no such offer", code="offer-not-found")


def change_status(holding: Holding, change: StatusChange) -> Holding:
    return replace(holding, track=holding.track.apply(change))


def imported(
    *,
    learner_id: str,
    credential: Mapping[str, Any],
    verification: Mapping[str, Any],
    now: datetime,
) -> Holding:
    """A credential the learner brought, already verified (so neither revoked nor suspended)."""
    summary = summarize(credential)
    return Holding(
        id=imported_holding_id(learner_id, summary.credential_id),
        origin=Origin.IMPORTED,
        offer=OfferState.ACCEPTED,
        received_at=now,
        decided_at=now,
        credential=dict(credential),
        summary=summary,
        learner_id=learner_id,
        verification=dict(verification),
    )
