"""MongoDB adapters (PyMongo async API) of every repository; twins of ``memory.py``, same
contract suite. Works on servers without multi-document transactions (FerretDB).

Credentials, their events and their status positions
----------------------------------------------------
A credential is ONE document: the record, the signed credential, its status list position
(``list_id``, ``index``) and its unpublished events (``outbox``, in the platform's outbox layout,
published and then pulled by the platform's ``OutboxRelay``). It is written by one ``insert``, so
"credential stored", "event recorded" and "position claimed" happen together or not at all.

That is also how status positions are allocated without leaks: there is no separate allocation
record to get out of step. A unique index over ``(list_id, index)`` makes the credential insert
*the* claim; a lost race surfaces as a duplicate-key error (``PositionTaken``), and the handler
draws another position and signs again. A crash before the insert leaves nothing behind, so there
is nothing to reclaim. Revocations and suspensions are flags on the same document (updated with
their status-changed event in one write); a served status list is computed from those flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from skillpass.issuer.adapters import documents as d
from skillpass.issuer.adapters.holdings import AggregateHoldingsRepository
from skillpass.issuer.domain.achievements import Achievement
from skillpass.issuer.domain.batches import (
    BatchJob,
    ChunkState,
    JobState,
    RowError,
    RowResult,
    chunk_id,
)
from skillpass.issuer.domain.credentials import IssuedCredential
from skillpass.issuer.domain.pathways import Pathway
from skillpass.issuer.domain.status_lists import StatusList
from skillpass.issuer.domain.tenants import Tenant
from skillpass.issuer.service_layer.batch_work import BatchChunk
from skillpass.issuer.service_layer.ports import (
    Added,
    AddOutcome,
    AlreadyExistsError,
    ConflictError,
    Existing,
    NewCredential,
    PositionTaken,
    PublishedList,
)
from skillpass.platform.cloudevents import PendingEvent
from skillpass.platform.mongo import IndexDeclarations, MongoDatabase, ensure_indexes
from skillpass.platform.store import OutboxBatch
from skillpass.platform.store.mongo import MongoAggregateStore
from skillpass.platform.store.mongo_outbox import (
    OUTBOX_INDEX,
    outbox_fields,
    pending_batches,
    push_events,
    remove_published,
)
from skillpass.vc.status import StatusPurpose

Collection = AsyncCollection[dict[str, Any]]

TENANTS: Final = "tenants"
SEALED_KEYS: Final = "sealed_keys"
ACHIEVEMENTS: Final = "achievements"
PATHWAYS: Final = "pathways"
CREDENTIALS: Final = "credentials"
STATUS_LISTS: Final = "status_lists"
PUBLISHED_LISTS: Final = "published_status_lists"
BATCH_JOBS: Final = "batch_jobs"
BATCH_CHUNKS: Final = "batch_chunks"
HOLDINGS: Final = "pathway_holdings"
# Present only on a revoked / suspended credential (its list's id): building a status list reads
# those few documents through a sparse index, never every credential of the list (a scan of the
# whole collection on FerretDB, which answers a lone `$exists` from the index instead).
REVOKED_IN: Final = "revoked_in"
SUSPENDED_IN: Final = "suspended_in"
# Ids per `$in` query on chunks (a job of 100,000 rows has 400 chunks of 250).
ID_SLICE: Final = 500

INDEXES: Final[IndexDeclarations] = {
    ACHIEVEMENTS: [IndexModel([("tenant_id", ASCENDING)], name="by_tenant")],
    PATHWAYS: [
        IndexModel([("tenant_id", ASCENDING)], name="by_tenant"),
        IndexModel([("components", ASCENDING)], name="by_component"),
    ],
    CREDENTIALS: [
        # The status position claim: see the module docstring.
        IndexModel(
            [("list_id", ASCENDING), ("index", ASCENDING)], name="status_position", unique=True
        ),
        IndexModel([(REVOKED_IN, ASCENDING)], name="revoked", sparse=True),
        IndexModel([(SUSPENDED_IN, ASCENDING)], name="suspended", sparse=True),
        OUTBOX_INDEX,
    ],
    STATUS_LISTS: [
        IndexModel(
            [("tenant_id", ASCENDING), ("full", ASCENDING), ("created_at", DESCENDING)],
            name="current",
        )
    ],
    BATCH_JOBS: [IndexModel([("state", ASCENDING), ("created_at", ASCENDING)], name="unfinished")],
    HOLDINGS: list(MongoAggregateStore.INDEXES),
}


async def ensure_issuer_indexes(database: MongoDatabase) -> None:
    await ensure_indexes(database, INDEXES)


class MongoSealedKeyStorage:
    def __init__(self, database: MongoDatabase) -> None:
        self._collection: Collection = database[SEALED_KEYS]

    async def put(self, ref: str, sealed: bytes) -> None:
        try:
            await self._collection.insert_one({"_id": ref, "sealed": sealed})
        except DuplicateKeyError:
            raise AlreadyExistsError(ref) from None

    async def get(self, ref: str) -> bytes | None:
        doc = await self._collection.find_one({"_id": ref})
        return None if doc is None else bytes(doc["sealed"])


class MongoTenantRepository:
    def __init__(self, database: MongoDatabase) -> None:
        self._collection: Collection = database[TENANTS]

    async def add(self, tenant: Tenant) -> None:
        try:
            await self._collection.insert_one(d.tenant_to_doc(tenant))
        except DuplicateKeyError:
            raise AlreadyExistsError(tenant.id) from None

    async def get(self, tenant_id: str) -> Tenant | None:
        doc = await self._collection.find_one({"_id": tenant_id})
        return None if doc is None else d.tenant_from_doc(doc)

    async def save(self, tenant: Tenant) -> None:
        await self._collection.replace_one({"_id": tenant.id}, d.tenant_to_doc(tenant), upsert=True)

    async def list(self) -> list[Tenant]:
        return [d.tenant_from_doc(doc) async for doc in self._collection.find().sort("_id", 1)]


class MongoAchievementRepository:
    def __init__(self, database: MongoDatabase) -> None:
        self._collection: Collection = database[ACHIEVEMENTS]

    async def add(self, achievement: Achievement) -> None:
        try:
            await self._collection.insert_one(d.achievement_to_doc(achievement))
        except DuplicateKeyError:
            raise AlreadyExistsError(achievement.id) from None

    async def get(self, achievement_id: str) -> Achievement | None:
        doc = await self._collection.find_one({"_id": achievement_id})
        return None if doc is None else d.achievement_from_doc(doc)

    async def get_version(self, achievement_id: str, version: int) -> Achievement | None:
        doc = await self._collection.find_one({"_id": achievement_id})
        return None if doc is None else d.achievement_from_doc(doc, version)

    async def save_revision(self, achievement: Achievement) -> None:
        version = d.version_to_doc(achievement)
        result = await self._collection.update_one(
            {"_id": achievement.id, "version": achievement.version - 1},
            {"$set": version, "$push": {"versions": version}},
        )
        if result.matched_count != 1:
            raise ConflictError(achievement.id)

    async def list_for_tenant(self, tenant_id: str) -> list[Achievement]:
        cursor = self._collection.find({"tenant_id": tenant_id}).sort(
            [("created_at", 1), ("_id", 1)]
        )
        return [a async for doc in cursor if (a := d.achievement_from_doc(doc)) is not None]


class MongoPathwayRepository:
    def __init__(self, database: MongoDatabase) -> None:
        self._collection: Collection = database[PATHWAYS]

    async def add(self, pathway: Pathway) -> None:
        try:
            await self._collection.insert_one(d.pathway_to_doc(pathway))
        except DuplicateKeyError:
            raise AlreadyExistsError(pathway.id) from None

    async def get(self, pathway_id: str) -> Pathway | None:
        doc = await self._collection.find_one({"_id": pathway_id})
        return None if doc is None else d.pathway_from_doc(doc)

    async def list_for_tenant(self, tenant_id: str) -> list[Pathway]:
        cursor = self._collection.find({"tenant_id": tenant_id}).sort(
            [("created_at", 1), ("_id", 1)]
        )
        return [d.pathway_from_doc(doc) async for doc in cursor]

    async def with_component(self, achievement_id: str) -> list[Pathway]:
        cursor = self._collection.find({"components": achievement_id}).sort("_id", 1)
        return [d.pathway_from_doc(doc) async for doc in cursor]


def _status_markers(record: IssuedCredential) -> tuple[d.Document, d.Document]:
    """The markers to set and to unset for the record's status flags."""
    flags = {REVOKED_IN: record.revoked, SUSPENDED_IN: record.suspended}
    marked = {name: record.status.list_id for name, flag in flags.items() if flag}
    return marked, {name: "" for name, flag in flags.items() if not flag}


