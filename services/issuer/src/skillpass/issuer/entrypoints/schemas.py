"""The HTTP API's request and response shapes (camelCase JSON, OB 3.0 names where they exist),
and their translation to commands and from domain objects. Request models forbid unknown fields,
so a typo is a 422, not a silently ignored option."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from skillpass.issuer.domain.achievements import (
    Achievement,
    AchievementDefinition,
    Alignment,
    ResultDescription,
    tags_of,
)
from skillpass.issuer.domain.batches import BatchJob
from skillpass.issuer.domain.credentials import Evidence, IssuedCredential, ResultValue, Suite
from skillpass.issuer.domain.pathways import Pathway, Rule, RuleKind
from skillpass.issuer.domain.recipients import (
    DidRecipient,
    IdentifierRecipient,
    IdentityType,
    InvalidRecipient,
    Recipient,
)
from skillpass.issuer.domain.tenants import Image, Profile, Tenant
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer.views import ProgressView


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class ImageIn(Request):
    id: str
    caption: str | None = None

    def to_domain(self) -> Image:
        return Image(id=self.id, caption=self.caption)


class ProfileIn(Request):
    name: str = Field(min_length=1, max_length=500)
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image: ImageIn | None = None

    def to_domain(self) -> Profile:
        return Profile(
            name=self.name,
            url=self.url,
            email=self.email,
            description=self.description,
            image=self.image.to_domain() if self.image else None,
        )


class CreateTenantIn(Request):
    slug: str
    profile: ProfileIn


class AlignmentIn(Request):
    target_name: str = Field(alias="targetName")
    target_url: str = Field(alias="targetUrl")
    target_description: str | None = Field(default=None, alias="targetDescription")
    target_framework: str | None = Field(default=None, alias="targetFramework")
    target_code: str | None = Field(default=None, alias="targetCode")
    target_type: str | None = Field(default=None, alias="targetType")


class ResultDescriptionIn(Request):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    name: str
    result_type: str = Field(alias="resultType")
    allowed_value: list[str] = Field(default_factory=list, alias="allowedValue")
    required_value: str | None = Field(default=None, alias="requiredValue")
    value_min: str | None = Field(default=None, alias="valueMin")
    value_max: str | None = Field(default=None, alias="valueMax")


class CriteriaIn(Request):
    id: str | None = None
    narrative: str | None = None


class AchievementIn(Request):
    name: str
    description: str
    criteria: CriteriaIn
    achievement_type: str | None = Field(default=None, alias="achievementType")
    image: ImageIn | None = None
    alignment: list[AlignmentIn] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list)
    credits_available: float | None = Field(default=None, alias="creditsAvailable", ge=0)
    result_description: list[ResultDescriptionIn] = Field(
        default_factory=list, alias="resultDescription"
    )
    field_of_study: str | None = Field(default=None, alias="fieldOfStudy")
    human_code: str | None = Field(default=None, alias="humanCode")

    def to_domain(self) -> AchievementDefinition:
        return AchievementDefinition(
            name=self.name,
            description=self.description,
            criteria_narrative=self.criteria.narrative,
            criteria_id=self.criteria.id,
            achievement_type=self.achievement_type,
            image=self.image.to_domain() if self.image else None,
            alignment=tuple(Alignment(**a.model_dump()) for a in self.alignment),
            tags=tags_of(self.tag),
            credits_available=self.credits_available,
            result_descriptions=tuple(
                ResultDescription(**{**r.model_dump(), "allowed_value": tuple(r.allowed_value)})
                for r in self.result_description
            ),
            field_of_study=self.field_of_study,
            human_code=self.human_code,
        )


class RuleIn(Request):
    kind: Literal["allOf", "nOf", "credits"]
    components: list[str] = Field(min_length=1)
    n: int | None = None
    credits: float | None = None


class PathwayIn(Request):
    name: str
    description: str | None = None
    target_achievement_id: str = Field(alias="targetAchievementId")
    rule: RuleIn
    accepted_issuers: list[str] = Field(default_factory=list, alias="acceptedIssuers")

    def to_command(self, tenant_id: str) -> c.CreatePathway:
        return c.CreatePathway(
            tenant_id=tenant_id,
            name=self.name,
            description=self.description,
            target_achievement_id=self.target_achievement_id,
            rule=Rule(
                kind=RuleKind(self.rule.kind),
                components=tuple(self.rule.components),
                n=self.rule.n,
                credits=self.rule.credits,
            ),
            accepted_issuers=tuple(self.accepted_issuers),
        )


class RecipientIn(Request):
    """Exactly one of ``email``, ``learnerId`` or ``did``."""

    email: str | None = None
    learner_id: str | None = Field(default=None, alias="learnerId")
    did: str | None = None

    def to_domain(self) -> Recipient:
        given = [v for v in (self.email, self.learner_id, self.did) if v is not None]
        if len(given) != 1:
            raise InvalidRecipient("recipient needs exactly one of email, learnerId or did")
        if self.did is not None:
            return DidRecipient(did=self.did)
        if self.email is not None:
            return IdentifierRecipient(identity_type=IdentityType.EMAIL, value=self.email)
        assert self.learner_id is not None
        return IdentifierRecipient(identity_type=IdentityType.LEARNER_ID, value=self.learner_id)


class EvidenceIn(Request):
    id: str | None = None
    name: str | None = None
    narrative: str | None = None
    description: str | None = None
    genre: str | None = None


class ResultIn(Request):
    result_description: str = Field(alias="resultDescription")
    value: str | None = None
    status: str | None = None


class IssueIn(Request):
    achievement_id: str = Field(alias="achievementId")
    recipient: RecipientIn | None = None
    evidence: list[EvidenceIn] = Field(default_factory=list)
    results: list[ResultIn] = Field(default_factory=list)
    valid_from: AwareDatetime | None = Field(default=None, alias="validFrom")
    valid_until: AwareDatetime | None = Field(default=None, alias="validUntil")
    credits_earned: float | None = Field(default=None, alias="creditsEarned", ge=0)

    def to_request(self, fingerprint: str | None = None) -> c.IssueRequest:
        if self.recipient is None:
            raise InvalidRecipient("recipient is required")
        return c.IssueRequest(
            achievement_id=self.achievement_id,
            recipient=self.recipient.to_domain(),
            evidence=tuple(Evidence(**e.model_dump()) for e in self.evidence),
            results=tuple(ResultValue(**r.model_dump()) for r in self.results),
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            credits_earned=self.credits_earned,
            fingerprint=fingerprint,
        )


SuiteName = Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"]


class IssueCredentialIn(IssueIn):
    suite: SuiteName = "eddsa-rdfc-2022"
    idempotency_key: str | None = Field(default=None, alias="idempotencyKey", max_length=200)


class BatchIn(Request):
    rows: list[dict[str, Any]] = Field(min_length=1)
    suite: SuiteName = "eddsa-rdfc-2022"
    idempotency_key: str | None = Field(default=None, alias="idempotencyKey", max_length=200)


class StatusChangeIn(Request):
    reason: str = Field(default="", max_length=1000)


class VcApiOptions(BaseModel):
    """VC-API issue options; unknown options are ignored, as the VC-API allows."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    cryptosuite: SuiteName = "eddsa-rdfc-2022"


