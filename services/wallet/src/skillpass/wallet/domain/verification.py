"""A verification report as the wallet keeps and shows it (the shape of `VerificationResult`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckLine:
    check: str
    outcome: str  # passed | failed | skipped | error | warning
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationReport:
    verified: bool
    checks: tuple[CheckLine, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "checks": [
                {
                    "check": c.check,
                    "outcome": c.outcome,
                    **({"reason": c.reason} if c.reason else {}),
                }
                for c in self.checks
            ],
            "warnings": list(self.warnings),
            "errors": list(self.errors),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VerificationReport:
        """Read a VC-API verify response. The verifier service puts every check with its
        outcome in `results` (VC-API `checks` only names the checks performed); without
        `results`, `checks` may be names (read as passed unless named in `errors`) or objects."""
        lines = []
        failed = {str(e).partition(":")[0] for e in _list(data.get("errors"))}
        detailed = data.get("results")
        for item in _list(detailed if isinstance(detailed, list) else data.get("checks")):
            if isinstance(item, str):
                outcome = "failed" if item in failed else "passed"
                lines.append(CheckLine(check=item, outcome=outcome))
            elif isinstance(item, Mapping):
                name = item.get("check") or item.get("name") or "check"
                outcome = item.get("outcome") or ("passed" if item.get("passed") else "failed")
                reason = item.get("reason") or item.get("message") or ""
                lines.append(CheckLine(check=str(name), outcome=str(outcome), reason=str(reason)))
        errors = tuple(_text(e) for e in _list(data.get("errors")))
        warnings = tuple(_text(w) for w in _list(data.get("warnings")))
        verified = data.get("verified")
        if not isinstance(verified, bool):
            verified = not errors and bool(lines)
        return cls(verified=verified, checks=tuple(lines), warnings=warnings, errors=errors)

    @classmethod
    def unavailable(cls, reason: str) -> VerificationReport:
        return cls(
            verified=False,
            checks=(CheckLine(check="verifier", outcome="error", reason=reason),),
            errors=(f"verifier: {reason}",),
        )


def _list(value: object) -> Sequence[Any]:
    if value is None:
        return ()
    return value if isinstance(value, list) else [value]


def _text(value: object) -> str:
    if isinstance(value, Mapping):
        return str(value.get("message") or value.get("reason") or value.get("check") or value)
    return str(value)
