"""The Data Integrity EdDSA cryptosuites: how a document and its proof options become the bytes
that Ed25519 signs.

* ``eddsa-rdfc-2022``: SHA-256(RDFC-1.0(proof config)) ‖ SHA-256(RDFC-1.0(document))
* ``eddsa-jcs-2022``: SHA-256(JCS(proof config)) ‖ SHA-256(JCS(document))
* ``Ed25519Signature2020`` (verify only): as rdfc, with its own proof type

The proof configuration is the proof without ``proofValue``, with the document's ``@context``
(for JCS, the proof's own ``@context`` when it has one, "injection compatible"). Its hash differs
between credentials only in ``created`` (and the key), so it is memoized per configuration.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from skillpass.native import canonical_json
from skillpass.vc.canonical import jcs_sha256, rdfc
from skillpass.vc.loader import DocumentLoader
from skillpass.vc.memo import bounded

DATA_INTEGRITY_PROOF: Final = "DataIntegrityProof"
ED25519_SIGNATURE_2020: Final = "Ed25519Signature2020"


class Suite(StrEnum):
    EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
    EDDSA_JCS_2022 = "eddsa-jcs-2022"
    ED25519_SIGNATURE_2020 = "Ed25519Signature2020"  # legacy, verify only

    @property
    def proof_type(self) -> str:
        return (
            ED25519_SIGNATURE_2020 if self is Suite.ED25519_SIGNATURE_2020 else DATA_INTEGRITY_PROOF
        )

    @property
    def can_sign(self) -> bool:
        return self is not Suite.ED25519_SIGNATURE_2020

    @property
    def uses_rdf(self) -> bool:
        return self is not Suite.EDDSA_JCS_2022


SIGNING_SUITES: Final = (Suite.EDDSA_RDFC_2022, Suite.EDDSA_JCS_2022)


_SUITES_BY_NAME: Final[dict[Any, Suite]] = {
    Suite.EDDSA_RDFC_2022.value: Suite.EDDSA_RDFC_2022,
    Suite.EDDSA_JCS_2022.value: Suite.EDDSA_JCS_2022,
}


def suite_of(proof: Mapping[str, Any]) -> Suite | None:
    """The suite a proof claims, or None when it is not one of ours."""
    ptype = proof.get("type")
    if ptype == DATA_INTEGRITY_PROOF:
        cs = proof.get("cryptosuite")
        return _SUITES_BY_NAME.get(cs) if isinstance(cs, str) else None
    if ptype == ED25519_SIGNATURE_2020:
        return Suite.ED25519_SIGNATURE_2020
    return None


_RDFC_PROOF_HASHES: dict[tuple[Any, ...], bytes] = {}


def proof_hash(suite: Suite, proof_config: Mapping[str, Any], *, loader: DocumentLoader) -> bytes:
    """SHA-256 of the canonical proof configuration. RDFC results are memoized by the
    configuration's JCS bytes: it repeats across credentials signed with one key at one
    ``created``, and RDFC costs ~100 µs where JCS costs ~1."""
    if suite is Suite.EDDSA_JCS_2022:
        return jcs_sha256(proof_config)
    config_json = canonical_json(proof_config)
    key = (loader, config_json) if config_json is not None else None
    digest = _RDFC_PROOF_HASHES.get(key) if key is not None else None
    if digest is None:
        digest = hashlib.sha256(rdfc(proof_config, loader=loader).encode()).digest()
        if key is not None:
            bounded(_RDFC_PROOF_HASHES)[key] = digest
    return digest


def document_hash(
    suite: Suite, document: Mapping[str, Any], *, loader: DocumentLoader, safe: bool = False
) -> bytes:
    """SHA-256 of the canonical document (``safe``: undefined terms raise, see
    :func:`skillpass.vc.canonical.expand`)."""
    if suite is Suite.EDDSA_JCS_2022:
        return jcs_sha256(document)
    return hashlib.sha256(rdfc(document, loader=loader, safe=safe).encode()).digest()


def hash_data(
    suite: Suite,
    document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    safe: bool = False,
) -> bytes:
    """proofHash ‖ docHash: the 64 bytes Ed25519 signs."""
    return proof_hash(suite, proof_config, loader=loader) + document_hash(
        suite, document, loader=loader, safe=safe
    )
