"""The HTTP wire format: W3C VC-API requests in, VC-API results out (``verified``, ``checks``,
``warnings``, ``errors``, ``problemDetails``) plus our per-check report (``results``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skillpass.platform.problems import ProblemError
from skillpass.vc.result import Check, Outcome, VerificationResult
from skillpass.verifier.domain.policy import UnknownCheckError, requested_checks
from skillpass.verifier.domain.report import CredentialReport, Kind, VerificationReport
from skillpass.verifier.domain.trust import TrustedIssuer, TrustRegistry
from skillpass.verifier.service_layer.messages import VerifyOptions

PROBLEM_BASE = "https://skillpass.dev/problems/verification#"


def invalid(detail: str, *, code: str = "invalid-request") -> ProblemError:
    return ProblemError(422, code, detail)


# ----------------------------------------------------------------------------------- requests


def required_object(body: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise invalid("the request body must be a JSON object")
    value = body.get(name)
    if not isinstance(value, Mapping):
        raise invalid(f"'{name}' must be a JSON object")
    return value


def options_from(body: Mapping[str, Any]) -> VerifyOptions:
    raw = body.get("options", {})
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise invalid("'options' must be a JSON object")
    strings = {}
    for name in ("challenge", "domain"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise invalid(f"options.{name} must be a non-empty string")
        strings[name] = value
    checks = raw.get("checks")
    requested = None
    if checks is not None:
        if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
            raise invalid("options.checks must be an array of check names")
        try:
            requested = requested_checks(checks)
        except UnknownCheckError as exc:
            raise invalid(f"options.checks: unknown check {exc}", code="unknown-check") from None
    require = raw.get("requireRegisteredIssuer")
    if require is not None and not isinstance(require, bool):
        raise invalid("options.requireRegisteredIssuer must be a boolean")
    return VerifyOptions(
        challenge=strings["challenge"],
        domain=strings["domain"],
        checks=requested,
        require_registered_issuer=require,
    )


class TrustedIssuerBody(BaseModel):
    """``PUT /trust/registries/{scope}/issuers/{did}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=300)
    url: str | None = Field(default=None, max_length=2000)
    accreditationBody: str | None = Field(default=None, max_length=300)  # noqa: N815 - JSON name
    validFrom: datetime | None = None  # noqa: N815
    validUntil: datetime | None = None  # noqa: N815


def trusted_issuer_from(body: Any, *, did: str, scope: str) -> TrustedIssuer:
    try:
        parsed = TrustedIssuerBody.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise invalid(f"{where}: {first['msg']}") from None
    return TrustedIssuer(
        did=did,
        name=parsed.name,
        scope=scope,
        url=parsed.url,
        accreditation_body=parsed.accreditationBody,
        valid_from=parsed.validFrom,
        valid_until=parsed.validUntil,
        registry="api",
    )


# ---------------------------------------------------------------------------------- responses


def _performed(checks: Sequence[Check]) -> list[str]:
    return list(dict.fromkeys(c.name for c in checks if c.outcome is not Outcome.SKIPPED))


def _problem(check: Check, where: str = "") -> dict[str, Any]:
    return {
        "type": PROBLEM_BASE + check.name,
        "title": check.name,
        "detail": f"{where}{check.reason}",
        "outcome": check.outcome.value,
    }


def _result_json(result: VerificationResult) -> dict[str, Any]:
    return {
        "verified": result.verified,
        "checks": _performed(result.checks),
        "warnings": list(result.warnings),
        "errors": [f"{c.name}: {c.reason}" for c in result.failures()],
        "results": [c.to_json() for c in result.checks],
    }


def _credential_json(credential: CredentialReport) -> dict[str, Any]:
    return {
        "credentialId": credential.credential_id,
        "issuer": credential.issuer,
        **_result_json(credential.result),
    }


def _errors(report: VerificationReport) -> list[str]:
    return [
        f"{'' if scope is None else f'credential {scope}: '}{c.name}: {c.reason}"
        for scope, c in report.failures()
    ]


def _problems(report: VerificationReport) -> list[dict[str, Any]]:
    return [
        _problem(c, "" if scope is None else f"credential {scope}: ")
        for scope, c in report.failures()
    ]


def credential_verification_json(report: VerificationReport) -> dict[str, Any]:
    """``POST /credentials/verify``: VC-API fields plus ``results`` (every check, with reason)."""
    result = report.credentials[0].result
    return {
        "verified": report.verified,
        "verificationId": report.id,
        "checks": _performed(result.checks),
        "warnings": report.warnings(),
        "errors": _errors(report),
        "problemDetails": _problems(report),
        "results": [c.to_json() for c in result.checks],
    }


def presentation_verification_json(report: VerificationReport) -> dict[str, Any]:
    """``POST /presentations/verify``: VC-API fields for the whole, then the presentation's own
    checks and each credential's (the shape Digital Bazaar's verifiers return)."""
    presentation = report.presentation
    return {
        "verified": report.verified,
        "verificationId": report.id,
        "checks": [] if presentation is None else _performed(presentation.checks),
        "warnings": report.warnings(),
        "errors": _errors(report),
        "problemDetails": _problems(report),
        "presentationResult": None if presentation is None else _result_json(presentation),
        "credentialResults": [_credential_json(c) for c in report.credentials],
    }


def stored_report_json(report: VerificationReport) -> dict[str, Any]:
    """``GET /verifications/{id}``: one shape for both kinds."""
    presentation = report.presentation
    return {
        "id": report.id,
        "kind": report.kind.value,
        "completedAt": report.completed_at.isoformat(),
        "verified": report.verified,
        "warnings": report.warnings(),
        "errors": _errors(report),
        "presentationResult": None
        if report.kind is Kind.CREDENTIAL or presentation is None
        else _result_json(presentation),
        "credentialResults": [_credential_json(c) for c in report.credentials],
    }


def trusted_issuer_json(entry: TrustedIssuer) -> dict[str, Any]:
    return {
        "did": entry.did,
        "name": entry.name,
        "scope": entry.scope,
        "url": entry.url,
        "accreditationBody": entry.accreditation_body,
        "validFrom": None if entry.valid_from is None else entry.valid_from.isoformat(),
        "validUntil": None if entry.valid_until is None else entry.valid_until.isoformat(),
        "registry": entry.registry,
    }


def registry_json(registry: TrustRegistry) -> dict[str, Any]:
    return {
        "scope": registry.scope,
        "issuers": [trusted_issuer_json(e) for _, e in sorted(registry.issuers.items())],
    }
