"""Batch issuing jobs: progress and per-row outcomes (a bad row never stops the batch)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

# Namespace of the deterministic credential id of each batch row: re-running a job (or retrying
# its submission with the same idempotency key) can only hit the same credentials.
ROW_NAMESPACE: Final = uuid.UUID("0b5f3a7e-9e0c-4d59-8f39-2a1c8de6b0c4")
JOB_NAMESPACE: Final = uuid.UUID("e0a0c7d2-53a4-4c1b-9a2b-7a3fa7d9c2b6")


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"


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
    state: JobState = JobState.PENDING
    errors: tuple[RowError, ...] = ()
    results: tuple[RowResult, ...] = field(default=())
    finished_at: datetime | None = None

    @property
    def processed(self) -> int:
        return len(self.errors) + len(self.results)

    def progressed(self, results: Sequence[RowResult], errors: Sequence[RowError]) -> BatchJob:
        return replace(
            self,
            state=JobState.RUNNING,
            results=(*self.results, *results),
            errors=(*self.errors, *errors),
        )

    def completed(self, now: datetime) -> BatchJob:
        return replace(self, state=JobState.COMPLETED, finished_at=now)


def row_credential_uuid(job_id: str, row: int) -> str:
    return str(uuid.uuid5(ROW_NAMESPACE, f"{job_id}\n{row}"))


def job_uuid(tenant_id: str, idempotency_key: str) -> str:
    return str(uuid.uuid5(JOB_NAMESPACE, f"{tenant_id}\n{idempotency_key}"))
