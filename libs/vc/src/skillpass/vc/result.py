"""Verification results: every check by name, with an outcome and a reason.

Tampering, bad signatures, unknown contexts and wrong keys are *results*, never exceptions
(exceptions are for misuse of the API). A verifier, the CLI and the services all report the same
shape, so a report reads the same wherever it was produced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"  # the check could not be carried out (e.g. a status list could not be had)


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One named check, e.g. ``proof``, ``context``, ``schema``, ``validity_period``,
    ``status.revocation``, ``status.suspension``, ``issuer_binding``, ``trust``."""

    name: str
    outcome: Outcome
    reason: str = ""
    # Extra, machine-readable detail (e.g. the proof index, the status list URL); JSON-safe values.
    detail: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def passed(cls, name: str, reason: str = "", **detail: Any) -> Check:
        return _make(cls, name, _PASSED, reason, detail)

    @classmethod
    def failed(cls, name: str, reason: str, **detail: Any) -> Check:
        return _make(cls, name, _FAILED, reason, detail)

    @classmethod
    def skipped(cls, name: str, reason: str, **detail: Any) -> Check:
        return _make(cls, name, _SKIPPED, reason, detail)

    @classmethod
    def error(cls, name: str, reason: str, **detail: Any) -> Check:
        return _make(cls, name, _ERROR, reason, detail)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.name, "outcome": self.outcome.value}
        if self.reason:
            out["reason"] = self.reason
        if self.detail:
            out["detail"] = dict(self.detail)
        return out


_PASSED: Final = Outcome.PASSED
_FAILED: Final = Outcome.FAILED
_SKIPPED: Final = Outcome.SKIPPED
_ERROR: Final = Outcome.ERROR
# A frozen dataclass's __init__ sets each field through object.__setattr__ (~2 µs a Check on this
# machine, and a verification makes 5-8 of them); the slot descriptors set them directly.
_NEW: Final = object.__new__
_SET_NAME: Final = Check.__dict__["name"].__set__
_SET_OUTCOME: Final = Check.__dict__["outcome"].__set__
_SET_REASON: Final = Check.__dict__["reason"].__set__
_SET_DETAIL: Final = Check.__dict__["detail"].__set__


def _make(cls: type[Check], name: str, outcome: Outcome, reason: str, detail: Any) -> Check:
    if cls is not Check:  # a subclass may have its own __init__
        return cls(name=name, outcome=outcome, reason=reason, detail=detail)
    check: Check = _NEW(cls)
    _SET_NAME(check, name)
    _SET_OUTCOME(check, outcome)
    _SET_REASON(check, reason)
    _SET_DETAIL(check, detail)
    return check


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationResult:
    """The whole report. ``verified`` holds only when no check failed or errored and at least one
    proof check passed; ``warnings`` are advisory (e.g. an issuer that is not in a registry)."""

    checks: tuple[Check, ...]
    warnings: tuple[str, ...] = ()

    @classmethod
    def of(cls, checks: Iterable[Check], warnings: Iterable[str] = ()) -> VerificationResult:
        if cls is not VerificationResult:  # a subclass may have its own __init__
            return cls(checks=tuple(checks), warnings=tuple(warnings))
        result: VerificationResult = _NEW(cls)
        _SET_CHECKS(result, tuple(checks))
        _SET_WARNINGS(result, tuple(warnings))
        return result

    @property
    def verified(self) -> bool:
        bad = any(c.outcome in (Outcome.FAILED, Outcome.ERROR) for c in self.checks)
        proved = any(c.name == "proof" and c.outcome is Outcome.PASSED for c in self.checks)
        return proved and not bad

    def check(self, name: str) -> Check | None:
        """The first check with this name (``proof`` may appear once per proof)."""
        return next((c for c in self.checks if c.name == name), None)

    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome in (Outcome.FAILED, Outcome.ERROR))

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "checks": [c.to_json() for c in self.checks],
            "warnings": list(self.warnings),
            "errors": [f"{c.name}: {c.reason}" for c in self.failures()],
        }


_SET_CHECKS: Final = VerificationResult.__dict__["checks"].__set__
_SET_WARNINGS: Final = VerificationResult.__dict__["warnings"].__set__
