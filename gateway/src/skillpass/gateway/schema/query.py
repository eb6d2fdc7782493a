"""Queries: thin resolvers over the client ports, after the gateway's own access check."""

from __future__ import annotations

import strawberry

from skillpass.gateway.context import Info
from skillpass.gateway.schema import access
from skillpass.gateway.schema.ids import InvalidGlobalId, decode_as, from_global_id
from skillpass.gateway.schema.types import (
    Achievement,
    BatchJob,
    Holding,
    IssuedCredential,
    Learner,
    Me,
    Node,
    Pathway,
    ShareLink,
    StatusList,
    Tenant,
    Verification,
    Wallet,
)


async def _tenant(info: Info, tenant_id: str) -> Tenant | None:
    principal = access.signed_in(info)
    if not principal.may_administer(tenant_id):
        raise access.forbidden(f"not an administrator of tenant {tenant_id}")
    found = await access.found_or_none(info.context.backends.issuer.tenant(tenant_id))
    return Tenant.from_json(found) if found else None


async def _achievement(info: Info, tenant_id: str, achievement_id: str) -> Achievement | None:
    found = await access.found_or_none(
        info.context.backends.issuer.achievement(tenant_id, achievement_id)
    )
    return Achievement.from_json(found) if found else None


async def _credential(info: Info, tenant_id: str, credential_id: str) -> IssuedCredential | None:
    principal = access.signed_in(info)
    if not principal.may_administer(tenant_id):
        raise access.forbidden(f"not an administrator of tenant {tenant_id}")
    found = await access.found_or_none(
        info.context.backends.issuer.credential(tenant_id, credential_id)
    )
    return IssuedCredential.from_json(found, tenant_id=tenant_id) if found else None


async def _batch_job(info: Info, tenant_id: str, job_id: str) -> BatchJob | None:
    principal = access.signed_in(info)
    if not principal.may_administer(tenant_id):
        raise access.forbidden(f"not an administrator of tenant {tenant_id}")
    found = await access.found_or_none(info.context.backends.issuer.batch_job(tenant_id, job_id))
    return BatchJob.from_json(found) if found else None


async def _pathways(info: Info, tenant_id: str) -> list[Pathway]:
    found = await access.required(info.context.backends.issuer.pathways(tenant_id))
    return [Pathway.from_json(p) for p in found]


def _wallet(info: Info, learner_id: str | None) -> Wallet:
    principal = access.signed_in(info)
    chosen = access.wallet_of(principal, learner_id)
    if not access.may_read_wallet(principal, chosen):
        raise access.forbidden("a learner may use only their own wallet")
    return Wallet(learner_id=chosen)


async def _verification(info: Info, verification_id: str) -> Verification | None:
    found = await access.found_or_none(info.context.backends.verifier.verification(verification_id))
    return Verification.from_json(found) if found else None


