"""Batch issuing jobs: progress and per-row outcomes (a bad row never stops the batch).

A job's rows are stored in *chunks* (a few hundred rows each) next to the job, so any issuer
process can claim a chunk, issue it and record its outcomes; a process that dies holding a chunk
only holds it until its lease runs out. Credential ids are fixed per (job, row), so a chunk run
twice finds its credentials already stored and issues nothing again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from skillpass.issuer.domain.credentials import Suite

# Namespace of the deterministic credential id of each batch row: re-running a job (or retrying
# its submission with the same idempotency key) can only hit the same credentials.
ROW_NAMESPACE: Final = uuid.UUID("0b5f3a7e-9e0c-4d59-8f39-2a1c8de6b0c4")
JOB_NAMESPACE: Final = uuid.UUID("e0a0c7d2-53a4-4c1b-9a2b-7a3fa7d9c2b6")


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"


class ChunkState(StrEnum):
    PENDING = "pending"  # waiting for a worker
    CLAIMED = "claimed"  # a worker holds it until its lease runs out
    DONE = "done"  # every row has its outcome


@dataclass(frozen=True, slots=True, kw_only=True)
class RowError:
    row: int
    code: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RowResult:
    row: int
    credential_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchJob:
    id: str
    tenant_id: str
    total: int
    created_at: datetime
    suite: Suite = Suite.EDDSA_RDFC_2022
    state: JobState = JobState.PENDING
    errors: tuple[RowError, ...] = ()
    results: tuple[RowResult, ...] = field(default=())
    finished_at: datetime | None = None

    @property
    def processed(self) -> int:
        return len(self.errors) + len(self.results)

    def with_outcomes(self, results: Sequence[RowResult], errors: Sequence[RowError]) -> BatchJob:
        """The job reporting these row outcomes (in row order)."""
        return replace(
            self,
            results=tuple(sorted(results, key=lambda r: r.row)),
            errors=tuple(sorted(errors, key=lambda e: e.row)),
        )


def chunk_id(job_id: str, number: int) -> str:
    return f"{job_id}:{number:06d}"


def chunk_bounds(total: int, size: int) -> list[range]:
    """The row numbers of each chunk of a job of ``total`` rows."""
    if size < 1:
        raise ValueError("a chunk holds at least one row")
    return [range(start, min(start + size, total)) for start in range(0, total, size)]


def row_credential_uuid(job_id: str, row: int) -> str:
    return str(uuid.uuid5(ROW_NAMESPACE, f"{job_id}\n{row}"))


def job_uuid(tenant_id: str, idempotency_key: str) -> str:
    return str(uuid.uuid5(JOB_NAMESPACE, f"{tenant_id}\n{idempotency_key}"))
