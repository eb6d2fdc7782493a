"""Issue and verify credentials: the API the services call (CONVENTIONS.md §8).

Keyword-only, the loader, resolver, status source and clock are injected, and every problem with
a credential is a named check in the :class:`~skillpass.vc.result.VerificationResult`; exceptions
are for misuse (``issue`` raises :class:`~skillpass.vc.proofs.IssueError` for input it cannot
sign, with the reason).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from skillpass.vc.cryptosuites import Suite
from skillpass.vc.dids import DidResolver
from skillpass.vc.keys import SigningKey
from skillpass.vc.loader import BUNDLED, DocumentLoader, UnknownContext
from skillpass.vc.memo import bounded
from skillpass.vc.proofs import (
    VC_V1,
    VC_V2,
    IssueError,
    ProofOutcome,
    add_proof,
    verify_proofs,
)
from skillpass.vc.result import Check, Outcome, VerificationResult
from skillpass.vc.status import StatusListSource, status_checks
from skillpass.vc.validation import validation_checks

__all__ = ["IssueError", "Suite", "issue", "verify"]


def issue(
    credential: Mapping[str, Any],
    *,
    key: SigningKey,
    verification_method: str,
    suite: Suite | str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    loader: DocumentLoader = BUNDLED,
    proof_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The credential with a Data Integrity proof added (``proof`` is an array; an existing
    proof is kept, making a proof set). VC 1.1 input gets the data-integrity v2 context.

    Safe mode: a property or type that does not expand (not defined by any context) makes
    ``issue`` raise :class:`IssueError` naming the terms, as does an unknown context. For
    ``eddsa-jcs-2022`` the JSON-LD check runs only when the context has no ``@vocab`` (VC 1.1):
    under VC 2.0 every term expands, and skipping expansion is what makes JCS the fast path.
    The result shares nested values with ``credential``."""
    return add_proof(
        credential,
        key=key,
        verification_method=verification_method,
        suite=suite,
        created=created,
        proof_purpose=proof_purpose,
        loader=loader,
        options=proof_options,
    )


def context_check(document: Mapping[str, Any], *, loader: DocumentLoader) -> Check:
    """``context``: ``@context`` starts with a VC base context and every URL in it is one the
    loader holds (nothing is fetched)."""
    ctx = document.get("@context")
    contexts = ctx if isinstance(ctx, list) else [ctx]
    if not contexts or contexts[0] not in (VC_V2, VC_V1):
        return Check.failed("context", f"@context must start with {VC_V2} (or {VC_V1})")
    unknown = []
    for c in contexts:
        if isinstance(c, str):
            try:
                loader(c)
            except UnknownContext:
                unknown.append(c)
        elif not isinstance(c, Mapping):
            return Check.failed("context", "@context entries must be URLs or objects")
    if unknown:
        return Check.failed(
            "context", f"unknown context(s), never fetched: {', '.join(unknown)}", unknown=unknown
        )
    return _CONTEXT_PINNED


def _constant(name: str, outcome: Outcome, reason: str) -> Check:
    """A check that never varies, made once (a Check is immutable; its detail is read-only)."""
    return Check(name=name, outcome=outcome, reason=reason, detail=MappingProxyType({}))


_CONTEXT_PINNED: Final = _constant("context", Outcome.PASSED, "all contexts are pinned")
_NO_STATUS: Final = (
    _constant("status.revocation", Outcome.SKIPPED, "no credentialStatus"),
    _constant("status.suspension", Outcome.SKIPPED, "no credentialStatus"),
)
_STATUS_OFF: Final = (_constant("status", Outcome.SKIPPED, "status checking is off"),)


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if (type(issuer) is dict or isinstance(issuer, Mapping)) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return None


def issuer_binding_check(credential: Mapping[str, Any], outcomes: list[ProofOutcome]) -> Check:
    """``issuer_binding``: the issuer DID controls the key of every valid proof."""
    issuer = issuer_id(credential)
    methods = [o.method for o in outcomes if o.method is not None]
    if not methods:
        return Check.skipped("issuer_binding", "no valid proof to bind the issuer to")
    if issuer is None:
        return Check.failed("issuer_binding", "the credential has no issuer id")
    strangers = [m.controller for m in methods if m.controller != issuer]
    if strangers:
        strangers = sorted(set(strangers))
        return Check.failed(
            "issuer_binding",
            f"the issuer {issuer} does not control the signing key (controller "
            f"{', '.join(strangers)})",
            issuer=issuer,
            controllers=strangers,
        )
    check = _BOUND.get(issuer)
    if check is None:
        check = Check(
            name="issuer_binding",
            outcome=Outcome.PASSED,
            reason=f"signed by a key of the issuer {issuer}",
            detail=MappingProxyType({"issuer": issuer}),
        )
        bounded(_BOUND)[issuer] = check
    return check


# Passed issuer-binding checks per issuer (few issuers; a Check is immutable, detail read-only).
_BOUND: dict[str, Check] = {}


def verify(
    credential: Mapping[str, Any],
    *,
    resolver: DidResolver,
    now: datetime,
    loader: DocumentLoader = BUNDLED,
    status_source: StatusListSource | None = None,
    check_status: bool = True,
    proof_purpose: str = "assertionMethod",
    validate: bool = True,
) -> VerificationResult:
    """Every check of a credential: ``context``, ``proof`` (one per proof), ``issuer_binding``,
    ``data_model``, ``validity_period``, ``schema`` (Open Badges) and ``status.revocation`` /
    ``status.suspension`` (through ``status_source``, whose list credentials are verified by this
    same function with status checking off). With ``check_status`` on and no source, status is
    an ``error`` (unknown is never read as "not revoked"); with it off, ``skipped``.
    ``validate=False`` leaves out ``data_model``, ``validity_period`` and ``schema`` (for callers
    that only need the proofs)."""
    if type(credential) is not dict and not isinstance(credential, Mapping):
        return VerificationResult.of([Check.failed("data_model", "a credential is a JSON object")])
    checks: list[Check] = [context_check(credential, loader=loader)]
    outcomes = verify_proofs(
        credential, resolver=resolver, loader=loader, now=now, expected_purpose=proof_purpose
    )
    checks += [o.check for o in outcomes]
    checks.append(issuer_binding_check(credential, outcomes))
    if validate:
        checks.extend(validation_checks(credential, now=now))
    checks += _status(
        credential,
        resolver=resolver,
        now=now,
        loader=loader,
        source=status_source,
        check_status=check_status,
    )
    return VerificationResult.of(checks)


def _status(
    credential: Mapping[str, Any],
    *,
    resolver: DidResolver,
    now: datetime,
    loader: DocumentLoader,
    source: StatusListSource | None,
    check_status: bool,
) -> Sequence[Check]:
    if not credential.get("credentialStatus"):
        return _NO_STATUS
    if not check_status:
        return _STATUS_OFF
    if source is None:
        return [Check.error("status", "the credential has a status but no status source was given")]

    def verify_list(list_credential: Mapping[str, Any]) -> VerificationResult:
        return verify(
            list_credential, resolver=resolver, now=now, loader=loader, check_status=False
        )

    return status_checks(credential, source=source, verify_list=verify_list, now=now)
