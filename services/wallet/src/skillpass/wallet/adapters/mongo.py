"""MongoDB repositories (PyMongo async). Work on servers without multi-document transactions
(FerretDB): every change is one single-document write; uniqueness comes from `_id`s."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from skillpass.platform.mongo import IndexDeclarations, MongoDatabase
from skillpass.platform.store.mongo import MongoAggregateStore
from skillpass.wallet.adapters.documents import (
    Document,
    format_time,
    holding_from_document,
    learner_from_document,
    learner_to_document,
    share_link_from_document,
    share_link_to_document,
)
from skillpass.wallet.adapters.holding_store import AggregateHoldingWrites
from skillpass.wallet.domain.errors import Conflict, NotFound
from skillpass.wallet.domain.holdings import Holding, OfferState, Status
from skillpass.wallet.domain.identities import Identifier, hash_identifier
from skillpass.wallet.domain.learners import Learner
from skillpass.wallet.domain.queries import Cursor, HoldingFilter, Page, StatusCounts
from skillpass.wallet.domain.sharing import ShareLink

LEARNERS = "learners"
IDENTIFIERS = "identifiers"  # one document per identifier: `_id` makes ownership unique
HOLDINGS = "holdings"
SHARE_LINKS = "share_links"
# One document per view: an insert is atomic on every MongoDB-wire server, whereas FerretDB's
# SQLite backend loses concurrent `$inc`s (it reads, modifies and writes without a lock).
SHARE_VIEWS = "share_link_views"
MAX_ACCEPTED = 1000

INDEXES: IndexDeclarations = {
    LEARNERS: [IndexModel([("did", ASCENDING)], name="did", unique=True)],
    IDENTIFIERS: [
        IndexModel([("type", ASCENDING), ("sha256", ASCENDING)], name="type_digest"),
    ],
    HOLDINGS: [
        *MongoAggregateStore.INDEXES,
        IndexModel(
            [
                ("state.learner_id", ASCENDING),
                ("state.offer", ASCENDING),
                ("state.received_at", DESCENDING),
                ("_id", DESCENDING),
            ],
            name="learner_listing",
        ),
        IndexModel(
            [("state.tenant_id", ASCENDING), ("state.received_at", DESCENDING)],
            name="tenant_listing",
        ),
        IndexModel(
            [("state.offer", ASCENDING), ("state.recipient_types", ASCENDING)],
            name="waiting_by_type",
        ),
    ],
    SHARE_LINKS: [
        IndexModel([("token", ASCENDING)], name="token", unique=True),
        IndexModel([("learner_id", ASCENDING), ("created_at", DESCENDING)], name="learner"),
    ],
    SHARE_VIEWS: [IndexModel([("link_id", ASCENDING)], name="link")],
}


class MongoLearnerRepository:
    def __init__(self, database: MongoDatabase) -> None:
        self._learners = database[LEARNERS]
        self._identifiers = database[IDENTIFIERS]

    async def add(self, learner: Learner) -> None:
        if await self._learners.find_one({"_id": learner.id}, {"_id": 1}) is not None:
            raise Conflict("this learner is already registered", code="learner-exists")
        try:
            await self._learners.insert_one(learner_to_document(learner))
        except DuplicateKeyError:
            raise Conflict("this learner is already registered", code="learner-exists") from None

    async def get(self, learner_id: str) -> Learner | None:
        found = await self._learners.find_one({"_id": learner_id})
        return None if found is None else learner_from_document(found)

    async def by_did(self, did: str) -> Learner | None:
        found = await self._learners.find_one({"did": did})
        return None if found is None else learner_from_document(found)

    async def claim_identifier(self, learner_id: str, identifier: Identifier) -> Learner:
        if await self.get(learner_id) is None:
            raise NotFound("no such learner", code="learner-not-found")
        try:
            await self._identifiers.insert_one(
                {
                    "_id": identifier.key,
                    "type": identifier.type,
                    "value": identifier.value,
                    "sha256": hash_identifier(identifier.value, salt=""),
                    "learner_id": learner_id,
                }
            )
        except DuplicateKeyError:
            owner = await self._identifiers.find_one({"_id": identifier.key})
            if owner is None or owner["learner_id"] != learner_id:
                raise Conflict(
                    "this identifier belongs to another learner", code="identifier-taken"
                ) from None
        entry = {"type": identifier.type, "value": identifier.value}
        updated = await self._learners.find_one_and_update(
            {"_id": learner_id},
            {"$addToSet": {"identifiers": entry}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise NotFound("no such learner", code="learner-not-found")
        return learner_from_document(updated)

    async def set_auto_accept(self, learner_id: str, enabled: bool) -> Learner:
        updated = await self._learners.find_one_and_update(
            {"_id": learner_id},
            {"$set": {"auto_accept": enabled}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise NotFound("no such learner", code="learner-not-found")
        return learner_from_document(updated)

    async def _owner(self, query: Mapping[str, Any]) -> Learner | None:
        found = await self._identifiers.find_one(query)
        return None if found is None else await self.get(found["learner_id"])

    async def by_identifier(self, identifier: Identifier) -> Learner | None:
        return await self._owner({"_id": identifier.key})

    async def by_identifier_digest(self, identity_type: str, sha256_hex: str) -> Learner | None:
        return await self._owner({"type": identity_type, "sha256": sha256_hex})

    async def identifiers_of_type(
        self, identity_type: str
    ) -> AsyncIterator[tuple[Identifier, str]]:
        async for doc in self._identifiers.find({"type": identity_type}, batch_size=500):
            yield Identifier(type=doc["type"], value=doc["value"]), doc["learner_id"]


def _state(field: str) -> str:
    return f"state.{field}"


def holding_query(query: HoldingFilter, after: Cursor | None) -> Document:
    """The MongoDB form of `HoldingFilter.matches` (the contract suite checks they agree)."""
    clauses: list[Document] = [
        {_state("offer"): {"$in": [o.value for o in query.offers]}},
        {_state("summary"): {"$ne": None}},
    ]
    exact = {
        "learner_id": query.learner_id,
        "tenant_id": query.tenant_id,
        "issuer_id": query.issuer,
        "achievement_type": query.achievement_type,
        "status": query.status.value if query.status else None,
    }
    clauses += [{_state(k): v} for k, v in exact.items() if v is not None]
    if query.skill is not None:
        clauses.append({_state("skill_keys"): query.skill.lower()})
    if query.issued_from is not None:
        clauses.append({_state("valid_from"): {"$gte": format_time(query.issued_from)}})
    if query.issued_to is not None:
        clauses.append({_state("valid_from"): {"$lt": format_time(query.issued_to)}})
    if query.issued_from is not None or query.issued_to is not None:
        clauses.append({_state("valid_from"): {"$type": "string"}})
    if (needle := query.text_needle) is not None:
        clauses.append({_state("search_text"): {"$regex": re.escape(needle)}})
    if after is not None:
        at = format_time(after.received_at)
        clauses.append(
            {
                "$or": [
                    {_state("received_at"): {"$lt": at}},
                    {_state("received_at"): at, "_id": {"$lt": after.holding_id}},
                ]
            }
        )
    return {"$and": clauses}


NEWEST_FIRST = [(_state("received_at"), DESCENDING), ("_id", DESCENDING)]


class MongoHoldingRepository(AggregateHoldingWrites):
    def __init__(self, database: MongoDatabase) -> None:
        self._collection = database[HOLDINGS]
        super().__init__(MongoAggregateStore(self._collection))

    async def _find(
        self, query: Document, *, sort: list[tuple[str, int]] | None = None, limit: int = 0
    ) -> list[Holding]:
        cursor = self._collection.find(query, {"state": 1}, sort=sort, limit=limit)
        return [holding_from_document(doc["state"]) async for doc in cursor]

    async def search(self, query: HoldingFilter, *, limit: int, after: Cursor | None) -> Page:
        found = await self._find(holding_query(query, after), sort=NEWEST_FIRST, limit=limit + 1)
        items = tuple(found[:limit])
        more = len(found) > limit
        return Page(items=items, next_cursor=Cursor.after(items[-1]) if more else None)

    async def counts(self, *, learner_id: str, tenant_id: str | None = None) -> StatusCounts:
        scope: Document = {_state("learner_id"): learner_id}
        if tenant_id is not None:
            scope[_state("tenant_id")] = tenant_id
        accepted = {**scope, _state("offer"): OfferState.ACCEPTED.value}

        async def count(extra: Document) -> int:
            return await self._collection.count_documents({**accepted, **extra})

        return StatusCounts(
            active=await count({_state("status"): Status.ACTIVE.value}),
            suspended=await count({_state("status"): Status.SUSPENDED.value}),
            revoked=await count({_state("status"): Status.REVOKED.value}),
            offers=await self._collection.count_documents(
                {**scope, _state("offer"): OfferState.OFFERED.value}
            ),
        )

    async def many(self, holding_ids: Sequence[str]) -> list[Holding]:
        found = {h.id: h for h in await self._find({"_id": {"$in": list(holding_ids)}})}
        return [found[i] for i in holding_ids if i in found]

    async def accepted_of(self, learner_id: str) -> list[Holding]:
        return await self._find(
            {_state("learner_id"): learner_id, _state("offer"): OfferState.ACCEPTED.value},
            sort=[(_state("received_at"), ASCENDING), ("_id", ASCENDING)],
            limit=MAX_ACCEPTED,
        )

    async def waiting_for(self, identity_type: str) -> AsyncIterator[Holding]:
        cursor = self._collection.find(
            {_state("offer"): OfferState.WAITING.value, _state("recipient_types"): identity_type},
            {"state": 1},
            batch_size=200,
        )
        async for doc in cursor:
            yield holding_from_document(doc["state"])


class MongoShareLinkRepository:
    def __init__(self, database: MongoDatabase) -> None:
        self._links = database[SHARE_LINKS]
        self._views = database[SHARE_VIEWS]

    async def _with_views(self, doc: Document) -> ShareLink:
        views = await self._views.count_documents({"link_id": doc["_id"]})
        return share_link_from_document({**doc, "views": views})

    async def add(self, link: ShareLink) -> None:
        try:
            await self._links.insert_one(share_link_to_document(link))
        except DuplicateKeyError:
            raise Conflict("share link exists", code="share-link-exists") from None

    async def get(self, link_id: str) -> ShareLink | None:
        found = await self._links.find_one({"_id": link_id})
        return None if found is None else await self._with_views(found)

    async def by_token(self, token: str) -> ShareLink | None:
        found = await self._links.find_one({"token": token})
        return None if found is None else await self._with_views(found)

    async def of_learner(self, learner_id: str) -> list[ShareLink]:
        cursor = self._links.find(
            {"learner_id": learner_id}, sort=[("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        return [await self._with_views(doc) async for doc in cursor]

    async def revoke(self, link_id: str, *, at: datetime) -> ShareLink | None:
        await self._links.update_one(
            {"_id": link_id, "revoked_at": None}, {"$set": {"revoked_at": format_time(at)}}
        )
        return await self.get(link_id)

    async def count_view(self, link_id: str) -> None:
        await self._views.insert_one({"link_id": link_id})