def _credential_doc(new: NewCredential) -> dict[str, Any]:
    marked, _ = _status_markers(new.record)
    return {**d.credential_to_doc(new.record), **marked, **outbox_fields(new.events)}


class MongoCredentialRepository:
    def __init__(self, database: MongoDatabase) -> None:
        self._collection: Collection = database[CREDENTIALS]

    async def add(self, new: NewCredential) -> AddOutcome:
        try:
            await self._collection.insert_one(_credential_doc(new))
        except DuplicateKeyError:
            return await self._why_not_added(new)
        return Added(new.record)

    async def add_many(self, new: Sequence[NewCredential]) -> list[AddOutcome]:
        if not new:
            return []
        outcomes: list[AddOutcome] = [Added(n.record) for n in new]
        try:
            await self._collection.insert_many([_credential_doc(n) for n in new], ordered=False)
        except BulkWriteError as exc:
            failed = []
            for error in exc.details.get("writeErrors", []):
                if error.get("code") != 11000:
                    raise
                failed.append(error["index"])
            # A duplicate id is an idempotent retry; any other duplicate is the status position.
            ids = [new[i].record.id for i in failed]
            cursor = self._collection.find({"_id": {"$in": ids}}, {"outbox": 0})
            found = {doc["_id"]: d.credential_from_doc(doc) async for doc in cursor}
            for i in failed:
                existing = found.get(new[i].record.id)
                outcomes[i] = PositionTaken() if existing is None else Existing(existing)
        return outcomes

    async def _why_not_added(self, new: NewCredential) -> AddOutcome:
        """A duplicate key: the credential id (an idempotent retry) or the status position."""
        existing = await self.get(new.record.id)
        return PositionTaken() if existing is None else Existing(existing)

    async def get(self, credential_id: str) -> IssuedCredential | None:
        doc = await self._collection.find_one({"_id": credential_id}, {"outbox": 0})
        return None if doc is None else d.credential_from_doc(doc)

    async def existing_ids(self, credential_ids: Sequence[str]) -> set[str]:
        cursor = self._collection.find({"_id": {"$in": list(credential_ids)}}, {"_id": 1})
        return {doc["_id"] async for doc in cursor}

    async def replace(
        self, before: IssuedCredential, after: IssuedCredential, events: Sequence[PendingEvent]
    ) -> None:
        doc = d.credential_to_doc(after)
        fields = {k: doc[k] for k in ("revoked", "suspended", "history", "revision")}
        marked, unmarked = _status_markers(after)
        update: d.Document = {"$set": {**fields, **marked}}
        if unmarked:
            update["$unset"] = unmarked
        update = push_events(update, events)
        result = await self._collection.update_one(
            {"_id": before.id, "revision": len(before.history)}, update
        )
        if result.matched_count != 1:
            raise ConflictError(before.id)

    async def taken_positions(self, list_id: str) -> set[int]:
        cursor = self._collection.find({"list_id": list_id}, {"index": 1, "_id": 0})
        return {doc["index"] async for doc in cursor}

    async def count_in_list(self, list_id: str) -> int:
        return await self._collection.count_documents({"list_id": list_id})

    async def set_positions(self, list_id: str, purpose: StatusPurpose) -> set[int]:
        marker = REVOKED_IN if purpose is StatusPurpose.REVOCATION else SUSPENDED_IN
        cursor = self._collection.find({marker: {"$exists": True}}, {marker: 1, "index": 1})
        return {doc["index"] async for doc in cursor if doc[marker] == list_id}

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        return await pending_batches(self._collection, limit=limit)

    async def remove(self, batch: OutboxBatch) -> None:
        await remove_published(self._collection, batch)


