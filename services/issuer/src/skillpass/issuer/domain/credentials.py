"""Issued credentials: the OB 3.0 ``AchievementCredential`` builder and the issuer's record of
each credential it signed (status, recipient key, the event it emits).

The builder is pure: the id, the dates, the status list position and the salt are passed in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from skillpass.issuer.domain.achievements import Achievement
from skillpass.issuer.domain.recipients import SubjectIdentity
from skillpass.issuer.domain.tenants import Tenant
from skillpass.vc.status import StatusPurpose, status_list_entry
from skillpass.vc.validation import format_datetime, is_url

VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
OB_V3P0_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES: Final = ("VerifiableCredential", "AchievementCredential")


class InvalidCredentialRequest(ValueError):  # noqa: N818 - reads as the condition
    """A request that cannot become a credential; ``code`` is the problem code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Suite(StrEnum):
    EDDSA_RDFC_2022 = "eddsa-rdfc-2022"  # the default: what OB 3.0 wallets expect
    EDDSA_JCS_2022 = "eddsa-jcs-2022"  # the fast path, on request


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    id: str | None = None  # a URL (portfolio link)
    name: str | None = None
    narrative: str | None = None
    description: str | None = None
    genre: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.id is not None and not is_url(self.id):
            raise InvalidCredentialRequest(
                "invalid-evidence", f"evidence id {self.id!r} is not a URL"
            )
        if self.id is None and self.narrative is None and self.name is None:
            raise InvalidCredentialRequest(
                "invalid-evidence", "evidence needs an id (URL), a name or a narrative"
            )
        out: dict[str, Any] = {"type": ["Evidence"]}
        for key in ("id", "name", "narrative", "description", "genre"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultValue:
    result_description: str  # the achievement's ResultDescription id (short name)
    value: str | None = None
    status: str | None = None  # OB 3.0 ResultStatusType: Completed, Enrolled, Failed, ...


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusPosition:
    """Where a credential's status bits live: one index, used in both of its list's bitstrings."""

    list_id: str
    index: int


def status_list_url(base_url: str, list_id: str, purpose: StatusPurpose) -> str:
    return f"{base_url}/status-lists/{list_id}-{purpose.value}"


def credential_urn(uuid_text: str) -> str:
    return f"urn:uuid:{uuid_text}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialDraft:
    """Everything the builder needs besides the status position."""

    credential_id: str
    tenant: Tenant
    achievement: Achievement
    subject: SubjectIdentity
    valid_from: datetime
    valid_until: datetime | None = None
    evidence: tuple[Evidence, ...] = ()
    results: tuple[ResultValue, ...] = ()
    credits_earned: float | None = None
    pathway_id: str | None = None
    source_credential_ids: tuple[str, ...] = ()


def build_achievement_credential(
    draft: CredentialDraft, *, base_url: str, status: StatusPosition
) -> dict[str, Any]:
    """The unsigned OB 3.0 ``AchievementCredential`` (VC 2.0 data model)."""
    if draft.valid_until is not None and draft.valid_until <= draft.valid_from:
        raise InvalidCredentialRequest("dates-out-of-order", "validUntil must be after validFrom")
    issuer = draft.tenant.issuer_profile()
    achievement = draft.achievement.to_ob3(base_url=base_url, creator=issuer)
    achievement_url = draft.achievement.url(base_url)
    known_results = {r.id: r for r in draft.achievement.definition.result_descriptions}

    subject: dict[str, Any] = {
        **draft.subject.subject_fields(),
        "type": ["AchievementSubject"],
        "achievement": achievement,
    }
    if draft.credits_earned is not None:
        subject["creditsEarned"] = draft.credits_earned
    if draft.results:
        results = []
        for result in draft.results:
            description = known_results.get(result.result_description)
            if description is None:
                raise InvalidCredentialRequest(
                    "unknown-result-description",
                    f"the achievement has no resultDescription {result.result_description!r}",
                )
            item: dict[str, Any] = {
                "type": ["Result"],
                "resultDescription": description.absolute_id(achievement_url),
            }
            if result.value is not None:
                item["value"] = result.value
            if result.status is not None:
                item["status"] = result.status
            results.append(item)
        subject["result"] = results

    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_V3P0_CONTEXT],
        "id": draft.credential_id,
        "type": list(CREDENTIAL_TYPES),
        "name": draft.achievement.definition.name,
        "issuer": issuer,
        "validFrom": format_datetime(draft.valid_from),
    }
    if draft.valid_until is not None:
        credential["validUntil"] = format_datetime(draft.valid_until)
    credential["credentialSubject"] = subject
    evidence = [e.to_json() for e in draft.evidence]
    if evidence:
        credential["evidence"] = evidence
    credential["credentialStatus"] = status_entries(base_url, status)
    return credential


