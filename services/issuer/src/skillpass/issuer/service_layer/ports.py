"""Ports: what the handlers need from the outside world. Each has an in-memory twin in
``adapters/memory.py`` and a MongoDB adapter in ``adapters/mongo.py`` that pass one contract suite
(``tests/contract/``), except the clock, ids, randomness and the signer executor (adapters in
``adapters/system.py`` and ``adapters/signing.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from skillpass.issuer.domain.achievements import Achievement
from skillpass.issuer.domain.batches import BatchJob, RowError, RowResult
from skillpass.issuer.domain.credentials import IssuedCredential, Suite
from skillpass.issuer.domain.pathways import Pathway, RecipientHoldings
from skillpass.issuer.domain.status_lists import StatusList
from skillpass.issuer.domain.tenants import Tenant
from skillpass.issuer.service_layer.batch_work import BatchChunk
from skillpass.platform.cloudevents import PendingEvent
from skillpass.platform.store import OutboxSource
from skillpass.vc.keys import SigningKey
from skillpass.vc.status import StatusPurpose


class AlreadyExistsError(Exception):
    """An insert whose id (or unique key) is taken."""


class ConflictError(Exception):
    """An optimistic write lost to a concurrent one; reload and retry."""


# ------------------------------------------------------------------------------ system


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A fresh UUID (text)."""


class Rng(Protocol):
    """Randomness: status list positions, salts, key seeds. ``random.SystemRandom()`` in
    production; a seeded ``random.Random`` in tests."""

    def randrange(self, stop: int, /) -> int: ...

    def randbytes(self, n: int, /) -> bytes: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SignFailure:
    code: str
    detail: str


SignOutcome = dict[str, Any] | SignFailure


class SignerExecutor(Protocol):
    """Signs credentials (CPU-bound): inline in tests, in worker processes in production."""

    async def sign(
        self,
        credentials: Sequence[Mapping[str, Any]],
        *,
        key: SigningKey,
        verification_method: str,
        suite: Suite,
        created: datetime,
    ) -> list[SignOutcome]:
        """One outcome per credential, in order; a credential that cannot be signed is a
        :class:`SignFailure`, never an exception that loses the others."""


class KeyVault(Protocol):
    """Signing keys, encrypted at rest. ``ref`` is ``<tenant id>#<public key multibase>``."""

    async def put(self, ref: str, key: SigningKey) -> None:
        """Store a new key; raises :class:`AlreadyExistsError` if ``ref`` is taken."""

    async def get(self, ref: str) -> SigningKey | None: ...


class SealedKeyStorage(Protocol):
    """Where the vault keeps ciphertexts (it never sees a clear key)."""

    async def put(self, ref: str, sealed: bytes) -> None: ...

    async def get(self, ref: str) -> bytes | None: ...


# ------------------------------------------------------------------------ repositories


class TenantRepository(Protocol):
    async def add(self, tenant: Tenant) -> None:
        """Raises :class:`AlreadyExistsError` when the slug is taken."""

    async def get(self, tenant_id: str) -> Tenant | None: ...

    async def save(self, tenant: Tenant) -> None: ...

    async def list(self) -> list[Tenant]: ...


class AchievementRepository(Protocol):
    async def add(self, achievement: Achievement) -> None: ...

    async def get(self, achievement_id: str) -> Achievement | None:
        """The latest version."""

    async def get_version(self, achievement_id: str, version: int) -> Achievement | None: ...

    async def save_revision(self, achievement: Achievement) -> None:
        """Store ``achievement`` (version n+1) if the stored latest is still version n; else
        :class:`ConflictError`. Earlier versions stay readable."""

    async def list_for_tenant(self, tenant_id: str) -> list[Achievement]: ...