class MongoStatusListRepository:
    def __init__(self, database: MongoDatabase) -> None:
        self._lists: Collection = database[STATUS_LISTS]
        self._published: Collection = database[PUBLISHED_LISTS]

    async def current(self, tenant_id: str) -> StatusList | None:
        cursor = (
            self._lists.find({"tenant_id": tenant_id, "full": False})
            .sort([("created_at", -1), ("_id", -1)])
            .limit(1)
        )
        async for doc in cursor:
            return d.status_list_from_doc(doc)
        return None

    async def add(self, status_list: StatusList) -> None:
        try:
            await self._lists.insert_one(d.status_list_to_doc(status_list))
        except DuplicateKeyError:
            raise AlreadyExistsError(status_list.id) from None

    async def get(self, list_id: str) -> StatusList | None:
        doc = await self._lists.find_one({"_id": list_id})
        return None if doc is None else d.status_list_from_doc(doc)

    async def mark_full(self, list_id: str) -> None:
        await self._lists.update_one({"_id": list_id}, {"$set": {"full": True}})

    async def published(self, list_id: str, purpose: StatusPurpose) -> PublishedList | None:
        doc = await self._published.find_one({"_id": d.published_id(list_id, purpose)})
        return None if doc is None else d.published_from_doc(doc)

    async def publish(self, published: PublishedList) -> None:
        doc = d.published_to_doc(published)
        await self._published.replace_one({"_id": doc["_id"]}, doc, upsert=True)


