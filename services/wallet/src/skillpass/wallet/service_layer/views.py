"""Read side: what the wallet API and the share page show. Reads go straight to the
repositories (no command, nothing written) except the share view, which counts the visit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from skillpass.wallet.domain.errors import NotFound
from skillpass.wallet.domain.holdings import Holding, OfferState
from skillpass.wallet.domain.pathways import PathwayProgress, relevant_progress
from skillpass.wallet.domain.queries import Cursor, HoldingFilter, Page, StatusCounts, page_size
from skillpass.wallet.domain.sharing import ShareLink
from skillpass.wallet.domain.verification import VerificationReport
from skillpass.wallet.service_layer.dependencies import WalletDeps


async def list_holdings(
    deps: WalletDeps, query: HoldingFilter, *, limit: int | None, cursor: str | None
) -> Page:
    after = Cursor.decode(cursor) if cursor else None
    return await deps.holdings.search(query, limit=page_size(limit), after=after)


async def holding(
    deps: WalletDeps, holding_id: str, *, learner_id: str, tenant_id: str | None = None
) -> Holding:
    found = await deps.holdings.get(holding_id)
    if (
        found is None
        or not found.visible_to_learner(learner_id)
        or (tenant_id is not None and found.tenant_id != tenant_id)
    ):
        raise NotFound("no such holding in this wallet", code="holding-not-found")
    return found


async def counts(deps: WalletDeps, *, learner_id: str, tenant_id: str | None) -> StatusCounts:
    return await deps.holdings.counts(learner_id=learner_id, tenant_id=tenant_id)


async def pathway_progress(deps: WalletDeps, *, learner_id: str) -> list[PathwayProgress]:
    held = await deps.holdings.accepted_of(learner_id)
    tenants = {h.tenant_id for h in held if h.tenant_id}
    if not tenants:
        return []
    pathways = await deps.catalogue.pathways(sorted(tenants))
    return relevant_progress(pathways, held)


@dataclass(frozen=True, slots=True, kw_only=True)
class SharedCredential:
    holding: Holding
    report: VerificationReport | None  # None when not asked for


@dataclass(frozen=True, slots=True, kw_only=True)
class SharedView:
    link: ShareLink
    learner_did: str | None
    credentials: tuple[SharedCredential, ...]


async def shared(deps: WalletDeps, token: str, *, verify: bool) -> SharedView:
    """What a share link shows: only its holdings, only while live (else 410), counted."""
    link = await deps.share_links.by_token(token)
    if link is None:
        raise NotFound("no such share link", code="share-link-not-found")
    link.require_live(deps.clock())
    found = await deps.holdings.many(link.holding_ids)
    # Only what the learner still holds: a share cannot outlive the holding it points at.
    shown = [
        h
        for h in found
        if h.learner_id == link.learner_id
        and h.offer is OfferState.ACCEPTED
        and h.credential is not None
    ]
    await deps.share_links.count_view(link.id)
    reports: list[VerificationReport | None] = [None] * len(shown)
    if verify:
        reports = list(
            await asyncio.gather(
                *(deps.verifier.verify(h.credential) for h in shown if h.credential is not None)
            )
        )
    learner = await deps.learners.get(link.learner_id)
    return SharedView(
        link=link,
        learner_did=learner.did if learner else None,
        credentials=tuple(
            SharedCredential(holding=h, report=r) for h, r in zip(shown, reports, strict=True)
        ),
    )
