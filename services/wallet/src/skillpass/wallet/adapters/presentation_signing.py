"""Signing a learner's verifiable presentation with their did:key (Data Integrity, purpose
`authentication`, the verifier's challenge and domain in the proof) with the vc core's
`sign_presentation`. An export without a challenge (the learner's own backup of everything) is
signed the same way but carries none: a verifier that asks for a challenge refuses it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from skillpass.vc.credentials import IssueError, issue
from skillpass.vc.cryptosuites import Suite
from skillpass.vc.dids import did_key_verification_method
from skillpass.vc.keys import SigningKey
from skillpass.vc.loader import BUNDLED, DocumentLoader
from skillpass.vc.presentations import sign_presentation

AUTHENTICATION = "authentication"


class DataIntegrityPresentationSigner:
    """`eddsa-rdfc-2022` by default. A presentation that cannot be canonicalised as RDF (a
    VC 1.1 credential embedded in a VC 2.0 presentation redefines protected terms) is signed
    with `eddsa-jcs-2022`, which signs the JSON as it is."""

    def __init__(
        self, *, suite: Suite = Suite.EDDSA_RDFC_2022, loader: DocumentLoader = BUNDLED
    ) -> None:
        self._suite = suite
        self._loader = loader

    def sign(
        self,
        presentation: Mapping[str, Any],
        *,
        key: SigningKey,
        challenge: str | None,
        domain: str | None,
        created: datetime,
    ) -> dict[str, Any]:
        method = did_key_verification_method(key.public_key)
        try:
            return self._sign(presentation, key, method, challenge, domain, created, self._suite)
        except IssueError:
            if self._suite is Suite.EDDSA_JCS_2022:
                raise
            return self._sign(
                presentation, key, method, challenge, domain, created, Suite.EDDSA_JCS_2022
            )

    def _sign(
        self,
        presentation: Mapping[str, Any],
        key: SigningKey,
        method: str,
        challenge: str | None,
        domain: str | None,
        created: datetime,
        suite: Suite,
    ) -> dict[str, Any]:
        if challenge:
            return sign_presentation(
                presentation,
                key=key,
                verification_method=method,
                suite=suite,
                created=created,
                challenge=challenge,
                domain=domain,
                loader=self._loader,
            )
        return issue(
            presentation,
            key=key,
            verification_method=method,
            suite=suite,
            created=created,
            proof_purpose=AUTHENTICATION,
            loader=self._loader,
            proof_options={"domain": domain} if domain else None,
        )
