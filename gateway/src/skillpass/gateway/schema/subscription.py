"""Subscriptions over graphql-transport-ws, fed by this replica's event hub and filtered by what
the subscriber may see: partners (and the tenant's admins) the credential events of the tenants
they are entitled to, a learner the changes of their own wallet, an admin their batch jobs."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import strawberry

from skillpass.events.v1 import credentials_pb2, holdings_pb2
from skillpass.gateway.clients.errors import BackendProblem
from skillpass.gateway.clients.ports import Json
from skillpass.gateway.context import Info
from skillpass.gateway.event_hub import HubEvent
from skillpass.gateway.schema import access
from skillpass.gateway.schema.ids import decode_as
from skillpass.gateway.schema.types import (
    BatchJob,
    CredentialIssuedEvent,
    CredentialStatusChangedEvent,
    HoldingCounts,
    WalletUpdate,
)
from skillpass.platform.auth import Principal
from skillpass.platform.events import (
    CREDENTIAL_ISSUED,
    CREDENTIAL_STATUS_CHANGED,
    HOLDING_ACCEPTED,
    HOLDING_DECLINED,
)

Pb = credentials_pb2
_PURPOSES = {Pb.STATUS_PURPOSE_REVOCATION: "revocation", Pb.STATUS_PURPOSE_SUSPENSION: "suspension"}
_STATUSES = {
    Pb.CREDENTIAL_STATUS_ACTIVE: "active",
    Pb.CREDENTIAL_STATUS_REVOKED: "revoked",
    Pb.CREDENTIAL_STATUS_SUSPENDED: "suspended",
}
# After an issuer event, the wallet's own consumer needs a moment to apply it.
_WALLET_SETTLE = (0.1, 0.3, 0.6, 1.0, 2.0)


def _when(event: HubEvent) -> datetime:
    return event.time or datetime.now(UTC)


def _issued(event: HubEvent) -> CredentialIssuedEvent:
    data: Pb.CredentialIssued = event.data
    credential: Any = None
    if data.credential_json:
        try:
            credential = json.loads(data.credential_json)
        except ValueError:
            credential = None
    return CredentialIssuedEvent(
        event_id=event.id,
        credential_id=data.credential_id,
        tenant_id=data.tenant_id,
        issuer_did=data.issuer_did,
        achievement_id=data.achievement_id,
        pathway_id=data.pathway_id if data.HasField("pathway_id") else None,
        issued_at=_when(event),
        credential=credential,
    )


def _status_changed(event: HubEvent) -> CredentialStatusChangedEvent:
    data: Pb.CredentialStatusChanged = event.data
    changed = (
        data.changed_at.ToDatetime(tzinfo=UTC) if data.HasField("changed_at") else _when(event)
    )
    return CredentialStatusChangedEvent(
        event_id=event.id,
        credential_id=data.credential_id,
        tenant_id=data.tenant_id,
        purpose=_PURPOSES.get(data.purpose, "unspecified"),
        status=_STATUSES.get(data.status, "unspecified"),
        reason=data.reason,
        changed_at=changed,
    )


def _of_tenants(principal: Principal, tenant_id: str | None, event_tenant: str) -> bool:
    return (tenant_id is None or tenant_id == event_tenant) and principal.may_see_tenant(
        event_tenant
    )


def _hashed(identifier_type: str, value: str, salt: str) -> str:
    """OB 3.0 ``identityHash``: ``sha256$`` + hex(SHA-256(identifier ‖ salt)); emails compare
    case-insensitively, so they are hashed lower-cased (as the issuer and wallet do)."""
    normalized = value.strip().lower() if identifier_type == "emailAddress" else value.strip()
    return "sha256$" + hashlib.sha256((normalized + salt).encode()).hexdigest()


class _LearnerMatch:
    """Decides, without a service call, whether an issuer event is about this learner."""

    def __init__(self, learner: Json, credential_ids: set[str]) -> None:
        self.did = learner.get("did")
        self.identifiers = [
            (str(i.get("type")), str(i.get("value")))
            for i in learner.get("identifiers", [])
            if isinstance(i, dict)
        ]
        self.credential_ids = credential_ids

    def issued_to_me(self, data: Pb.CredentialIssued) -> bool:
        which = data.recipient.WhichOneof("identity")
        if which == "did":
            return bool(self.did) and data.recipient.did == self.did
        if which == "hashed":
            hashed = data.recipient.hashed
            return any(
                _hashed(kind, value, hashed.salt) == hashed.identity_hash
                for kind, value in self.identifiers
                if kind == hashed.identity_type or not hashed.identity_type
            )
        return False


async def _credential_ids(info: Info, learner_id: str) -> set[str]:
    wallet = info.context.backends.wallet
    found: set[str] = set()
    for offers in (False, True):
        page = await wallet.holdings(learner_id, offers=offers, filters={}, limit=100, cursor=None)
        for item in page.get("items", []):
            if isinstance(item, dict) and isinstance(item.get("credential_id"), str):
                found.add(item["credential_id"])
    return found


async def _counts(info: Info, learner_id: str) -> HoldingCounts:
    return HoldingCounts.from_json(await info.context.backends.wallet.counts(learner_id))


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Credentials a tenant issues (its admins and entitled partners)."
    )
    async def credential_issued(
        self, info: Info, tenant_id: str, achievement_id: str | None = None
    ) -> AsyncGenerator[CredentialIssuedEvent, None]:
        principal = access.signed_in(info)
        if not principal.may_see_tenant(tenant_id):
            raise access.forbidden(f"not entitled to the events of tenant {tenant_id}")

        def wants(event: HubEvent) -> bool:
            if event.type != CREDENTIAL_ISSUED.type or event.data.tenant_id != tenant_id:
                return False
            return achievement_id is None or event.data.achievement_id == achievement_id

        async for event in info.context.services.hub.subscribe(wants):
            yield _issued(event)

    @strawberry.subscription(
        description="Revocations, suspensions and reinstatements of the tenants the caller may "
        "see (all of them, or `tenantId`'s)."
    )
    async def credential_status_changed(
        self, info: Info, tenant_id: str | None = None
    ) -> AsyncGenerator[CredentialStatusChangedEvent, None]:
        principal = access.signed_in(info)
        if tenant_id is not None and not principal.may_see_tenant(tenant_id):
            raise access.forbidden(f"not entitled to the events of tenant {tenant_id}")

        def wants(event: HubEvent) -> bool:
            return event.type == CREDENTIAL_STATUS_CHANGED.type and _of_tenants(
                principal, tenant_id, event.data.tenant_id
            )

        async for event in info.context.services.hub.subscribe(wants):
            yield _status_changed(event)

    @strawberry.subscription(
        description="Offers arriving, decisions and status changes in the caller's wallet."
    )
    async def wallet_updated(
        self, info: Info, learner_id: str | None = None
    ) -> AsyncGenerator[WalletUpdate, None]:
        principal = access.signed_in(info)
        owner = access.wallet_of(principal, learner_id)
        if not principal.may_use_wallet(owner):
            raise access.forbidden("a learner may use only their own wallet")
        wallet = info.context.backends.wallet
        try:
            learner = await wallet.learner(owner)
            match = _LearnerMatch(learner, await _credential_ids(info, owner))
        except BackendProblem as problem:
            raise access.as_query_error(problem) from None
        last = await _counts(info, owner)
        holding_types = {HOLDING_ACCEPTED.type, HOLDING_DECLINED.type}

        def wants(event: HubEvent) -> bool:
            if event.type in holding_types:
                return bool(event.data.learner_id == owner)
            if event.type == CREDENTIAL_ISSUED.type:
                return match.issued_to_me(event.data)
            if event.type == CREDENTIAL_STATUS_CHANGED.type:
                return event.data.credential_id in match.credential_ids
            return False

        async for event in info.context.services.hub.subscribe(wants):
            data = event.data
            if isinstance(data, holdings_pb2.HoldingAccepted | holdings_pb2.HoldingDeclined):
                last = await _counts(info, owner)
                reason = "accepted" if event.type == HOLDING_ACCEPTED.type else "declined"
                yield WalletUpdate(
                    learner_id=owner,
                    reason=reason,
                    holding_id=data.holding_id,
                    credential_id=data.credential_id,
                    counts=last,
                )
                continue
            match.credential_ids.add(data.credential_id)
            reason = "offer" if event.type == CREDENTIAL_ISSUED.type else "status"
            now = await _settled(info, owner, last)
            last = now
            yield WalletUpdate(
                learner_id=owner,
                reason=reason,
                holding_id=None,
                credential_id=data.credential_id,
                counts=now,
            )

    @strawberry.subscription(description="A batch job's progress until it finishes.")
    async def batch_progress(
        self,
        info: Info,
        job_id: strawberry.ID,
        tenant_id: str | None = None,
    ) -> AsyncGenerator[BatchJob, None]:
        principal = access.signed_in(info)
        decoded = decode_as(job_id, "BatchJob", parts=2)
        tenant, job = decoded if decoded else (access.tenant_of(principal, tenant_id), job_id)
        if not principal.may_administer(tenant):
            raise access.forbidden(f"not an administrator of tenant {tenant}")
        # The issuer publishes no progress events: poll its job view while anyone listens.
        interval = info.context.services.settings.batch_poll_seconds
        seen: tuple[str, int] | None = None
        while True:
            found = BatchJob.from_json(
                await access.required(info.context.backends.issuer.batch_job(tenant, job))
            )
            if (found.state, found.processed) != seen:
                seen = (found.state, found.processed)
                yield found
            if found.finished:
                return
            await asyncio.sleep(interval)


async def _settled(info: Info, learner_id: str, last: HoldingCounts) -> HoldingCounts:
    """The wallet's counts once its consumer applied the event (or the last we got)."""
    now = last
    for pause in _WALLET_SETTLE:
        await asyncio.sleep(pause)
        now = await _counts(info, learner_id)
        if now != last:
            break
    return now
