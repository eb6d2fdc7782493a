"""The object types: thin readers over the services' JSON documents. Fields that need another
service call resolve through the request's DataLoaders."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from skillpass.gateway.clients.errors import BackendProblem
from skillpass.gateway.clients.ports import Json
from skillpass.gateway.context import Info
from skillpass.gateway.limits import page_size
from skillpass.gateway.schema.ids import decode_as, to_global_id
from skillpass.platform.auth import Role as PlatformRole

# --- JSON reading ---------------------------------------------------------------------------------


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value != "" else None


def _text(data: Mapping[str, Any], key: str, default: str = "") -> str:
    return _str(data, key) or default


def _obj(data: Mapping[str, Any], key: str) -> Json:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _time(data: Mapping[str, Any], key: str) -> datetime | None:
    value = _str(data, key)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _float(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_json(value: Any) -> JSON:
    """A JSON document as the `JSON` scalar (a static cast only)."""
    return cast(JSON, value)


# --- nodes ----------------------------------------------------------------------------------------


@strawberry.interface(description="An object with a global id (refetch it with `node(id:)`).")
class Node:
    id: strawberry.ID


Role = strawberry.enum(PlatformRole, name="Role")


@strawberry.type
class IssuerKey:
    id: str
    public_key_multibase: str
    state: str
    created_at: datetime | None
    retired_at: datetime | None


@strawberry.type(description="An issuing institution (a tenant of the issuer service).")
class Tenant(Node):
    tenant_id: str
    did: str
    name: str
    url: str | None
    email: str | None
    description: str | None
    keys: list[IssuerKey]

    @classmethod
    def from_json(cls, data: Json) -> Tenant:
        tenant_id = _text(data, "id")
        profile = _obj(data, "profile")
        return cls(
            id=strawberry.ID(to_global_id("Tenant", tenant_id)),
            tenant_id=tenant_id,
            did=_text(data, "did"),
            name=_text(profile, "name"),
            url=_str(profile, "url"),
            email=_str(profile, "email"),
            description=_str(profile, "description"),
            keys=[
                IssuerKey(
                    id=_text(k, "id"),
                    public_key_multibase=_text(k, "publicKeyMultibase"),
                    state=_text(k, "state"),
                    created_at=_time(k, "created"),
                    retired_at=_time(k, "retired"),
                )
                for k in _list(data, "keys")
                if isinstance(k, dict)
            ],
        )

    @strawberry.field(description="The tenant's catalogue.")
    async def achievements(self, info: Info) -> list[Achievement]:
        found = await info.context.loaders.catalogue.load(self.tenant_id) or []
        return [Achievement.from_json(a) for a in found]

    @strawberry.field
    async def pathways(self, info: Info) -> list[Pathway]:
        try:
            found = await info.context.backends.issuer.pathways(self.tenant_id)
        except BackendProblem:
            return []
        return [Pathway.from_json(p) for p in found]


@strawberry.type
class Skill:
    name: str
    url: str | None
    code: str | None
    framework: str | None


@strawberry.type(description="An achievement of a tenant's catalogue (OB 3.0 `Achievement`).")
class Achievement(Node):
    achievement_id: str
    tenant_id: str
    url: str | None
    version: int
    name: str
    description: str
    achievement_type: str | None
    criteria_narrative: str | None
    image_url: str | None
    tags: list[str]
    credits_available: float | None
    alignments: list[Skill]
    ob3: JSON = strawberry.field(description="The OB 3.0 Achievement as embedded in credentials.")

    @classmethod
    def from_json(cls, data: Json) -> Achievement:
        achievement_id, tenant_id = _text(data, "id"), _text(data, "tenantId")
        ob3 = _obj(data, "achievement")
        version = data.get("version")
        return cls(
            id=strawberry.ID(to_global_id("Achievement", tenant_id, achievement_id)),
            achievement_id=achievement_id,
            tenant_id=tenant_id,
            url=_str(ob3, "id"),
            version=version if isinstance(version, int) else 1,
            name=_text(ob3, "name"),
            description=_text(ob3, "description"),
            achievement_type=_str(ob3, "achievementType"),
            criteria_narrative=_str(_obj(ob3, "criteria"), "narrative"),
            image_url=_str(_obj(ob3, "image"), "id"),
            tags=[t for t in _list(ob3, "tag") if isinstance(t, str)],
            credits_available=_float(ob3, "creditsAvailable"),
            alignments=[
                Skill(
                    name=_text(a, "targetName"),
                    url=_str(a, "targetUrl"),
                    code=_str(a, "targetCode"),
                    framework=_str(a, "targetFramework"),
                )
                for a in _list(ob3, "alignment")
                if isinstance(a, dict)
            ],
            ob3=as_json(ob3),
        )


@strawberry.enum
class RuleKind(Enum):
    ALL_OF = "allOf"
    N_OF = "nOf"
    CREDITS = "credits"


@strawberry.type
class PathwayRule:
    kind: str
    components: list[str]
    n: int | None
    credits: float | None


@strawberry.type(description="Achievements that stack into a larger one.")
class Pathway(Node):
    pathway_id: str
    tenant_id: str
    name: str
    description: str | None
    target_achievement_id: str
    rule: PathwayRule
    accepted_issuers: list[str]

    @classmethod
    def from_json(cls, data: Json) -> Pathway:
        pathway_id, tenant_id = _text(data, "id"), _text(data, "tenantId")
        rule = _obj(data, "rule")
        n = rule.get("n")
        return cls(
            id=strawberry.ID(to_global_id("Pathway", tenant_id, pathway_id)),
            pathway_id=pathway_id,
            tenant_id=tenant_id,
            name=_text(data, "name"),
            description=_str(data, "description"),
            target_achievement_id=_text(data, "targetAchievementId"),
            rule=PathwayRule(
                kind=_text(rule, "kind"),
                components=[c for c in _list(rule, "components") if isinstance(c, str)],
                n=n if isinstance(n, int) else None,
                credits=_float(rule, "credits"),
            ),
            accepted_issuers=[i for i in _list(data, "acceptedIssuers") if isinstance(i, str)],
        )


@strawberry.type
class StatusChange:
    action: str
    reason: str
    at: datetime | None


@strawberry.type(description="A credential as its issuer records it (admins of the tenant).")
class IssuedCredential(Node):
    credential_id: str
    tenant_id: str
    achievement_id: str | None
    status: str
    history: list[StatusChange]
    pathway_id: str | None
    verifiable_credential: JSON | None

    @classmethod
    def from_json(cls, data: Json, *, tenant_id: str | None = None) -> IssuedCredential:
        credential_id = _text(data, "credentialId")
        tenant = _str(data, "tenantId") or tenant_id or ""
        return cls(
            id=strawberry.ID(to_global_id("IssuedCredential", tenant, credential_id)),
            credential_id=credential_id,
            tenant_id=tenant,
            achievement_id=_str(data, "achievementId"),
            status=_text(data, "status", "active"),
            history=[
                StatusChange(
                    action=_text(h, "action"), reason=_text(h, "reason"), at=_time(h, "at")
                )
                for h in _list(data, "history")
                if isinstance(h, dict)
            ],
            pathway_id=_str(data, "pathwayId"),
            verifiable_credential=data.get("verifiableCredential"),
        )


@strawberry.type
class BatchRowError:
    row: int
    code: str
    detail: str


@strawberry.type(description="A batch issuing job and how far it got.")
class BatchJob(Node):
    job_id: str
    tenant_id: str
    state: str
    total: int
    processed: int
    succeeded: int
    failed: int
    errors: list[BatchRowError]
    created_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_json(cls, data: Json) -> BatchJob:
        job_id, tenant_id = _text(data, "id"), _text(data, "tenantId")

        def count(key: str) -> int:
            value = data.get(key)
            return value if isinstance(value, int) else 0

        return cls(
            id=strawberry.ID(to_global_id("BatchJob", tenant_id, job_id)),
            job_id=job_id,
            tenant_id=tenant_id,
            state=_text(data, "state"),
            total=count("total"),
            processed=count("processed"),
            succeeded=count("succeeded"),
            failed=count("failed"),
            errors=[
                BatchRowError(
                    row=e["row"] if isinstance(e.get("row"), int) else -1,
                    code=_text(e, "code"),
                    detail=_text(e, "detail"),
                )
                for e in _list(data, "errors")
                if isinstance(e, dict)
            ],
            created_at=_time(data, "created"),
            finished_at=_time(data, "finished"),
        )

    @property
    def finished(self) -> bool:
        return self.finished_at is not None or self.state in ("completed", "failed", "done")


@strawberry.type(description="A signed Bitstring Status List credential, as published.")
class StatusList:
    id: str
    purpose: str | None
    encoded_list: str | None
    credential: JSON

    @classmethod
    def from_json(cls, list_id: str, data: Json) -> StatusList:
        subject = _obj(data, "credentialSubject")
        return cls(
            id=list_id,
            purpose=_str(subject, "statusPurpose"),
            encoded_list=_str(subject, "encodedList"),
            credential=as_json(data),
        )


# --- verification ---------------------------------------------------------------------------------


@strawberry.type(description="One check of a verification: `proof`, `status.revocation`, …")
class Check:
    name: str
    outcome: str = strawberry.field(description="passed, failed, warning, skipped or error")
    reason: str | None

    @classmethod
    def from_json(cls, data: Json) -> Check:
        return cls(
            name=_text(data, "check"), outcome=_text(data, "outcome"), reason=_str(data, "reason")
        )


def _checks(data: Mapping[str, Any], key: str = "results") -> list[Check]:
    return [Check.from_json(c) for c in _list(data, key) if isinstance(c, dict)]


@strawberry.type
class CredentialCheckResult:
    credential_id: str | None
    issuer: str | None
    verified: bool
    checks: list[Check]
    errors: list[str]


@strawberry.type(description="A verification report: the outcome and every check.")
class Verification(Node):
    verification_id: str
    kind: str
    verified: bool
    completed_at: datetime | None
    warnings: list[str]
    errors: list[str]
    checks: list[Check] = strawberry.field(
        description="The checks of the credential (or of the presentation itself)."
    )
    credentials: list[CredentialCheckResult]

    @classmethod
    def from_json(cls, data: Json, *, kind: str | None = None) -> Verification:
        verification_id = _str(data, "verificationId") or _text(data, "id")
        credentials = [
            CredentialCheckResult(
                credential_id=_str(c, "credentialId"),
                issuer=_str(c, "issuer"),
                verified=c.get("verified") is True,
                checks=_checks(c),
                errors=[e for e in _list(c, "errors") if isinstance(e, str)],
            )
            for c in _list(data, "credentialResults")
            if isinstance(c, dict)
        ]
        checks = _checks(data)
        if not checks and "presentationResult" in data:
            checks = _checks(_obj(data, "presentationResult"))
        if not checks and credentials:
            checks = credentials[0].checks
        return cls(
            id=strawberry.ID(to_global_id("Verification", verification_id)),
            verification_id=verification_id,
            kind=kind or _text(data, "kind", "credential"),
            verified=data.get("verified") is True,
            completed_at=_time(data, "completedAt"),
            warnings=[w for w in _list(data, "warnings") if isinstance(w, str)],
            errors=[e for e in _list(data, "errors") if isinstance(e, str)],
            checks=checks,
            credentials=credentials,
        )

    @strawberry.field(description="The check named `name`, if it ran.")
    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


@strawberry.type
class TrustedIssuer:
    did: str
    name: str
    scope: str
    url: str | None
    registry: str | None

    @classmethod
    def from_json(cls, data: Json) -> TrustedIssuer:
        return cls(
            did=_text(data, "did"),
            name=_text(data, "name"),
            scope=_text(data, "scope"),
            url=_str(data, "url"),
            registry=_str(data, "registry"),
        )


# --- the wallet -----------------------------------------------------------------------------------


@strawberry.type
class Identifier:
    type: str
    value: str


@strawberry.type
class Learner(Node):
    learner_id: str
    did: str | None
    identifiers: list[Identifier]
    auto_accept: bool
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: Json) -> Learner:
        learner_id = _text(data, "id")
        return cls(
            id=strawberry.ID(to_global_id("Learner", learner_id)),
            learner_id=learner_id,
            did=_str(data, "did"),
            identifiers=[
                Identifier(type=_text(i, "type"), value=_text(i, "value"))
                for i in _list(data, "identifiers")
                if isinstance(i, dict)
            ],
            auto_accept=data.get("auto_accept") is True,
            created_at=_time(data, "created_at"),
        )


@strawberry.type(description="Who issued a held credential.")
class Issuer:
    did: str | None
    name: str | None
    tenant_id: str | None

    @strawberry.field(
        description="The issuing tenant's profile, when it is on this platform and the caller "
        "may see it."
    )
    async def tenant(self, info: Info) -> Tenant | None:
        if self.tenant_id is None:
            return None
        found = await info.context.loaders.tenant.load(self.tenant_id)
        return Tenant.from_json(found) if found else None


@strawberry.type(description="The achievement a held credential is for, as the credential says.")
class HeldAchievement:
    id: str | None
    name: str | None
    type: str | None
    description: str | None
    image_url: str | None
    tenant_id: strawberry.Private[str | None]

    @strawberry.field(
        description="The catalogue entry, when the issuing tenant is on this platform and the "
        "caller may see its catalogue."
    )
    async def definition(self, info: Info) -> Achievement | None:
        if self.tenant_id is None or self.id is None:
            return None
        found = await info.context.loaders.achievement(self.tenant_id, self.id)
        return Achievement.from_json(found) if found else None


@strawberry.type(description="A credential in a learner's wallet (an offer until accepted).")
class Holding(Node):
    holding_id: str
    learner_id: str
    credential_id: str | None
    origin: str
    offer: str = strawberry.field(description="waiting, offered, accepted or declined")
    status: str = strawberry.field(description="active, suspended or revoked")
    status_reason: str | None
    tenant_id: str | None
    name: str | None
    received_at: datetime | None
    decided_at: datetime | None
    valid_from: datetime | None
    valid_until: datetime | None
    pathway_id: str | None
    skills: list[Skill]
    issuer: Issuer
    achievement: HeldAchievement
    data: strawberry.Private[Json]

    @classmethod
    def from_json(cls, data: Json, *, learner_id: str) -> Holding:
        holding_id = _text(data, "id")
        tenant_id = _str(data, "tenant_id")
        issuer = _obj(data, "issuer")
        achievement = _obj(data, "achievement")
        return cls(
            id=strawberry.ID(to_global_id("Holding", learner_id, holding_id)),
            holding_id=holding_id,
            learner_id=learner_id,
            credential_id=_str(data, "credential_id"),
            origin=_text(data, "origin"),
            offer=_text(data, "offer"),
            status=_text(data, "status", "active"),
            status_reason=_str(data, "status_reason"),
            tenant_id=tenant_id,
            name=_str(data, "name"),
            received_at=_time(data, "received_at"),
            decided_at=_time(data, "decided_at"),
            valid_from=_time(data, "valid_from"),
            valid_until=_time(data, "valid_until"),
            pathway_id=_str(data, "pathway_id"),
            skills=[
                Skill(
                    name=_text(s, "name"),
                    url=_str(s, "url"),
                    code=_str(s, "code"),
                    framework=_str(s, "framework"),
                )
                for s in _list(data, "skills")
                if isinstance(s, dict)
            ],
            issuer=Issuer(did=_str(issuer, "id"), name=_str(issuer, "name"), tenant_id=tenant_id),
            achievement=HeldAchievement(
                id=_str(achievement, "id"),
                name=_str(achievement, "name"),
                type=_str(achievement, "type"),
                description=_str(achievement, "description"),
                image_url=_str(achievement, "image"),
                tenant_id=tenant_id,
            ),
            data=data,
        )

    @strawberry.field(description="The signed credential (VC 2.0 / OB 3.0 JSON-LD).")
    async def credential(self, info: Info) -> JSON | None:
        if "credential" in self.data:
            return as_json(self.data["credential"])
        full = await info.context.loaders.holding.load((self.learner_id, self.holding_id))
        return as_json(full.get("credential")) if full else None


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class HoldingEdge:
    cursor: str
    node: Holding


@strawberry.type
class HoldingConnection:
    edges: list[HoldingEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[Holding]:
        return [edge.node for edge in self.edges]


def encode_cursor(wallet_cursor: str | None, skip: int) -> str:
    """Our cursor: the wallet's page cursor and how many of that page's items come before."""
    raw = json.dumps([wallet_cursor, skip], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


class InvalidCursor(ValueError):  # noqa: N818 - reads as the condition
    pass


def decode_cursor(cursor: str) -> tuple[str | None, int]:
    try:
        wallet_cursor, skip = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidCursor("the cursor is not one this API returned") from None
    if not (wallet_cursor is None or isinstance(wallet_cursor, str)) or not isinstance(skip, int):
        raise InvalidCursor("the cursor is not one this API returned")
    return wallet_cursor, max(0, skip)


def connection(
    page: Json, *, learner_id: str, wallet_cursor: str | None, skip: int, first: int
) -> HoldingConnection:
    """A Relay connection over one wallet page fetched from ``wallet_cursor`` with ``skip`` items
    already seen: every edge gets a cursor the next request can resume after."""
    items = [i for i in _list(page, "items") if isinstance(i, dict)]
    shown = items[skip : skip + first]
    edges = [
        HoldingEdge(
            cursor=encode_cursor(wallet_cursor, skip + index + 1),
            node=Holding.from_json(item, learner_id=learner_id),
        )
        for index, item in enumerate(shown)
    ]
    next_wallet_cursor = _str(page, "next_cursor")
    more_here = len(items) > skip + first
    has_next = more_here or next_wallet_cursor is not None
    end = edges[-1].cursor if edges else None
    if not more_here and next_wallet_cursor is not None:
        end = encode_cursor(next_wallet_cursor, 0)  # the next page starts cleanly
    return HoldingConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=wallet_cursor is not None or skip > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=end,
        ),
    )


@strawberry.type
class HoldingCounts:
    active: int
    suspended: int
    revoked: int
    offers: int

    @classmethod
    def from_json(cls, data: Json) -> HoldingCounts:
        def count(key: str) -> int:
            value = data.get(key)
            return value if isinstance(value, int) else 0

        return cls(
            active=count("active"),
            suspended=count("suspended"),
            revoked=count("revoked"),
            offers=count("offers"),
        )


@strawberry.type
class PathwayComponent:
    achievement_id: str
    name: str
    holding_id: str | None
    credits: float | None


@strawberry.type(description="How far the learner is along a pathway.")
class PathwayProgress:
    pathway_id: str
    tenant_id: str | None
    name: str
    target_achievement_id: str | None
    held: list[PathwayComponent]
    missing: list[PathwayComponent]
    credits_earned: float | None
    completed: bool
    stacked_holding_id: str | None

    @classmethod
    def from_json(cls, data: Json) -> PathwayProgress:
        pathway = _obj(data, "pathway")

        def components(key: str) -> list[PathwayComponent]:
            return [
                PathwayComponent(
                    achievement_id=_text(c, "achievement_id"),
                    name=_text(c, "name"),
                    holding_id=_str(c, "holding_id"),
                    credits=_float(c, "credits"),
                )
                for c in _list(data, key)
                if isinstance(c, dict)
            ]

        return cls(
            pathway_id=_text(pathway, "id"),
            tenant_id=_str(pathway, "tenant_id"),
            name=_text(pathway, "name"),
            target_achievement_id=_str(pathway, "target_achievement_id"),
            held=components("held"),
            missing=components("missing"),
            credits_earned=_float(data, "credits_earned"),
            completed=data.get("completed") is True,
            stacked_holding_id=_str(data, "stacked_holding_id"),
        )


@strawberry.type(description="A link that shows chosen credentials to anyone who has it.")
class ShareLink(Node):
    share_link_id: str
    url: str
    holding_ids: list[str]
    label: str
    created_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    views: int
    state: str

    @classmethod
    def from_json(cls, data: Json, *, learner_id: str) -> ShareLink:
        link_id = _text(data, "id")
        views = data.get("views")
        return cls(
            id=strawberry.ID(to_global_id("ShareLink", learner_id, link_id)),
            share_link_id=link_id,
            url=_text(data, "url"),
            holding_ids=[h for h in _list(data, "holding_ids") if isinstance(h, str)],
            label=_text(data, "label"),
            created_at=_time(data, "created_at"),
            expires_at=_time(data, "expires_at"),
            revoked_at=_time(data, "revoked_at"),
            views=views if isinstance(views, int) else 0,
            state=_text(data, "state"),
        )


@strawberry.input(description="Narrow the holdings; every field is optional.")
class HoldingFilter:
    issuer: str | None = None
    achievement_type: str | None = None
    skill: str | None = None
    status: str | None = None
    issued_from: datetime | None = None
    issued_to: datetime | None = None
    text: str | None = None

    def params(self) -> dict[str, str]:
        values = {
            "issuer": self.issuer,
            "achievement_type": self.achievement_type,
            "skill": self.skill,
            "status": self.status,
            "issued_from": self.issued_from.isoformat() if self.issued_from else None,
            "issued_to": self.issued_to.isoformat() if self.issued_to else None,
            "q": self.text,
        }
        return {k: v for k, v in values.items() if v}


@strawberry.type(description="A learner's wallet.")
class Wallet:
    learner_id: str

    @strawberry.field
    async def learner(self, info: Info) -> Learner | None:
        try:
            return Learner.from_json(await info.context.backends.wallet.learner(self.learner_id))
        except BackendProblem:
            return None

    async def _page(
        self,
        info: Info,
        *,
        offers: bool,
        filters: dict[str, str],
        first: int | None,
        after: str | None,
    ) -> HoldingConnection:
        size = page_size(first)
        wallet_cursor, skip = decode_cursor(after) if after else (None, 0)
        if size == 0:
            return connection({}, learner_id=self.learner_id, wallet_cursor=None, skip=0, first=0)
        page = await info.context.backends.wallet.holdings(
            self.learner_id,
            offers=offers,
            filters=filters,
            limit=min(skip + size, 100),
            cursor=wallet_cursor,
        )
        return connection(
            page, learner_id=self.learner_id, wallet_cursor=wallet_cursor, skip=skip, first=size
        )

    @strawberry.field(description="Accepted credentials, newest first.")
    async def holdings(
        self,
        info: Info,
        filter: HoldingFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> HoldingConnection:
        params = filter.params() if filter else {}
        return await self._page(info, offers=False, filters=params, first=first, after=after)

    @strawberry.field(description="Credentials offered to the learner, waiting for a decision.")
    async def offers(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> HoldingConnection:
        return await self._page(info, offers=True, filters={}, first=first, after=after)

    @strawberry.field
    async def holding(self, info: Info, id: strawberry.ID) -> Holding | None:
        decoded = decode_as(id, "Holding", parts=2)
        holding_id = decoded[1] if decoded else id
        found = await info.context.loaders.holding.load((self.learner_id, holding_id))
        return Holding.from_json(found, learner_id=self.learner_id) if found else None

    @strawberry.field
    async def counts(self, info: Info) -> HoldingCounts:
        return HoldingCounts.from_json(await info.context.backends.wallet.counts(self.learner_id))

    @strawberry.field
    async def pathway_progress(self, info: Info) -> list[PathwayProgress]:
        found = await info.context.backends.wallet.pathway_progress(self.learner_id)
        return [PathwayProgress.from_json(p) for p in found]

    @strawberry.field(description="The learner's share links.")
    async def shares(self, info: Info) -> list[ShareLink]:
        found = await info.context.backends.wallet.share_links(self.learner_id)
        return [ShareLink.from_json(s, learner_id=self.learner_id) for s in found]


@strawberry.type(description="The caller, as their bearer token says.")
class Me:
    subject: str
    roles: list[Role]  # type: ignore[valid-type]
    tenant_id: str | None
    learner_id: str | None
    partner_of: list[str]

    @strawberry.field(description="The caller's tenant, for its administrators.")
    async def tenant(self, info: Info) -> Tenant | None:
        if self.tenant_id is None:
            return None
        found = await info.context.loaders.tenant.load(self.tenant_id)
        return Tenant.from_json(found) if found else None


# --- subscription payloads ------------------------------------------------------------------------


@strawberry.type(description="A credential was issued (`issuer.credential.issued.v1`).")
class CredentialIssuedEvent:
    event_id: str
    credential_id: str
    tenant_id: str
    issuer_did: str
    achievement_id: str
    pathway_id: str | None
    issued_at: datetime
    credential: JSON | None


@strawberry.type(description="A credential was revoked, suspended or reinstated.")
class CredentialStatusChangedEvent:
    event_id: str
    credential_id: str
    tenant_id: str
    purpose: str
    status: str
    reason: str
    changed_at: datetime


@strawberry.type(description="Something changed in the learner's wallet.")
class WalletUpdate:
    learner_id: str
    reason: str = strawberry.field(description="offer, accepted, declined or status")
    holding_id: str | None
    credential_id: str | None
    counts: HoldingCounts | None