class MongoBatchJobRepository:
    """Jobs in ``batch_jobs``, their rows in ``batch_chunks`` (one document per chunk, claimed
    with ``find_one_and_update``: one write decides which worker holds it).

    A job records how many chunks it has, and chunk ids follow from the job's id and the chunk's
    number, so every chunk access is by ``_id``: a query on other fields reads the whole
    collection on FerretDB (every chunk of every job), inside its write lock for a claim. Each
    process claims forward from the chunk after its last claim, then wraps around (chunks given
    back or whose lease ran out). A done chunk drops its rows."""

    def __init__(self, database: MongoDatabase) -> None:
        self._jobs: Collection = database[BATCH_JOBS]
        self._chunks: Collection = database[BATCH_CHUNKS]
        self._next: dict[str, int] = {}  # per job: the chunk number this process tries first

    async def add(self, job: BatchJob, chunks: Sequence[BatchChunk]) -> bool:
        if chunks:
            try:
                await self._chunks.insert_many([d.chunk_to_doc(c) for c in chunks], ordered=False)
            except BulkWriteError as exc:
                # Chunks left by an earlier attempt at this job (same ids) stay as they are.
                if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                    raise
        try:
            await self._jobs.insert_one({**d.job_to_doc(job), "chunks": len(chunks)})
        except DuplicateKeyError:
            return False
        return True

    async def _chunk_ids(self, job_id: str) -> list[str] | None:
        """The job's chunk ids in number order; None when the job is not stored."""
        doc = await self._jobs.find_one({"_id": job_id}, {"chunks": 1})
        return None if doc is None else await self._ids_of(doc)

    async def _ids_of(self, job: d.Document) -> list[str]:
        if "chunks" in job:
            return [chunk_id(job["_id"], n) for n in range(job["chunks"])]
        # A job stored before jobs counted their chunks: look them up (a scan on FerretDB).
        cursor = self._chunks.find({"job_id": job["_id"]}, {"_id": 1})
        return sorted([c["_id"] async for c in cursor])

    async def _chunk_docs(
        self, ids: Sequence[str], query: d.Document, projection: d.Document, *, limit: int = 0
    ) -> list[d.Document]:
        found: list[d.Document] = []
        for start in range(0, len(ids), ID_SLICE):
            cursor = self._chunks.find(
                {"_id": {"$in": list(ids[start : start + ID_SLICE])}, **query},
                projection,
                limit=max(limit - len(found), 0),
            )
            found.extend([doc async for doc in cursor])
            if limit and len(found) >= limit:
                break
        return found

    async def get(self, job_id: str) -> BatchJob | None:
        doc = await self._jobs.find_one({"_id": job_id})
        if doc is None:
            return None
        chunks = await self._chunk_docs(
            await self._ids_of(doc),
            {"state": ChunkState.DONE.value},
            {"results": 1, "errors": 1, "state": 1},
        )
        return d.job_from_doc(doc, chunks)

    async def unfinished(self) -> list[str]:
        cursor = self._jobs.find({"state": {"$ne": JobState.COMPLETED.value}}, {"_id": 1}).sort(
            [("created_at", ASCENDING), ("_id", ASCENDING)]
        )
        return [doc["_id"] async for doc in cursor]

    async def claim(
        self, job_id: str, *, worker: str, now: datetime, until: datetime
    ) -> BatchChunk | None:
        ids = await self._chunk_ids(job_id)
        if not ids:
            return None
        first = self._next.get(job_id, 0) % len(ids)
        claimable = {
            "$or": [
                {"state": ChunkState.PENDING.value},
                {"state": ChunkState.CLAIMED.value, "lease_until": {"$lt": d.iso(now)}},
            ]
        }
        lease = {"state": ChunkState.CLAIMED.value, "worker": worker, "lease_until": d.iso(until)}
        # The next chunk is usually free; if not, read which are (reads take no write lock) and
        # try those, in order from there.
        number = first
        doc = await self._try_claim(ids[first], claimable, lease)
        if doc is None:
            free = {c["_id"] for c in await self._chunk_docs(ids, claimable, {"_id": 1})}
            for number in [n for n in [*range(first, len(ids)), *range(first)] if ids[n] in free]:
                if (doc := await self._try_claim(ids[number], claimable, lease)) is not None:
                    break
        if doc is None:
            return None
        self._next[job_id] = number + 1
        await self._jobs.update_one(
            {"_id": job_id, "state": JobState.PENDING.value},
            {"$set": {"state": JobState.RUNNING.value}},
        )
        return d.chunk_from_doc(doc)

    async def _try_claim(
        self, chunk: str, claimable: d.Document, lease: d.Document
    ) -> d.Document | None:
        found: d.Document | None = await self._chunks.find_one_and_update(
            {"_id": chunk, **claimable}, {"$set": lease}, return_document=ReturnDocument.AFTER
        )
        return found

    async def renew(self, chunk_id: str, *, worker: str, until: datetime) -> bool:
        result = await self._chunks.update_one(
            {"_id": chunk_id, "state": ChunkState.CLAIMED.value, "worker": worker},
            {"$set": {"lease_until": d.iso(until)}},
        )
        return result.matched_count == 1

    async def release(self, chunk_id: str, *, worker: str) -> None:
        await self._chunks.update_one(
            {"_id": chunk_id, "state": ChunkState.CLAIMED.value, "worker": worker},
            {"$set": {"state": ChunkState.PENDING.value, "worker": None, "lease_until": None}},
        )

    async def finish(
        self, chunk_id: str, results: Sequence[RowResult], errors: Sequence[RowError]
    ) -> None:
        await self._chunks.update_one(
            {"_id": chunk_id},
            {
                "$set": {
                    "state": ChunkState.DONE.value,
                    "results": [d.row_result_to_doc(r) for r in results],
                    "errors": [d.row_error_to_doc(e) for e in errors],
                    "lease_until": None,
                },
                "$unset": {"rows": ""},
            },
        )

    async def complete_if_done(self, job_id: str, now: datetime) -> bool:
        ids = await self._chunk_ids(job_id)
        if ids is None:
            return False
        undone = {"state": {"$ne": ChunkState.DONE.value}}
        if await self._chunk_docs(ids, undone, {"_id": 1}, limit=1):
            return False
        await self._jobs.update_one(
            {"_id": job_id, "state": {"$ne": JobState.COMPLETED.value}},
            {"$set": {"state": JobState.COMPLETED.value, "finished_at": d.iso(now)}},
        )
        self._next.pop(job_id, None)
        return True


def mongo_holdings(database: MongoDatabase) -> AggregateHoldingsRepository:
    return AggregateHoldingsRepository(MongoAggregateStore(database[HOLDINGS]))
