"""The ``CredentialCore`` port over ``skillpass.vc``: the one module that knows its signatures.

Credentials go to ``skillpass.vc.credentials.verify`` with status checking off, then through the
core's ``status_checks`` with a list verifier of our own (``verify`` has no seam for one), so
that status list verdicts can be remembered (``adapters/verified_lists.py``). Presentations
have no verify in the core yet, so their proofs are checked here with the core's
``verify_proofs`` (purpose ``authentication``, the caller's challenge and domain); the
presentation-only rules (holder binding, challenge, domain) live in ``domain/presentation.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from skillpass.vc.credentials import context_check, verify
from skillpass.vc.dids import DidResolver
from skillpass.vc.loader import BUNDLED, DocumentLoader
from skillpass.vc.proofs import verify_proofs
from skillpass.vc.result import VerificationResult
from skillpass.vc.status import StatusListSource, status_checks
from skillpass.verifier.adapters.verified_lists import ListVerifier
from skillpass.verifier.service_layer.ports import PresentationProofs


def verify_list_credential(
    document: Mapping[str, Any],
    resolver: DidResolver,
    now: datetime,
    *,
    loader: DocumentLoader = BUNDLED,
) -> VerificationResult:
    """The check ``verify`` itself makes of a status list credential."""
    return verify(document, resolver=resolver, now=now, loader=loader, check_status=False)


class VcCore:
    def __init__(
        self, *, loader: DocumentLoader = BUNDLED, verify_list: ListVerifier | None = None
    ) -> None:
        self._loader = loader
        if verify_list is None:

            def verify_list(
                document: Mapping[str, Any], resolver: DidResolver, now: datetime
            ) -> VerificationResult:
                return verify_list_credential(document, resolver, now, loader=loader)

        self._verify_list = verify_list

    def verify_credential(
        self,
        credential: Mapping[str, Any],
        *,
        resolver: DidResolver,
        status: StatusListSource,
        now: datetime,
    ) -> VerificationResult:
        result = verify(
            credential, resolver=resolver, now=now, loader=self._loader, check_status=False
        )
        if not isinstance(credential, Mapping) or not credential.get("credentialStatus"):
            return result  # the core's own "no credentialStatus" checks
        # What verify does with a status source, with our list verifier: status checks last.
        checks = [c for c in result.checks if c.name != "status"]
        checks += status_checks(
            credential,
            source=status,
            verify_list=lambda document: self._verify_list(document, resolver, now),
            now=now,
        )
        return VerificationResult.of(checks, result.warnings)

    def verify_presentation_proofs(
        self,
        presentation: Mapping[str, Any],
        *,
        resolver: DidResolver,
        now: datetime,
        challenge: str | None,
        domain: str | None,
    ) -> PresentationProofs:
        outcomes = verify_proofs(
            presentation,
            resolver=resolver,
            loader=self._loader,
            now=now,
            expected_purpose="authentication",
            challenge=challenge,
            domain=domain,
        )
        checks = [context_check(presentation, loader=self._loader), *(o.check for o in outcomes)]
        signers = tuple(o.method.controller for o in outcomes if o.method is not None)
        return PresentationProofs(result=VerificationResult.of(checks), signers=signers)