def status_entries(base_url: str, status: StatusPosition) -> list[dict[str, Any]]:
    """Two ``BitstringStatusListEntry``s (revocation, suspension) at the same index of the list's
    two bitstrings."""
    return [
        status_list_entry(
            list_url=status_list_url(base_url, status.list_id, purpose),
            index=status.index,
            purpose=purpose,
        )
        for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
    ]


def with_status(
    credential: Mapping[str, Any], base_url: str, status: StatusPosition
) -> dict[str, Any]:
    """A caller-built credential (VC-API) with our two status entries (replacing any it had)."""
    return {**credential, "credentialStatus": status_entries(base_url, status)}


def fingerprint(request: Mapping[str, Any]) -> str:
    """A digest of an issue request, so a reused idempotency key with a different body is caught."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------------- the record


class StatusAction(StrEnum):
    REVOKE = "revoke"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"  # lifts a suspension; revocation is final


class CredentialState(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    SUSPENDED = "suspended"


class InvalidStatusChange(ValueError):  # noqa: N818 - reads as the condition
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    action: StatusAction
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedCredential:
    """The issuer's record of a signed credential."""

    id: str  # urn:uuid:…, the credential's id
    tenant_id: str
    issuer_did: str
    achievement_id: str
    achievement_version: int
    subject: SubjectIdentity
    status: StatusPosition
    credential: Mapping[str, Any]  # signed
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime | None = None
    revoked: bool = False
    suspended: bool = False
    history: tuple[StatusChange, ...] = field(default=())
    request_fingerprint: str | None = None
    pathway_id: str | None = None
    source_credential_ids: tuple[str, ...] = ()
    batch_job_id: str | None = None

    @property
    def state(self) -> CredentialState:
        if self.revoked:
            return CredentialState.REVOKED
        if self.suspended:
            return CredentialState.SUSPENDED
        return CredentialState.ACTIVE

    def change_status(self, change: StatusChange) -> IssuedCredential:
        """The record after ``change``; raises :class:`InvalidStatusChange` when it makes no sense
        (anything after a revocation, suspending twice, reinstating what is not suspended)."""
        if self.revoked:
            raise InvalidStatusChange("already-revoked", "the credential is revoked (final)")
        if change.action is StatusAction.REVOKE:
            updated = replace(self, revoked=True)
        elif change.action is StatusAction.SUSPEND:
            if self.suspended:
                raise InvalidStatusChange("already-suspended", "the credential is suspended")
            updated = replace(self, suspended=True)
        else:
            if not self.suspended:
                raise InvalidStatusChange("not-suspended", "only a suspension can be reinstated")
            updated = replace(self, suspended=False)
        return replace(updated, history=(*self.history, change))


def credits_of(credential: Mapping[str, Any]) -> float:
    """Credits a credential earns toward a pathway: ``creditsEarned``, else the achievement's
    ``creditsAvailable``, else 0."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, Sequence) and not isinstance(subject, str | bytes):
        subject = subject[0] if subject else None
    if not isinstance(subject, Mapping):
        return 0.0
    earned = subject.get("creditsEarned")
    if isinstance(earned, int | float) and not isinstance(earned, bool):
        return float(earned)
    achievement = subject.get("achievement")
    if isinstance(achievement, Mapping):
        available = achievement.get("creditsAvailable")
        if isinstance(available, int | float) and not isinstance(available, bool):
            return float(available)
    return 0.0