class VcApiIssueIn(Request):
    credential: dict[str, Any]
    options: VcApiOptions = Field(default_factory=VcApiOptions)


class VcApiStatusEntryIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str | None = None
    status: Literal["revoked", "suspended", "active"]


class VcApiStatusIn(Request):
    credential_id: str = Field(alias="credentialId")
    credential_status: list[VcApiStatusEntryIn] = Field(alias="credentialStatus", min_length=1)
    reason: str = Field(default="", max_length=1000)


# ---------------------------------------------------------------------------- responses


def suite_of(name: str) -> Suite:
    return Suite(name)


def tenant_out(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "slug": tenant.slug,
        "did": tenant.did,
        "profile": tenant.issuer_profile(),
        "keys": [
            {
                "id": k.verification_method(tenant.did),
                "publicKeyMultibase": k.public_key_multibase,
                "state": k.state.value,
                "created": _time(k.created_at),
                "retired": _time(k.retired_at) if k.retired_at else None,
            }
            for k in tenant.keys
        ],
    }


def achievement_out(
    achievement: Achievement, *, base_url: str, issuer: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": achievement.id,
        "tenantId": achievement.tenant_id,
        "version": achievement.version,
        "versions": [*achievement.history, achievement.version],
        "achievement": achievement.to_ob3(base_url=base_url, creator=issuer),
    }


def pathway_out(pathway: Pathway) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "kind": pathway.rule.kind.value,
        "components": list(pathway.rule.components),
    }
    if pathway.rule.n is not None:
        rule["n"] = pathway.rule.n
    if pathway.rule.credits is not None:
        rule["credits"] = pathway.rule.credits
    return {
        "id": pathway.id,
        "tenantId": pathway.tenant_id,
        "name": pathway.name,
        "description": pathway.description,
        "targetAchievementId": pathway.target_achievement_id,
        "rule": rule,
        "acceptedIssuers": sorted(pathway.accepted_issuers),
    }


def credential_out(record: IssuedCredential) -> dict[str, Any]:
    return {
        "credentialId": record.id,
        "tenantId": record.tenant_id,
        "achievementId": record.achievement_id or None,
        "achievementVersion": record.achievement_version or None,
        "status": record.state.value,
        "history": [
            {"action": h.action.value, "reason": h.reason, "at": _time(h.at)}
            for h in record.history
        ],
        "pathwayId": record.pathway_id,
        "verifiableCredential": record.credential,
    }


def job_out(job: BatchJob, *, include_results: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": job.id,
        "tenantId": job.tenant_id,
        "state": job.state.value,
        "total": job.total,
        "processed": job.processed,
        "succeeded": len(job.results),
        "failed": len(job.errors),
        "errors": [{"row": e.row, "code": e.code, "detail": e.detail} for e in job.errors],
        "created": _time(job.created_at),
        "finished": _time(job.finished_at) if job.finished_at else None,
    }
    if include_results:
        out["results"] = [{"row": r.row, "credentialId": r.credential_id} for r in job.results]
    return out


def progress_out(view: ProgressView) -> dict[str, Any]:
    progress = view.progress
    return {
        "pathwayId": view.pathway.id,
        "complete": progress.complete,
        "rule": pathway_out(view.pathway)["rule"],
        "components": [
            {
                "achievementId": comp.achievement_id,
                "held": comp.held,
                "credentialId": comp.credential_id,
                "credits": comp.credits,
            }
            for comp in progress.components
        ],
        "missing": list(progress.missing),
        "creditsEarned": progress.credits_earned,
        "stillNeeded": progress.still_needed,
        "stackedCredentialId": view.stacked_credential_id,
    }


def _time(moment: datetime) -> str:
    from skillpass.vc.validation import format_datetime

    return format_datetime(moment)
