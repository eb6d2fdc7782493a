"""The verification log's entity: what was verified, by whom, and every check's outcome.

A report keeps identifiers and outcomes, never the credential itself (a log of who showed which
diploma to whom would be a privacy problem of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from skillpass.vc.result import Check, Outcome, VerificationResult


class Kind(StrEnum):
    CREDENTIAL = "credential"
    PRESENTATION = "presentation"


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialReport:
    """One credential's checks (for a presentation: each embedded credential's)."""

    credential_id: str | None
    issuer: str | None
    result: VerificationResult

    @property
    def verified(self) -> bool:
        return self.result.verified


@dataclass(frozen=True, slots=True, kw_only=True)
class Requester:
    """Who asked: a tenant and subject from a verified token, or nobody (the public endpoint)."""

    subject: str | None = None
    tenant: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationReport:
    id: str
    kind: Kind
    completed_at: datetime
    requester: Requester
    credentials: tuple[CredentialReport, ...]
    # The presentation's own checks (proof, holder_binding, challenge, domain); None for a
    # credential, or for a presentation submitted without a proof.
    presentation: VerificationResult | None = None

    @property
    def verified(self) -> bool:
        if self.presentation is not None and not self.presentation.verified:
            return False
        if self.presentation is None and not self.credentials:
            return False  # nothing was verified
        return all(c.verified for c in self.credentials)

    def all_checks(self) -> list[tuple[str | None, Check]]:
        """Every check with where it belongs (None: the presentation, else a credential index)."""
        found: list[tuple[str | None, Check]] = []
        if self.presentation is not None:
            found.extend((None, c) for c in self.presentation.checks)
        for index, credential in enumerate(self.credentials):
            scope = str(index) if self.kind is Kind.PRESENTATION else None
            found.extend((scope, c) for c in credential.result.checks)
        return found

    def failures(self) -> list[tuple[str | None, Check]]:
        return [
            (s, c) for s, c in self.all_checks() if c.outcome in (Outcome.FAILED, Outcome.ERROR)
        ]

    def warnings(self) -> list[str]:
        found = list(self.presentation.warnings) if self.presentation is not None else []
        for index, credential in enumerate(self.credentials):
            prefix = f"credential {index}: " if self.kind is Kind.PRESENTATION else ""
            found.extend(prefix + w for w in credential.result.warnings)
        return found

    def issuers(self) -> list[str]:
        return sorted({c.issuer for c in self.credentials if c.issuer is not None})
