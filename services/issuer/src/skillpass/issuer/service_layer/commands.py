"""Commands: what callers ask the issuer to do. One handler each (``handlers.COMMAND_HANDLERS``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from skillpass.issuer.domain.achievements import AchievementDefinition
from skillpass.issuer.domain.credentials import Evidence, ResultValue, StatusAction, Suite
from skillpass.issuer.domain.pathways import Rule
from skillpass.issuer.domain.recipients import Recipient
from skillpass.issuer.domain.tenants import Profile
from skillpass.vc.status import StatusPurpose

if TYPE_CHECKING:
    from skillpass.issuer.service_layer.batch_work import BatchChunk


class Command:
    """Marker base of every command."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTenant(Command):
    slug: str
    profile: Profile


@dataclass(frozen=True, slots=True, kw_only=True)
class RotateIssuerKey(Command):
    tenant_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateAchievement(Command):
    tenant_id: str
    definition: AchievementDefinition


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateAchievement(Command):
    """Publishes the next version; credentials already issued keep theirs."""

    tenant_id: str
    achievement_id: str
    definition: AchievementDefinition


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatePathway(Command):
    tenant_id: str
    name: str
    target_achievement_id: str
    rule: Rule
    accepted_issuers: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueRequest:
    """One credential to build from the catalogue (single issue or one batch row)."""

    achievement_id: str
    recipient: Recipient | None  # None only when the handler supplies the subject (stacks)
    evidence: tuple[Evidence, ...] = ()
    results: tuple[ResultValue, ...] = ()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    credits_earned: float | None = None
    # A digest of the caller's request: a reused idempotency key with another body is refused.
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueCredential(Command):
    tenant_id: str
    request: IssueRequest
    suite: Suite = Suite.EDDSA_RDFC_2022
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueSuppliedCredential(Command):
    """VC-API ``POST /credentials/issue``: sign a credential the caller built (status entries and,
    when missing, an id are added)."""

    tenant_id: str
    credential: Mapping[str, Any]
    suite: Suite = Suite.EDDSA_RDFC_2022
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StartBatch(Command):
    """Store a batch job and its rows (or find it, for a retried submission); any issuer
    process's batch worker then claims its chunks (``RunBatchChunk``)."""

    tenant_id: str
    rows: tuple[IssueRequest | Exception, ...]  # an Exception: a row that did not even parse
    suite: Suite = Suite.EDDSA_RDFC_2022
    idempotency_key: str | None = None
    chunk_size: int = 250


@dataclass(frozen=True, slots=True, kw_only=True)
class RunBatchChunk(Command):
    """Issue the rows of a chunk this worker claimed, record their outcomes, and complete the
    job when it was the last one."""

    chunk: BatchChunk


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeStatus(Command):
    credential_id: str
    tenant_id: str | None  # the caller's tenant; None: any (platform admin)
    action: StatusAction
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordCredentialIssued(Command):
    """From the ``issuer.credentials.v1`` stream: a credential someone (any tenant) holds now."""

    event_id: str
    credential_id: str
    issuer_did: str
    achievement_id: str
    credential: Mapping[str, Any]
    recipient_did: str | None = None
    issued_at: datetime = field(kw_only=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordStatusChanged(Command):
    event_id: str
    credential_id: str
    purpose: StatusPurpose
    active: bool  # the bit is now clear (reinstated) rather than set
