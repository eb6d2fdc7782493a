"""Verifiable presentations: a holder's ``authentication`` proof bound to a verifier's
``challenge`` (and ``domain``), over credentials that are each verified in full."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from skillpass.vc.credentials import context_check, verify
from skillpass.vc.cryptosuites import Suite
from skillpass.vc.dids import DidResolver
from skillpass.vc.keys import SigningKey
from skillpass.vc.loader import BUNDLED, DocumentLoader
from skillpass.vc.proofs import IssueError, add_proof, verify_proofs
from skillpass.vc.result import Check, VerificationResult
from skillpass.vc.status import StatusListSource

AUTHENTICATION = "authentication"


def sign_presentation(
    presentation: Mapping[str, Any],
    *,
    key: SigningKey,
    verification_method: str,
    suite: Suite | str,
    created: datetime,
    challenge: str,
    domain: str | None = None,
    loader: DocumentLoader = BUNDLED,
) -> dict[str, Any]:
    """The presentation with the holder's ``authentication`` proof (``challenge`` from the
    verifier, optional ``domain``). Raises :class:`IssueError` for input it cannot sign."""
    if not challenge:
        raise IssueError("a presentation proof needs the verifier's challenge")
    options: dict[str, Any] = {"challenge": challenge}
    if domain is not None:
        options["domain"] = domain
    return add_proof(
        presentation,
        key=key,
        verification_method=verification_method,
        suite=suite,
        created=created,
        proof_purpose=AUTHENTICATION,
        loader=loader,
        options=options,
    )


def verify_presentation(
    presentation: Mapping[str, Any],
    *,
    resolver: DidResolver,
    now: datetime,
    challenge: str,
    domain: str | None = None,
    loader: DocumentLoader = BUNDLED,
    status_source: StatusListSource | None = None,
    check_status: bool = True,
) -> VerificationResult:
    """``context`` and ``proof`` checks of the presentation (purpose ``authentication``, the
    expected challenge and domain), ``holder_binding`` (the holder controls the signing key),
    then every check of each credential, named ``credential[i].<check>``."""
    checks: list[Check] = [context_check(presentation, loader=loader)]
    outcomes = verify_proofs(
        presentation,
        resolver=resolver,
        loader=loader,
        now=now,
        expected_purpose=AUTHENTICATION,
        challenge=challenge,
        domain=domain,
    )
    checks.extend(o.check for o in outcomes)
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    signers = {o.method.controller for o in outcomes if o.method is not None}
    if holder_id is None:
        checks.append(Check.skipped("holder_binding", "the presentation names no holder"))
    elif holder_id in signers:
        checks.append(Check.passed("holder_binding", f"signed by the holder {holder_id}"))
    else:
        checks.append(Check.failed("holder_binding", f"the holder {holder_id} did not sign it"))
    embedded = presentation.get("verifiableCredential", [])
    for i, credential in enumerate(embedded if isinstance(embedded, list) else [embedded]):
        result = verify(
            credential,
            resolver=resolver,
            now=now,
            loader=loader,
            status_source=status_source,
            check_status=check_status,
        )
        checks.extend(replace(c, name=f"credential[{i}].{c.name}") for c in result.checks)
    return VerificationResult.of(checks)
