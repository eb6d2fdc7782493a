"""What a caller asks for: which registries count, whether registration or a challenge is
required, and which checks they want (a check they did not ask for is reported as skipped)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from skillpass.vc.result import Check, Outcome
from skillpass.verifier.domain.trust import GLOBAL_SCOPE, TrustPolicy

# Every check name a report may hold; the ones after ``trust`` are presentation-only.
CHECK_NAMES: Final = frozenset(
    {
        "proof",
        "context",
        "data_model",
        "schema",
        "validity_period",
        "issuer_binding",
        "status.revocation",
        "status.suspension",
        "status",
        "trust",
        "holder_binding",
        "subject_binding",
        "challenge",
        "domain",
    }
)
# Names other VC-API implementations use for the same checks.
CHECK_ALIASES: Final = {
    "status": ("status", "status.revocation", "status.suspension"),
    "credentialStatus": ("status", "status.revocation", "status.suspension"),
    "expiration": ("validity_period",),
    "validity": ("validity_period",),
    "issuer": ("trust",),
}
# A proof is never optional: without it nothing else means anything.
ALWAYS_CHECKED: Final = frozenset({"proof"})


class UnknownCheckError(ValueError):
    """A requested check name that no check answers to."""


def requested_checks(names: Iterable[str]) -> frozenset[str]:
    expanded: set[str] = set(ALWAYS_CHECKED)
    for name in names:
        if name in CHECK_ALIASES:
            expanded.update(CHECK_ALIASES[name])
        elif name in CHECK_NAMES:
            expanded.add(name)
        else:
            raise UnknownCheckError(name)
    return frozenset(expanded)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationPolicy:
    trust: TrustPolicy = field(default_factory=TrustPolicy)
    require_challenge: bool = True
    checks: frozenset[str] | None = None  # None: every check counts

    @classmethod
    def for_caller(
        cls,
        *,
        tenant: str | None,
        require_registered_issuer: bool,
        require_challenge: bool,
        checks: frozenset[str] | None = None,
    ) -> VerificationPolicy:
        """The global registry always counts; a tenant's own registry counts for its callers."""
        scopes: tuple[str, ...] = (GLOBAL_SCOPE,) if tenant is None else (GLOBAL_SCOPE, tenant)
        return cls(
            trust=TrustPolicy(require_registered_issuer=require_registered_issuer, scopes=scopes),
            require_challenge=require_challenge,
            checks=checks,
        )

    def apply(self, checks: Sequence[Check]) -> list[Check]:
        """Checks the caller did not ask for become ``skipped`` (their outcome kept in detail)."""
        if self.checks is None:
            return list(checks)
        return [
            c
            if c.name in self.checks or c.outcome is Outcome.SKIPPED
            else replace(
                c,
                outcome=Outcome.SKIPPED,
                reason=f"not requested ({c.outcome.value}: {c.reason})",
            )
            for c in checks
        ]
