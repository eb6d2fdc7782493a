"""A batch job's rows as they are stored until issued: chunks that issuer processes claim.

Rows are stored *prepared*: the recipient is already reduced to the credential's salted hash and
the issuer's recipient pseudonym (``SubjectIdentity``), so no email or learner id waits in clear
in the database; a row that could not be parsed is stored as its error.
"""

from __future__ import annotations

from dataclasses import dataclass

from skillpass.issuer.domain.batches import RowError
from skillpass.issuer.domain.credentials import Suite
from skillpass.issuer.domain.recipients import SubjectIdentity
from skillpass.issuer.service_layer.commands import IssueRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class PreparedRow:
    row: int
    request: IssueRequest  # with recipient None: ``subject`` replaces it
    subject: SubjectIdentity


BatchRow = PreparedRow | RowError


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchChunk:
    id: str  # domain.batches.chunk_id(job_id, number)
    job_id: str
    tenant_id: str
    suite: Suite
    number: int
    rows: tuple[BatchRow, ...]