class PathwayRepository(Protocol):
    async def add(self, pathway: Pathway) -> None: ...

    async def get(self, pathway_id: str) -> Pathway | None: ...

    async def list_for_tenant(self, tenant_id: str) -> list[Pathway]: ...

    async def with_component(self, achievement_id: str) -> list[Pathway]:
        """Pathways that list ``achievement_id`` among their components."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCredential:
    record: IssuedCredential
    events: Sequence[PendingEvent]


class AddOutcome:
    """How an insert of a credential ended."""


@dataclass(frozen=True, slots=True)
class Added(AddOutcome):
    record: IssuedCredential


@dataclass(frozen=True, slots=True)
class Existing(AddOutcome):
    """The id was taken: an idempotent retry (or a race with one)."""

    record: IssuedCredential


@dataclass(frozen=True, slots=True)
class PositionTaken(AddOutcome):
    """Another credential holds this status list position: allocate again."""


class CredentialRepository(OutboxSource, Protocol):
    """Issued credentials and their outbox. The credential, its status list position and its
    events are one document written once; the position is unique per list."""

    async def add(self, new: NewCredential) -> AddOutcome: ...

    async def add_many(self, new: Sequence[NewCredential]) -> list[AddOutcome]:
        """Like :meth:`add` for each, in order (one round trip where the store allows)."""

    async def get(self, credential_id: str) -> IssuedCredential | None: ...

    async def existing_ids(self, credential_ids: Sequence[str]) -> set[str]:
        """Which of these credentials exist (one round trip)."""

    async def replace(
        self, before: IssuedCredential, after: IssuedCredential, events: Sequence[PendingEvent]
    ) -> None:
        """Write ``after`` and its events in one write if the stored record is still ``before``
        (same status history); else :class:`ConflictError`."""

    async def taken_positions(self, list_id: str) -> set[int]: ...

    async def count_in_list(self, list_id: str) -> int: ...

    async def set_positions(self, list_id: str, purpose: StatusPurpose) -> set[int]:
        """Positions whose bit is set (revoked, or currently suspended) in the list."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedList:
    """A signed status list credential and the bitstring it encodes (to know when to re-sign)."""

    list_id: str
    purpose: StatusPurpose
    encoded_list: str
    credential: Mapping[str, Any]
    etag: str
    signed_at: datetime


class StatusListRepository(Protocol):
    async def current(self, tenant_id: str) -> StatusList | None:
        """The tenant's newest list that is not full."""

    async def add(self, status_list: StatusList) -> None: ...

    async def get(self, list_id: str) -> StatusList | None: ...

    async def mark_full(self, list_id: str) -> None: ...

    async def published(self, list_id: str, purpose: StatusPurpose) -> PublishedList | None: ...

    async def publish(self, published: PublishedList) -> None: ...


class BatchJobRepository(Protocol):
    """Jobs and their row chunks. A chunk is claimed with a lease (a worker that dies releases
    it by letting the lease run out); its outcomes are stored with it; the job is complete when
    every chunk is done. Only chunks of a stored job are ever claimed."""

    async def add(self, job: BatchJob, chunks: Sequence[BatchChunk]) -> bool:
        """Store the chunks, then the job (the write that makes them claimable). False, and the
        job is left as it was, when a job with this id exists (its chunks stay the first ones)."""

    async def get(self, job_id: str) -> BatchJob | None:
        """The job with the outcomes of its done chunks."""

    async def unfinished(self) -> list[str]:
        """Ids of the jobs not yet complete, oldest first."""

    async def claim(
        self, job_id: str, *, worker: str, now: datetime, until: datetime
    ) -> BatchChunk | None:
        """Atomically take a chunk of the job that is pending or whose lease ran out before
        ``now``, leased to ``worker`` until ``until``; None when there is none."""

    async def renew(self, chunk_id: str, *, worker: str, until: datetime) -> bool:
        """Extend the lease; False when the chunk is no longer this worker's."""

    async def release(self, chunk_id: str, *, worker: str) -> None:
        """Give a claimed chunk back (a worker stopping), unless it is done or taken over."""

    async def finish(
        self, chunk_id: str, results: Sequence[RowResult], errors: Sequence[RowError]
    ) -> None:
        """Record the chunk's outcomes and mark it done (again: the same outcomes, ids being
        fixed per row)."""

    async def complete_if_done(self, job_id: str, now: datetime) -> bool:
        """Mark the job complete when no chunk of it is left undone; whether it is complete."""


HoldingsChange = Callable[[RecipientHoldings], RecipientHoldings]


class HoldingsRepository(Protocol):
    """Per-recipient pathway holdings, fed by credential events (inbox-idempotent)."""

    async def get(self, recipient_key: str) -> RecipientHoldings | None: ...

    async def apply(self, recipient_key: str, change: HoldingsChange, *, event_id: str) -> bool:
        """Apply ``change`` and record ``event_id`` in one write; False (nothing written) when
        the event was already applied."""