@strawberry.type
class Query:
    @strawberry.field(description="The caller; null when no bearer token was sent.")
    def me(self, info: Info) -> Me | None:
        principal = info.context.principal
        if principal is None:
            return None
        return Me(
            subject=principal.subject,
            roles=sorted(principal.roles),
            tenant_id=principal.tenant,
            learner_id=principal.learner_id,
            partner_of=sorted(principal.partner_of),
        )

    @strawberry.field(description="A tenant (default: the caller's), for its administrators.")
    async def tenant(self, info: Info, id: str | None = None) -> Tenant | None:
        principal = access.signed_in(info)
        return await _tenant(info, access.tenant_of(principal, id))

    @strawberry.field(description="A tenant's catalogue (public; default: the caller's tenant).")
    async def achievements(self, info: Info, tenant_id: str | None = None) -> list[Achievement]:
        chosen = access.tenant_of(info.context.principal, tenant_id)
        found = await access.required(info.context.backends.issuer.achievements(chosen))
        return [Achievement.from_json(a) for a in found]

    @strawberry.field(description="One achievement (public), by global id or catalogue id.")
    async def achievement(
        self,
        info: Info,
        id: strawberry.ID,
        tenant_id: str | None = None,
    ) -> Achievement | None:
        decoded = decode_as(id, "Achievement", parts=2)
        if decoded is not None:
            return await _achievement(info, decoded[0], decoded[1])
        return await _achievement(info, access.tenant_of(info.context.principal, tenant_id), id)

    @strawberry.field(description="A tenant's pathways (public; default: the caller's tenant).")
    async def pathways(self, info: Info, tenant_id: str | None = None) -> list[Pathway]:
        return await _pathways(info, access.tenant_of(info.context.principal, tenant_id))

    @strawberry.field(description="A learner's wallet (default: the caller's own).")
    def wallet(self, info: Info, learner_id: str | None = None) -> Wallet:
        return _wallet(info, learner_id)

    @strawberry.field(description="A credential as its issuer records it (tenant admins).")
    async def credential(
        self,
        info: Info,
        id: strawberry.ID,
        tenant_id: str | None = None,
    ) -> IssuedCredential | None:
        principal = access.signed_in(info)
        decoded = decode_as(id, "IssuedCredential", parts=2)
        if decoded is not None:
            return await _credential(info, decoded[0], decoded[1])
        return await _credential(info, access.tenant_of(principal, tenant_id), id)

    @strawberry.field(description="A batch issuing job (tenant admins).")
    async def batch_job(
        self,
        info: Info,
        id: strawberry.ID,
        tenant_id: str | None = None,
    ) -> BatchJob | None:
        principal = access.signed_in(info)
        decoded = decode_as(id, "BatchJob", parts=2)
        if decoded is not None:
            return await _batch_job(info, decoded[0], decoded[1])
        return await _batch_job(info, access.tenant_of(principal, tenant_id), id)

    @strawberry.field(description="A stored verification report (its requester, their tenant).")
    async def verification(self, info: Info, id: strawberry.ID) -> Verification | None:
        decoded = decode_as(id, "Verification", parts=1)
        return await _verification(info, decoded[0] if decoded else id)

    @strawberry.field(description="A published status list (public), by `<list id>-<purpose>`.")
    async def status_list(self, info: Info, id: str) -> StatusList | None:
        found = await access.found_or_none(info.context.backends.issuer.status_list(id))
        return StatusList.from_json(id, found) if found else None

    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        try:
            type_name, parts = from_global_id(id)
        except InvalidGlobalId:
            raise access.QueryError(
                f"{id!r} is not an id this API returned", access.BAD_USER_INPUT
            ) from None
        if type_name == "Tenant" and len(parts) == 1:
            return await _tenant(info, parts[0])
        if type_name == "Achievement" and len(parts) == 2:
            return await _achievement(info, *parts)
        if type_name == "Pathway" and len(parts) == 2:
            pathways = await _pathways(info, parts[0])
            return next((p for p in pathways if p.pathway_id == parts[1]), None)
        if type_name == "IssuedCredential" and len(parts) == 2:
            return await _credential(info, *parts)
        if type_name == "BatchJob" and len(parts) == 2:
            return await _batch_job(info, *parts)
        if type_name == "Verification" and len(parts) == 1:
            return await _verification(info, parts[0])
        if type_name == "Holding" and len(parts) == 2:
            wallet = _wallet(info, parts[0])
            found = await info.context.loaders.holding.load((wallet.learner_id, parts[1]))
            return Holding.from_json(found, learner_id=wallet.learner_id) if found else None
        if type_name == "Learner" and len(parts) == 1:
            wallet = _wallet(info, parts[0])
            learner = await access.found_or_none(
                info.context.backends.wallet.learner(wallet.learner_id)
            )
            return Learner.from_json(learner) if learner else None
        if type_name == "ShareLink" and len(parts) == 2:
            wallet = _wallet(info, parts[0])
            links = await info.context.backends.wallet.share_links(wallet.learner_id)
            return next(
                (
                    ShareLink.from_json(s, learner_id=wallet.learner_id)
                    for s in links
                    if s.get("id") == parts[1]
                ),
                None,
            )
        return None
