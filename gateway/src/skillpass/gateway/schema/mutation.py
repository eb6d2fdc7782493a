"""Mutations: each checks what the caller may do, calls one service and returns a union of its
success type and the error types (a service's problem maps to one by its status; its ``code``
travels along)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.scalars import JSON

from skillpass.gateway.clients.errors import BackendProblem
from skillpass.gateway.clients.ports import Json
from skillpass.gateway.context import Info
from skillpass.gateway.schema.errors import (
    Conflict,
    ErrorType,
    Gone,
    NotAuthorized,
    NotFound,
    RateLimited,
    ValidationError,
    from_problem,
    invalid,
    not_authorized,
    not_signed_in,
)
from skillpass.gateway.schema.ids import decode_as
from skillpass.gateway.schema.types import (
    Achievement,
    BatchJob,
    Holding,
    IssuedCredential,
    Learner,
    Pathway,
    RuleKind,
    ShareLink,
    Tenant,
    TrustedIssuer,
    Verification,
    as_json,
)
from skillpass.platform.auth import Principal, Role

T = TypeVar("T")
S = TypeVar("S")


async def attempt(call: Awaitable[T], success: Callable[[T], S]) -> S | ErrorType:
    try:
        value = await call
    except BackendProblem as problem:
        return from_problem(problem)
    return success(value)


def _without_none(values: dict[str, Any]) -> Json:
    return {k: v for k, v in values.items() if v is not None}


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


# --- inputs ---------------------------------------------------------------------------------------


@strawberry.input
class CreateTenantInput:
    slug: str = strawberry.field(description="The tenant id; also the last part of its did:web.")
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None

    def body(self) -> Json:
        profile = _without_none(
            {
                "name": self.name,
                "url": self.url,
                "email": self.email,
                "description": self.description,
            }
        )
        return {"slug": self.slug, "profile": profile}


@strawberry.input
class SkillInput:
    name: str
    url: str
    code: str | None = None
    framework: str | None = None
    description: str | None = None


@strawberry.input
class CreateAchievementInput:
    tenant_id: str
    name: str
    description: str
    criteria_narrative: str
    achievement_type: str | None = None
    image_url: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    credits_available: float | None = None
    alignments: list[SkillInput] = strawberry.field(default_factory=list)

    def body(self) -> Json:
        return _without_none(
            {
                "name": self.name,
                "description": self.description,
                "criteria": {"narrative": self.criteria_narrative},
                "achievementType": self.achievement_type,
                "image": {"id": self.image_url} if self.image_url else None,
                "tag": list(self.tags),
                "creditsAvailable": self.credits_available,
                "alignment": [
                    _without_none(
                        {
                            "targetName": a.name,
                            "targetUrl": a.url,
                            "targetCode": a.code,
                            "targetFramework": a.framework,
                            "targetDescription": a.description,
                        }
                    )
                    for a in self.alignments
                ],
            }
        )


@strawberry.input
class PathwayRuleInput:
    kind: RuleKind
    components: list[str] = strawberry.field(description="Achievement ids of the catalogue.")
    n: int | None = None
    credits: float | None = None


@strawberry.input
class CreatePathwayInput:
    tenant_id: str
    name: str
    target_achievement_id: str
    rule: PathwayRuleInput
    description: str | None = None
    accepted_issuers: list[str] = strawberry.field(default_factory=list)

    def body(self) -> Json:
        return _without_none(
            {
                "name": self.name,
                "description": self.description,
                "targetAchievementId": self.target_achievement_id,
                "rule": _without_none(
                    {
                        "kind": self.rule.kind.value,
                        "components": list(self.rule.components),
                        "n": self.rule.n,
                        "credits": self.rule.credits,
                    }
                ),
                "acceptedIssuers": list(self.accepted_issuers),
            }
        )


@strawberry.input(description="Exactly one of email, learnerId or did.")
class RecipientInput:
    email: str | None = None
    learner_id: str | None = None
    did: str | None = None

    def body(self) -> Json:
        return _without_none({"email": self.email, "learnerId": self.learner_id, "did": self.did})


@strawberry.input
class CredentialRowInput:
    achievement_id: str
    recipient: RecipientInput
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    credits_earned: float | None = None

    def body(self) -> Json:
        return _without_none(
            {
                "achievementId": self.achievement_id,
                "recipient": self.recipient.body(),
                "validFrom": _time(self.valid_from),
                "validUntil": _time(self.valid_until),
                "creditsEarned": self.credits_earned,
            }
        )


@strawberry.input
class IssueCredentialInput(CredentialRowInput):
    tenant_id: str
    idempotency_key: str | None = None


@strawberry.input
class IssueCredentialsInput:
    tenant_id: str
    rows: list[CredentialRowInput]
    idempotency_key: str | None = None


@strawberry.input
class ChangeCredentialStatusInput:
    tenant_id: str
    credential_id: str
    reason: str = ""


@strawberry.input
class IdentifierInput:
    type: str = strawberry.field(description="emailAddress, systemId, …")
    value: str


@strawberry.input
class RegisterLearnerInput:
    learner_id: str | None = strawberry.field(
        default=None, description="Default: the caller's own learner id."
    )
    identifiers: list[IdentifierInput] = strawberry.field(
        default_factory=list, description="Verified identifiers: platform admins only."
    )
    auto_accept: bool = False


@strawberry.input
class CreateShareLinkInput:
    holding_ids: list[strawberry.ID]
    expires_in_seconds: int | None = None
    label: str = ""
    learner_id: str | None = None


@strawberry.input
class CreatePresentationInput:
    holding_ids: list[strawberry.ID] | None = None
    challenge: str | None = None
    domain: str | None = None
    learner_id: str | None = None


@strawberry.input
class VerifyOptionsInput:
    challenge: str | None = None
    domain: str | None = None
    checks: list[str] | None = None
    require_registered_issuer: bool | None = None

    def body(self) -> Json:
        return _without_none(
            {
                "challenge": self.challenge,
                "domain": self.domain,
                "checks": self.checks,
                "requireRegisteredIssuer": self.require_registered_issuer,
            }
        )


@strawberry.input
class AddTrustedIssuerInput:
    did: str
    name: str
    scope: str | None = strawberry.field(
        default=None, description="A tenant id or 'global'; default: the caller's tenant."
    )
    url: str | None = None


# --- success types --------------------------------------------------------------------------------


@strawberry.type
class CreateTenantSuccess:
    tenant: Tenant


@strawberry.type
class RotateIssuerKeySuccess:
    tenant: Tenant


@strawberry.type
class CreateAchievementSuccess:
    achievement: Achievement


@strawberry.type
class CreatePathwaySuccess:
    pathway: Pathway


@strawberry.type
class IssueCredentialSuccess:
    credential: IssuedCredential
    replayed: bool = strawberry.field(description="An earlier request with this key was replayed.")


@strawberry.type
class IssueCredentialsSuccess:
    job: BatchJob


@strawberry.type
class ChangeCredentialStatusSuccess:
    credential: IssuedCredential


@strawberry.type
class RegisterLearnerSuccess:
    learner: Learner
    matched: int = strawberry.field(description="Credentials waiting that now became offers.")


@strawberry.type
class HoldingSuccess:
    holding: Holding


@strawberry.type
class ShareLinkSuccess:
    share_link: ShareLink


@strawberry.type
class CreatePresentationSuccess:
    presentation: JSON


@strawberry.type
class VerifySuccess:
    verification: Verification


@strawberry.type
class AddTrustedIssuerSuccess:
    trusted_issuer: TrustedIssuer


_E = ValidationError | NotFound | NotAuthorized | Conflict | Gone | RateLimited

CreateTenantResult = Annotated[CreateTenantSuccess | _E, strawberry.union("CreateTenantResult")]
RotateIssuerKeyResult = Annotated[
    RotateIssuerKeySuccess | _E, strawberry.union("RotateIssuerKeyResult")
]
CreateAchievementResult = Annotated[
    CreateAchievementSuccess | _E, strawberry.union("CreateAchievementResult")
]
CreatePathwayResult = Annotated[CreatePathwaySuccess | _E, strawberry.union("CreatePathwayResult")]
IssueCredentialResult = Annotated[
    IssueCredentialSuccess | _E, strawberry.union("IssueCredentialResult")
]
IssueCredentialsResult = Annotated[
    IssueCredentialsSuccess | _E, strawberry.union("IssueCredentialsResult")
]
ChangeCredentialStatusResult = Annotated[
    ChangeCredentialStatusSuccess | _E, strawberry.union("ChangeCredentialStatusResult")
]
RegisterLearnerResult = Annotated[
    RegisterLearnerSuccess | _E, strawberry.union("RegisterLearnerResult")
]
HoldingResult = Annotated[HoldingSuccess | _E, strawberry.union("HoldingResult")]
ShareLinkResult = Annotated[ShareLinkSuccess | _E, strawberry.union("ShareLinkResult")]
CreatePresentationResult = Annotated[
    CreatePresentationSuccess | _E, strawberry.union("CreatePresentationResult")
]
VerifyResult = Annotated[VerifySuccess | _E, strawberry.union("VerifyResult")]
AddTrustedIssuerResult = Annotated[
    AddTrustedIssuerSuccess | _E, strawberry.union("AddTrustedIssuerResult")
]


# --- access ---------------------------------------------------------------------------------------


def _admin(info: Info, tenant_id: str) -> Principal | ErrorType:
    principal = info.context.principal
    if principal is None:
        return not_signed_in()
    if not principal.may_administer(tenant_id):
        return not_authorized(f"not an administrator of tenant {tenant_id}")
    return principal


def _wallet_owner(info: Info, learner_id: str | None) -> str | ErrorType:
    principal = info.context.principal
    if principal is None:
        return not_signed_in()
    chosen = (
        learner_id
        or principal.learner_id
        or (principal.subject if principal.has(Role.LEARNER) else None)
    )
    if chosen is None:
        return invalid("say whose wallet (learnerId)", field="learnerId")
    if not principal.may_use_wallet(chosen):
        return not_authorized("a learner may use only their own wallet")
    return chosen


def _holding_id(value: str) -> str:
    decoded = decode_as(value, "Holding", parts=2)
    return decoded[1] if decoded else value


def _share_link_id(value: str) -> str:
    decoded = decode_as(value, "ShareLink", parts=2)
    return decoded[1] if decoded else value


def _credential_id(value: str) -> str:
    decoded = decode_as(value, "IssuedCredential", parts=2)
    return decoded[1] if decoded else value


ERRORS = (ValidationError, NotFound, NotAuthorized, Conflict, Gone, RateLimited)


async def _change_status(
    info: Info, input: ChangeCredentialStatusInput, action: str
) -> ChangeCredentialStatusSuccess | ErrorType:
    allowed = _admin(info, input.tenant_id)
    if isinstance(allowed, ERRORS):
        return allowed
    return await attempt(
        info.context.backends.issuer.change_status(
            input.tenant_id, _credential_id(input.credential_id), action=action, reason=input.reason
        ),
        lambda found: ChangeCredentialStatusSuccess(
            credential=IssuedCredential.from_json(found, tenant_id=input.tenant_id)
        ),
    )


# --- the mutations --------------------------------------------------------------------------------


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create an issuing tenant (platform admins).")
    async def create_tenant(self, info: Info, input: CreateTenantInput) -> CreateTenantResult:
        principal = info.context.principal
        if principal is None:
            return not_signed_in()
        if not principal.has(Role.PLATFORM_ADMIN):
            return not_authorized("only platform admins create tenants")
        return await attempt(
            info.context.backends.issuer.create_tenant(input.body()),
            lambda found: CreateTenantSuccess(tenant=Tenant.from_json(found)),
        )

    @strawberry.mutation(description="Retire the tenant's signing key and make a new one.")
    async def rotate_issuer_key(self, info: Info, tenant_id: str) -> RotateIssuerKeyResult:
        allowed = _admin(info, tenant_id)
        if isinstance(allowed, ERRORS):
            return allowed
        return await attempt(
            info.context.backends.issuer.rotate_key(tenant_id),
            lambda found: RotateIssuerKeySuccess(tenant=Tenant.from_json(found)),
        )

    @strawberry.mutation
    async def create_achievement(
        self,
        info: Info,
        input: CreateAchievementInput,
    ) -> CreateAchievementResult:
        allowed = _admin(info, input.tenant_id)
        if isinstance(allowed, ERRORS):
            return allowed
        return await attempt(
            info.context.backends.issuer.create_achievement(input.tenant_id, input.body()),
            lambda found: CreateAchievementSuccess(achievement=Achievement.from_json(found)),
        )

    @strawberry.mutation
    async def create_pathway(self, info: Info, input: CreatePathwayInput) -> CreatePathwayResult:
        allowed = _admin(info, input.tenant_id)
        if isinstance(allowed, ERRORS):
            return allowed
        return await attempt(
            info.context.backends.issuer.create_pathway(input.tenant_id, input.body()),
            lambda found: CreatePathwaySuccess(pathway=Pathway.from_json(found)),
        )

    @strawberry.mutation(description="Issue one credential from the catalogue (idempotent by key).")
    async def issue_credential(
        self,
        info: Info,
        input: IssueCredentialInput,
    ) -> IssueCredentialResult:
        allowed = _admin(info, input.tenant_id)
        if isinstance(allowed, ERRORS):
            return allowed

        def success(found: Json) -> IssueCredentialSuccess:
            record = {**found, "tenantId": input.tenant_id, "achievementId": input.achievement_id}
            return IssueCredentialSuccess(
                credential=IssuedCredential.from_json(record),
                replayed=found.get("replayed") is True,
            )

        return await attempt(
            info.context.backends.issuer.issue(
                input.tenant_id, input.body(), idempotency_key=input.idempotency_key
            ),
            success,
        )

    @strawberry.mutation(description="Issue many credentials as a background job.")
    async def issue_credentials(
        self,
        info: Info,
        input: IssueCredentialsInput,
    ) -> IssueCredentialsResult:
        allowed = _admin(info, input.tenant_id)
        if isinstance(allowed, ERRORS):
            return allowed
        if not input.rows:
            return invalid("a batch needs at least one row", field="rows")
        return await attempt(
            info.context.backends.issuer.issue_batch(
                input.tenant_id,
                [row.body() for row in input.rows],
                idempotency_key=input.idempotency_key,
            ),
            lambda found: IssueCredentialsSuccess(job=BatchJob.from_json(found)),
        )

    @strawberry.mutation
    async def revoke_credential(
        self,
        info: Info,
        input: ChangeCredentialStatusInput,
    ) -> ChangeCredentialStatusResult:
        return await _change_status(info, input, "revoke")

    @strawberry.mutation
    async def suspend_credential(
        self,
        info: Info,
        input: ChangeCredentialStatusInput,
    ) -> ChangeCredentialStatusResult:
        return await _change_status(info, input, "suspend")

    @strawberry.mutation
    async def reinstate_credential(
        self,
        info: Info,
        input: ChangeCredentialStatusInput,
    ) -> ChangeCredentialStatusResult:
        return await _change_status(info, input, "reinstate")

    @strawberry.mutation(description="Open a wallet (platform admins also set verified ids).")
    async def register_learner(
        self,
        info: Info,
        input: RegisterLearnerInput,
    ) -> RegisterLearnerResult:
        principal = info.context.principal
        if principal is None:
            return not_signed_in()
        learner_id = input.learner_id or principal.learner_id or principal.subject
        if not principal.may_use_wallet(learner_id):
            return not_authorized("a learner may open only their own wallet")
        if input.identifiers and not principal.has(Role.PLATFORM_ADMIN):
            return not_authorized("only platform admins add verified identifiers")
        body = {
            "learner_id": learner_id,
            "identifiers": [{"type": i.type, "value": i.value} for i in input.identifiers],
            "auto_accept": input.auto_accept,
        }
        return await attempt(
            info.context.backends.wallet.register_learner(body),
            lambda found: RegisterLearnerSuccess(
                learner=Learner.from_json(found),
                matched=found["matched"] if isinstance(found.get("matched"), int) else 0,
            ),
        )

    @strawberry.mutation
    async def accept_offer(
        self, info: Info, holding_id: strawberry.ID, learner_id: str | None = None
    ) -> HoldingResult:
        owner = _wallet_owner(info, learner_id)
        if isinstance(owner, ERRORS):
            return owner
        return await attempt(
            info.context.backends.wallet.accept_offer(owner, _holding_id(holding_id)),
            lambda found: HoldingSuccess(holding=Holding.from_json(found, learner_id=owner)),
        )

    @strawberry.mutation
    async def decline_offer(
        self,
        info: Info,
        holding_id: strawberry.ID,
        reason: str = "",
        learner_id: str | None = None,
    ) -> HoldingResult:
        owner = _wallet_owner(info, learner_id)
        if isinstance(owner, ERRORS):
            return owner
        return await attempt(
            info.context.backends.wallet.decline_offer(owner, _holding_id(holding_id), reason),
            lambda found: HoldingSuccess(holding=Holding.from_json(found, learner_id=owner)),
        )

    @strawberry.mutation(description="Bring an external credential into the wallet (verified).")
    async def import_credential(
        self, info: Info, credential: JSON, learner_id: str | None = None
    ) -> HoldingResult:
        owner = _wallet_owner(info, learner_id)
        if isinstance(owner, ERRORS):
            return owner
        if not isinstance(credential, dict):
            return invalid("credential must be a JSON object", field="credential")
        return await attempt(
            info.context.backends.wallet.import_credential(owner, credential),
            lambda found: HoldingSuccess(holding=Holding.from_json(found, learner_id=owner)),
        )

    @strawberry.mutation
    async def create_share_link(
        self,
        info: Info,
        input: CreateShareLinkInput,
    ) -> ShareLinkResult:
        owner = _wallet_owner(info, input.learner_id)
        if isinstance(owner, ERRORS):
            return owner
        return await attempt(
            info.context.backends.wallet.create_share_link(
                owner,
                holding_ids=[_holding_id(h) for h in input.holding_ids],
                expires_in_seconds=input.expires_in_seconds,
                label=input.label,
            ),
            lambda found: ShareLinkSuccess(share_link=ShareLink.from_json(found, learner_id=owner)),
        )

    @strawberry.mutation
    async def revoke_share_link(
        self,
        info: Info,
        id: strawberry.ID,
        learner_id: str | None = None,
    ) -> ShareLinkResult:
        owner = _wallet_owner(info, learner_id)
        if isinstance(owner, ERRORS):
            return owner
        return await attempt(
            info.context.backends.wallet.revoke_share_link(owner, _share_link_id(id)),
            lambda found: ShareLinkSuccess(share_link=ShareLink.from_json(found, learner_id=owner)),
        )

    @strawberry.mutation(description="A verifiable presentation signed with the learner's key.")
    async def create_presentation(
        self,
        info: Info,
        input: CreatePresentationInput,
    ) -> CreatePresentationResult:
        owner = _wallet_owner(info, input.learner_id)
        if isinstance(owner, ERRORS):
            return owner
        holdings = (
            None if input.holding_ids is None else [_holding_id(h) for h in input.holding_ids]
        )
        return await attempt(
            info.context.backends.wallet.create_presentation(
                owner, holding_ids=holdings, challenge=input.challenge, domain=input.domain
            ),
            lambda found: CreatePresentationSuccess(presentation=as_json(found)),
        )

    @strawberry.mutation(description="Verify a credential (anyone; rate-limited).")
    async def verify_credential(
        self, info: Info, credential: JSON, options: VerifyOptionsInput | None = None
    ) -> VerifyResult:
        if not isinstance(credential, dict):
            return invalid("credential must be a JSON object", field="credential")
        return await attempt(
            info.context.backends.verifier.verify_credential(
                credential, options.body() if options else {}
            ),
            lambda found: VerifySuccess(
                verification=Verification.from_json(found, kind="credential")
            ),
        )

    @strawberry.mutation(description="Verify a presentation (anyone; rate-limited).")
    async def verify_presentation(
        self, info: Info, presentation: JSON, options: VerifyOptionsInput | None = None
    ) -> VerifyResult:
        if not isinstance(presentation, dict):
            return invalid("presentation must be a JSON object", field="presentation")
        return await attempt(
            info.context.backends.verifier.verify_presentation(
                presentation, options.body() if options else {}
            ),
            lambda found: VerifySuccess(
                verification=Verification.from_json(found, kind="presentation")
            ),
        )

    @strawberry.mutation(description="Trust an issuer in a registry (the tenant's or global).")
    async def add_trusted_issuer(
        self,
        info: Info,
        input: AddTrustedIssuerInput,
    ) -> AddTrustedIssuerResult:
        principal = info.context.principal
        if principal is None:
            return not_signed_in()
        scope = input.scope or principal.tenant
        if scope is None:
            return invalid("say which registry (scope)", field="scope")
        manages = principal.has(Role.PLATFORM_ADMIN) or (
            scope == principal.tenant
            and principal.has(Role.ISSUER_ADMIN, Role.VERIFIER, Role.SERVICE)
        )
        if not manages:
            return not_authorized(f"may not manage the {scope} trust registry")
        body = _without_none({"name": input.name, "url": input.url})
        return await attempt(
            info.context.backends.verifier.add_trusted_issuer(scope, input.did, body),
            lambda found: AddTrustedIssuerSuccess(trusted_issuer=TrustedIssuer.from_json(found)),
        )
