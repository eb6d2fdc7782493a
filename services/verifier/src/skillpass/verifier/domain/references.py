"""What a credential or presentation points at: the DIDs whose documents the proofs need and the
status lists its ``credentialStatus`` entries name. The service fetches these before calling the
pure core, which then only looks them up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from skillpass.vc.validation import as_list, is_url, node_id


@dataclass(frozen=True, slots=True)
class References:
    dids: frozenset[str] = frozenset()
    status_lists: frozenset[str] = frozenset()

    def __or__(self, other: References) -> References:
        return References(self.dids | other.dids, self.status_lists | other.status_lists)


def did_of(reference: object) -> str | None:
    """``did:web:x:y#key-1`` → ``did:web:x:y``; None for anything that is not a DID URL."""
    if not isinstance(reference, str) or not reference.startswith("did:"):
        return None
    did = reference.split("#", 1)[0].split("?", 1)[0]
    return did if did.count(":") >= 2 else None


def proofs_of(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A document's proofs: a single object, a set (array) or none."""
    return [p for p in as_list(document.get("proof")) if isinstance(p, Mapping)]


def _signers(document: Mapping[str, Any]) -> set[str | None]:
    dids = {did_of(node_id(document.get("issuer")))}
    dids.update(did_of(p.get("verificationMethod")) for p in proofs_of(document))
    return dids


def credential_references(credential: Mapping[str, Any]) -> References:
    dids = _signers(credential)
    lists = {
        entry.get("statusListCredential")
        for entry in as_list(credential.get("credentialStatus"))
        if isinstance(entry, Mapping)
    }
    return References(
        frozenset(d for d in dids if d is not None),
        frozenset(u for u in lists if is_url(u)),
    )


def status_list_references(lists: Iterable[Mapping[str, Any]]) -> References:
    """A status list's own proof is checked too: its issuer's and signers' DIDs."""
    dids: set[str | None] = set()
    for document in lists:
        dids |= _signers(document)
    return References(frozenset(d for d in dids if d is not None))


def embedded_credentials(presentation: Mapping[str, Any]) -> list[object]:
    """The ``verifiableCredential`` values of a presentation (any JSON: they are checked later)."""
    return as_list(presentation.get("verifiableCredential"))


def presentation_references(presentation: Mapping[str, Any]) -> References:
    dids = {did_of(node_id(presentation.get("holder")))}
    dids.update(did_of(p.get("verificationMethod")) for p in proofs_of(presentation))
    found = References(frozenset(d for d in dids if d is not None))
    for credential in embedded_credentials(presentation):
        if isinstance(credential, Mapping):
            found = found | credential_references(credential)
    return found
