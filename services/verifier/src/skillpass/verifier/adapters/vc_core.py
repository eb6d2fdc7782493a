"""The ``CredentialCore`` port over ``skillpass.vc``: the one module that knows its signatures.

Credentials go to ``skillpass.vc.credentials.verify`` with status checking off, then through the
core's ``status_checks`` with a list loader of our own (``verify`` has no seam for one), so that
verified, decoded status lists can be remembered (``adapters/verified_lists.py``). Presentations
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
from skillpass.vc.status import (
    Accept,
    ListLoader,
    StatusList,
    StatusListProblem,
    StatusListSource,
    status_checks,
)
from skillpass.verifier.adapters.verified_lists import VerifiedLists
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
        self, *, loader: DocumentLoader = BUNDLED, lists: VerifiedLists | None = None
    ) -> None:
        # Without ``lists`` every status list is verified and decoded anew, as ``verify`` does.
        self._loader = loader
        self._lists = lists

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
            verify_list=lambda document: verify_list_credential(
                document, resolver, now, loader=self._loader
            ),
            load_list=self._list_loader(resolver, now),
            now=now,
        )
        return VerificationResult.of(checks, result.warnings)

    def _list_loader(self, resolver: DidResolver, now: datetime) -> ListLoader | None:
        lists = self._lists
        if lists is None:
            return None

        def load(
            url: str, document: Mapping[str, Any], legacy: bool, accept: Accept
        ) -> StatusList | StatusListProblem:
            return lists.load(url, document, legacy, accept, resolver=resolver, now=now)

        return load

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
