"""In-memory repositories: the twins of `mongo.py` (embedded mode and fast tests); both pass the
contract suite in tests/contract."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import replace
from datetime import datetime

from skillpass.platform.store.memory import MemoryAggregateStore
from skillpass.wallet.adapters.holding_store import AggregateHoldingWrites
from skillpass.wallet.domain.errors import Conflict, NotFound
from skillpass.wallet.domain.holdings import Holding, OfferState, Status
from skillpass.wallet.domain.identities import Identifier, hash_identifier
from skillpass.wallet.domain.learners import Learner
from skillpass.wallet.domain.pathways import Pathway
from skillpass.wallet.domain.queries import Cursor, HoldingFilter, Page, StatusCounts, sort_key
from skillpass.wallet.domain.sharing import ShareLink

MAX_ACCEPTED = 1000


class MemoryLearnerRepository:
    def __init__(self) -> None:
        self._learners: dict[str, Learner] = {}
        self._owners: dict[str, str] = {}  # identifier key -> learner id

    async def add(self, learner: Learner) -> None:
        if learner.id in self._learners:
            raise Conflict("this learner is already registered", code="learner-exists")
        if any(other.did == learner.did for other in self._learners.values()):
            raise Conflict("this DID belongs to another learner", code="did-taken")
        self._learners[learner.id] = learner

    async def get(self, learner_id: str) -> Learner | None:
        return self._learners.get(learner_id)

    async def by_did(self, did: str) -> Learner | None:
        return next((x for x in self._learners.values() if x.did == did), None)

    async def claim_identifier(self, learner_id: str, identifier: Identifier) -> Learner:
        learner = self._learners.get(learner_id)
        if learner is None:
            raise NotFound("no such learner", code="learner-not-found")
        owner = self._owners.setdefault(identifier.key, learner_id)
        if owner != learner_id:
            raise Conflict("this identifier belongs to another learner", code="identifier-taken")
        updated = learner.with_identifier(identifier)
        self._learners[learner_id] = updated
        return updated

    async def set_auto_accept(self, learner_id: str, enabled: bool) -> Learner:
        learner = self._learners.get(learner_id)
        if learner is None:
            raise NotFound("no such learner", code="learner-not-found")
        self._learners[learner_id] = learner = learner.with_auto_accept(enabled)
        return learner

    async def by_identifier(self, identifier: Identifier) -> Learner | None:
        owner = self._owners.get(identifier.key)
        return None if owner is None else self._learners.get(owner)

    async def by_identifier_digest(self, identity_type: str, sha256_hex: str) -> Learner | None:
        for key, owner in self._owners.items():
            kind, _, value = key.partition(":")
            if kind == identity_type and hash_identifier(value, salt="") == sha256_hex:
                return self._learners.get(owner)
        return None

    async def identifiers_of_type(
        self, identity_type: str
    ) -> AsyncIterator[tuple[Identifier, str]]:
        for key, owner in list(self._owners.items()):
            kind, _, value = key.partition(":")
            if kind == identity_type:
                yield Identifier(type=kind, value=value), owner


class MemoryHoldingRepository(AggregateHoldingWrites):
    def __init__(self) -> None:
        super().__init__(MemoryAggregateStore())
        self._index: dict[str, Holding] = {}

    def _written(self, holding: Holding) -> None:
        self._index[holding.id] = holding

    async def search(self, query: HoldingFilter, *, limit: int, after: Cursor | None) -> Page:
        matching = sorted(
            (
                h
                for h in self._index.values()
                if query.matches(h) and (after is None or after.precedes(h))
            ),
            key=sort_key,
            reverse=True,
        )
        items = tuple(matching[:limit])
        more = len(matching) > limit
        return Page(items=items, next_cursor=Cursor.after(items[-1]) if more else None)

    async def counts(self, *, learner_id: str, tenant_id: str | None = None) -> StatusCounts:
        mine = [
            h
            for h in self._index.values()
            if h.learner_id == learner_id and (tenant_id is None or h.tenant_id == tenant_id)
        ]
        accepted = [h for h in mine if h.offer is OfferState.ACCEPTED]
        return StatusCounts(
            active=sum(h.status is Status.ACTIVE for h in accepted),
            suspended=sum(h.status is Status.SUSPENDED for h in accepted),
            revoked=sum(h.status is Status.REVOKED for h in accepted),
            offers=sum(h.offer is OfferState.OFFERED for h in mine),
        )

    async def many(self, holding_ids: Sequence[str]) -> list[Holding]:
        return [self._index[i] for i in holding_ids if i in self._index]

    async def accepted_of(self, learner_id: str) -> list[Holding]:
        accepted = [
            h
            for h in self._index.values()
            if h.learner_id == learner_id and h.offer is OfferState.ACCEPTED
        ]
        return sorted(accepted, key=sort_key)[:MAX_ACCEPTED]

    async def waiting_for(self, identity_type: str) -> AsyncIterator[Holding]:
        for holding in list(self._index.values()):
            if (
                holding.offer is OfferState.WAITING
                and identity_type in holding.recipient.identity_types
            ):
                yield holding


class MemoryShareLinkRepository:
    def __init__(self) -> None:
        self._links: dict[str, ShareLink] = {}

    async def add(self, link: ShareLink) -> None:
        if link.id in self._links or any(x.token == link.token for x in self._links.values()):
            raise Conflict("share link exists", code="share-link-exists")
        self._links[link.id] = link

    async def get(self, link_id: str) -> ShareLink | None:
        return self._links.get(link_id)

    async def by_token(self, token: str) -> ShareLink | None:
        return next((x for x in self._links.values() if x.token == token), None)

    async def of_learner(self, learner_id: str) -> list[ShareLink]:
        mine = [x for x in self._links.values() if x.learner_id == learner_id]
        return sorted(mine, key=lambda x: (x.created_at, x.id), reverse=True)

    async def revoke(self, link_id: str, *, at: datetime) -> ShareLink | None:
        link = self._links.get(link_id)
        if link is None:
            return None
        self._links[link_id] = link = link.revoke(at)
        return link

    async def count_view(self, link_id: str) -> None:
        link = self._links.get(link_id)
        if link is not None:
            self._links[link_id] = replace(link, views=link.views + 1)


class StaticPathwayCatalogue:
    """Pathways given up front (embedded mode, tests); the issuer's catalogue in production."""

    def __init__(self, pathways: Sequence[Pathway] = ()) -> None:
        self._pathways = list(pathways)

    def publish(self, pathway: Pathway) -> None:
        self._pathways = [p for p in self._pathways if p.id != pathway.id] + [pathway]

    async def pathways(self, tenant_ids: Collection[str]) -> list[Pathway]:
        return [p for p in self._pathways if p.tenant_id in tenant_ids]
