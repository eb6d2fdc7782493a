"""The ``CredentialCore`` port over ``skillpass.vc``: the one module that knows its signatures.

Credentials go to ``skillpass.vc.credentials.verify`` whole. Presentations have no verify in the
core yet, so their proofs are checked here with the core's ``verify_proofs`` (purpose
``authentication``, the caller's challenge and domain); the presentation-only rules
(holder binding, challenge, domain) live in ``domain/presentation.py``.
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
from skillpass.vc.status import StatusListSource
from skillpass.verifier.service_layer.ports import PresentationProofs


class VcCore:
    def __init__(self, *, loader: DocumentLoader = BUNDLED) -> None:
        self._loader = loader

    def verify_credential(
        self,
        credential: Mapping[str, Any],
        *,
        resolver: DidResolver,
        status: StatusListSource,
        now: datetime,
    ) -> VerificationResult:
        return verify(
            credential, resolver=resolver, now=now, loader=self._loader, status_source=status
        )

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
