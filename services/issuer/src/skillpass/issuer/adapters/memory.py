"""In-memory twins of every repository (the embedded run mode and fast tests).

They keep the stored *documents* (``adapters/documents.py``), like the MongoDB adapters, so both
exercise the same mapping; and every method runs without awaiting in the middle, so each call is
atomic on the event loop the way a single-document write is in MongoDB. Both pass
``tests/contract/``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from skillpass.issuer.adapters import documents as d
from skillpass.issuer.adapters.holdings import AggregateHoldingsRepository
from skillpass.issuer.domain.achievements import Achievement
from skillpass.issuer.domain.batches import BatchJob, ChunkState, JobState, RowError, RowResult
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
from skillpass.platform.store import OutboxBatch
from skillpass.platform.store.memory import MemoryAggregateStore
from skillpass.vc.status import StatusPurpose


class MemorySealedKeyStorage:
    def __init__(self) -> None:
        self._sealed: dict[str, bytes] = {}

    async def put(self, ref: str, sealed: bytes) -> None:
        if ref in self._sealed:
            raise AlreadyExistsError(ref)
        self._sealed[ref] = bytes(sealed)

    async def get(self, ref: str) -> bytes | None:
        return self._sealed.get(ref)


class MemoryTenantRepository:
    def __init__(self) -> None:
        self._docs: dict[str, d.Document] = {}

    async def add(self, tenant: Tenant) -> None:
        if tenant.id in self._docs:
            raise AlreadyExistsError(tenant.id)
        self._docs[tenant.id] = d.tenant_to_doc(tenant)

    async def get(self, tenant_id: str) -> Tenant | None:
        doc = self._docs.get(tenant_id)
        return None if doc is None else d.tenant_from_doc(doc)

    async def save(self, tenant: Tenant) -> None:
        self._docs[tenant.id] = d.tenant_to_doc(tenant)

    async def list(self) -> list[Tenant]:
        return [d.tenant_from_doc(doc) for _, doc in sorted(self._docs.items())]


class MemoryAchievementRepository:
    def __init__(self) -> None:
        self._docs: dict[str, d.Document] = {}

    async def add(self, achievement: Achievement) -> None:
        if achievement.id in self._docs:
            raise AlreadyExistsError(achievement.id)
        self._docs[achievement.id] = d.achievement_to_doc(achievement)

    async def get(self, achievement_id: str) -> Achievement | None:
        doc = self._docs.get(achievement_id)
        return None if doc is None else d.achievement_from_doc(doc)

    async def get_version(self, achievement_id: str, version: int) -> Achievement | None:
        doc = self._docs.get(achievement_id)
        return None if doc is None else d.achievement_from_doc(doc, version)

    async def save_revision(self, achievement: Achievement) -> None:
        doc = self._docs.get(achievement.id)
        if doc is None or doc["version"] != achievement.version - 1:
            raise ConflictError(achievement.id)
        version = d.version_to_doc(achievement)
        self._docs[achievement.id] = {**doc, **version, "versions": [*doc["versions"], version]}

    async def list_for_tenant(self, tenant_id: str) -> list[Achievement]:
        found = [d.achievement_from_doc(doc) for doc in self._docs.values()]
        return sorted(
            (a for a in found if a is not None and a.tenant_id == tenant_id),
            key=lambda a: (a.created_at, a.id),
        )


class MemoryPathwayRepository:
    def __init__(self) -> None:
        self._docs: dict[str, d.Document] = {}

    async def add(self, pathway: Pathway) -> None:
        if pathway.id in self._docs:
            raise AlreadyExistsError(pathway.id)
        self._docs[pathway.id] = d.pathway_to_doc(pathway)

    async def get(self, pathway_id: str) -> Pathway | None:
        doc = self._docs.get(pathway_id)
        return None if doc is None else d.pathway_from_doc(doc)

    async def list_for_tenant(self, tenant_id: str) -> list[Pathway]:
        found = [d.pathway_from_doc(doc) for doc in self._docs.values()]
        return sorted(
            (p for p in found if p.tenant_id == tenant_id), key=lambda p: (p.created_at, p.id)
        )

    async def with_component(self, achievement_id: str) -> list[Pathway]:
        return sorted(
            (
                d.pathway_from_doc(doc)
                for doc in self._docs.values()
                if achievement_id in doc["components"]
            ),
            key=lambda p: p.id,
        )


@dataclass(slots=True)
class _StoredCredential:
    doc: d.Document
    outbox: list[PendingEvent] = field(default_factory=list)


class MemoryCredentialRepository:
    def __init__(self) -> None:
        self._stored: dict[str, _StoredCredential] = {}
        self._positions: dict[tuple[str, int], str] = {}

    async def add(self, new: NewCredential) -> AddOutcome:
        existing = self._stored.get(new.record.id)
        if existing is not None:
            return Existing(d.credential_from_doc(existing.doc))
        position = (new.record.status.list_id, new.record.status.index)
        if position in self._positions:
            return PositionTaken()
        self._stored[new.record.id] = _StoredCredential(
            doc=d.credential_to_doc(new.record), outbox=list(new.events)
        )
        self._positions[position] = new.record.id
        return Added(new.record)

    async def add_many(self, new: Sequence[NewCredential]) -> list[AddOutcome]:
        return [await self.add(n) for n in new]

    async def get(self, credential_id: str) -> IssuedCredential | None:
        stored = self._stored.get(credential_id)
        return None if stored is None else d.credential_from_doc(stored.doc)

    async def existing_ids(self, credential_ids: Sequence[str]) -> set[str]:
        return {i for i in credential_ids if i in self._stored}

    async def replace(
        self, before: IssuedCredential, after: IssuedCredential, events: Sequence[PendingEvent]
    ) -> None:
        stored = self._stored.get(before.id)
        if stored is None or stored.doc["revision"] != len(before.history):
            raise ConflictError(before.id)
        stored.doc = d.credential_to_doc(after)
        stored.outbox.extend(events)

    async def taken_positions(self, list_id: str) -> set[int]:
        return {index for (lid, index) in self._positions if lid == list_id}

    async def count_in_list(self, list_id: str) -> int:
        return sum(1 for (lid, _) in self._positions if lid == list_id)

    async def set_positions(self, list_id: str, purpose: StatusPurpose) -> set[int]:
        flag = "revoked" if purpose is StatusPurpose.REVOCATION else "suspended"
        return {
            s.doc["index"]
            for s in self._stored.values()
            if s.doc["list_id"] == list_id and s.doc[flag]
        }

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        batches = [
            OutboxBatch(document_id=cid, events=tuple(s.outbox))
            for cid, s in self._stored.items()
            if s.outbox
        ]
        return batches[:limit]

    async def remove(self, batch: OutboxBatch) -> None:
        stored = self._stored.get(batch.document_id)
        if stored is not None:
            done = {p.event.id for p in batch.events}
            stored.outbox = [p for p in stored.outbox if p.event.id not in done]


class MemoryStatusListRepository:
    def __init__(self) -> None:
        self._lists: dict[str, d.Document] = {}
        self._published: dict[str, d.Document] = {}

    async def current(self, tenant_id: str) -> StatusList | None:
        candidates = [
            doc for doc in self._lists.values() if doc["tenant_id"] == tenant_id and not doc["full"]
        ]
        if not candidates:
            return None
        return d.status_list_from_doc(
            max(candidates, key=lambda doc: (doc["created_at"], doc["_id"]))
        )

    async def add(self, status_list: StatusList) -> None:
        if status_list.id in self._lists:
            raise AlreadyExistsError(status_list.id)
        self._lists[status_list.id] = d.status_list_to_doc(status_list)

    async def get(self, list_id: str) -> StatusList | None:
        doc = self._lists.get(list_id)
        return None if doc is None else d.status_list_from_doc(doc)

    async def mark_full(self, list_id: str) -> None:
        if list_id in self._lists:
            self._lists[list_id] = {**self._lists[list_id], "full": True}

    async def published(self, list_id: str, purpose: StatusPurpose) -> PublishedList | None:
        doc = self._published.get(d.published_id(list_id, purpose))
        return None if doc is None else d.published_from_doc(doc)

    async def publish(self, published: PublishedList) -> None:
        doc = d.published_to_doc(published)
        self._published[doc["_id"]] = doc


class MemoryBatchJobRepository:
    def __init__(self) -> None:
        self._jobs: dict[str, d.Document] = {}
        self._chunks: dict[str, d.Document] = {}  # insertion order: by job, then number

    async def add(self, job: BatchJob, chunks: Sequence[BatchChunk]) -> bool:
        for chunk in chunks:
            self._chunks.setdefault(chunk.id, d.chunk_to_doc(chunk))
        if job.id in self._jobs:
            return False
        self._jobs[job.id] = d.job_to_doc(job)
        return True

    def _of(self, job_id: str) -> list[d.Document]:
        return sorted(
            (c for c in self._chunks.values() if c["job_id"] == job_id), key=lambda c: c["number"]
        )

    async def get(self, job_id: str) -> BatchJob | None:
        doc = self._jobs.get(job_id)
        if doc is None:
            return None
        return d.job_from_doc(copy.deepcopy(doc), copy.deepcopy(self._of(job_id)))

    async def unfinished(self) -> list[str]:
        jobs = [j for j in self._jobs.values() if j["state"] != JobState.COMPLETED.value]
        return [j["_id"] for j in sorted(jobs, key=lambda j: (j["created_at"], j["_id"]))]

    async def claim(
        self, job_id: str, *, worker: str, now: datetime, until: datetime
    ) -> BatchChunk | None:
        for chunk in self._of(job_id):
            expired = chunk["state"] == ChunkState.CLAIMED.value and chunk["lease_until"] < d.iso(
                now
            )
            if chunk["state"] == ChunkState.PENDING.value or expired:
                chunk.update(
                    state=ChunkState.CLAIMED.value, worker=worker, lease_until=d.iso(until)
                )
                job = self._jobs[job_id]
                if job["state"] == JobState.PENDING.value:
                    job["state"] = JobState.RUNNING.value
                return d.chunk_from_doc(copy.deepcopy(chunk))
        return None

    def _held(self, chunk_id: str, worker: str) -> d.Document | None:
        chunk = self._chunks.get(chunk_id)
        if chunk is None or chunk["state"] != ChunkState.CLAIMED.value:
            return None
        return chunk if chunk["worker"] == worker else None

    async def renew(self, chunk_id: str, *, worker: str, until: datetime) -> bool:
        chunk = self._held(chunk_id, worker)
        if chunk is not None:
            chunk["lease_until"] = d.iso(until)
        return chunk is not None

    async def release(self, chunk_id: str, *, worker: str) -> None:
        chunk = self._held(chunk_id, worker)
        if chunk is not None:
            chunk.update(state=ChunkState.PENDING.value, worker=None, lease_until=None)

    async def finish(
        self, chunk_id: str, results: Sequence[RowResult], errors: Sequence[RowError]
    ) -> None:
        self._chunks[chunk_id].update(
            state=ChunkState.DONE.value,
            results=[d.row_result_to_doc(r) for r in results],
            errors=[d.row_error_to_doc(e) for e in errors],
            lease_until=None,
        )

    async def complete_if_done(self, job_id: str, now: datetime) -> bool:
        if any(c["state"] != ChunkState.DONE.value for c in self._of(job_id)):
            return False
        job = self._jobs[job_id]
        if job["state"] != JobState.COMPLETED.value:
            job.update(state=JobState.COMPLETED.value, finished_at=d.iso(now))
        return True


def memory_holdings() -> AggregateHoldingsRepository:
    return AggregateHoldingsRepository(MemoryAggregateStore())
