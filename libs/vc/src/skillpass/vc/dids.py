"""DIDs: ``did:key`` (resolved here, purely), ``did:web`` (through a resolver port), and the
dereferencing of a proof's ``verificationMethod`` to an Ed25519 public key.

The verifier service supplies the HTTP ``did:web`` adapter (SSRF-safe, cached); this module only
defines the port and works on the DID documents it returns.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from skillpass.vc.keys import InvalidKey, VerifyingKey
from skillpass.vc.memo import bounded

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"


class DidResolver(Protocol):
    """Port: the DID document for ``did`` (without fragment), or ``None`` when it cannot be had
    (unknown method, not found, network refused). Never raises for a bad or unreachable DID.
    Documents are read, never changed: a resolver may hand out one object while it caches the
    document (its keys are then read once), and must hand out a new one for new content."""

    def __call__(self, did: str) -> Mapping[str, Any] | None: ...


class DidError(ValueError):
    """A DID or verification method that cannot be used; the message says why."""


def did_key(public_key: VerifyingKey) -> str:
    return f"did:key:{public_key.multibase}"


def did_key_verification_method(public_key: VerifyingKey) -> str:
    """``did:key:z6Mk…#z6Mk…``: the verification method id of a did:key."""
    return f"did:key:{public_key.multibase}#{public_key.multibase}"


@lru_cache(maxsize=4096)
def _did_key_document(did: str) -> Mapping[str, Any] | None:
    if not did.startswith("did:key:z6Mk"):
        return None
    mb = did[len("did:key:") :]
    try:
        VerifyingKey.from_multibase(mb)
    except InvalidKey:
        return None
    vm_id = f"{did}#{mb}"
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }


def resolve_did_key(did: str) -> dict[str, Any] | None:
    """The DID document of an Ed25519 ``did:key`` (a fresh copy), or ``None`` if it is not one."""
    doc = _did_key_document(did)
    return None if doc is None else copy.deepcopy(dict(doc))


class DidKeyResolver:
    """Resolves ``did:key`` only: the offline default."""

    def __call__(self, did: str) -> Mapping[str, Any] | None:
        return _did_key_document(did)


@dataclass(frozen=True, slots=True)
class CompositeResolver:
    """``did:key`` locally, everything else through ``web`` (e.g. the verifier's did:web
    adapter)."""

    web: DidResolver

    def __call__(self, did: str) -> Mapping[str, Any] | None:
        if did.startswith("did:key:"):
            return _did_key_document(did)
        return self.web(did)


OFFLINE_RESOLVER: DidResolver = DidKeyResolver()


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationMethod:
    """A dereferenced verification method: its id, controller and Ed25519 key, and the
    relationships (``assertionMethod``, ``authentication``, …) its controller's document lists
    it under."""

    id: str
    controller: str
    public_key: VerifyingKey
    relationships: frozenset[str]


RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)


def _absolute(ref: str, did: str) -> str:
    return did + ref if ref.startswith("#") else ref


def _key_of(method: Mapping[str, Any]) -> VerifyingKey:
    mb = method.get("publicKeyMultibase")
    if not isinstance(mb, str):
        raise DidError("the verification method has no publicKeyMultibase")
    if method.get("type") not in ("Multikey", "Ed25519VerificationKey2020"):
        raise DidError(f"unsupported verification method type {method.get('type')!r}")
    try:
        return VerifyingKey.from_multibase(mb)
    except InvalidKey as exc:
        raise DidError(str(exc)) from None


def _methods(doc: Mapping[str, Any], did: str) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for key in ("verificationMethod", *RELATIONSHIPS):
        entries = doc.get(key, [])
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                found.setdefault(_absolute(entry["id"], did), entry)
    return found


def _relationships(doc: Mapping[str, Any], did: str, vm_id: str) -> frozenset[str]:
    rels: set[str] = set()
    for rel in RELATIONSHIPS:
        entries = doc.get(rel, [])
        for entry in entries if isinstance(entries, list) else [entries]:
            ref = (
                entry
                if isinstance(entry, str)
                else entry.get("id")
                if isinstance(entry, Mapping)
                else None
            )
            if isinstance(ref, str) and _absolute(ref, did) == vm_id:
                rels.add(rel)
    return frozenset(rels)


@lru_cache(maxsize=4096)
def _did_key_method(vm: str) -> VerificationMethod:
    did, _, fragment = vm.partition("#")
    mb = did[len("did:key:") :]
    if fragment and fragment != mb:
        raise DidError(f"{vm}: a did:key has only the key #{mb}")
    try:
        key = VerifyingKey.from_multibase(mb)
    except InvalidKey as exc:
        raise DidError(f"{did}: {exc}") from None
    return VerificationMethod(
        id=f"{did}#{mb}", controller=did, public_key=key, relationships=frozenset(RELATIONSHIPS)
    )


def dereference(verification_method: str, *, resolver: DidResolver) -> VerificationMethod:
    """The key a proof's ``verificationMethod`` names. Handles ``did:key:z6Mk…#z6Mk…``, a bare
    ``did:key:z6Mk…`` (its only key), and documents with several keys from ``resolver`` (a bare DID
    then needs exactly one Ed25519 key). Raises :class:`DidError` with the reason otherwise."""
    if not isinstance(verification_method, str) or not verification_method.startswith("did:"):
        raise DidError(f"verificationMethod {verification_method!r} is not a DID URL")
    did, _, fragment = verification_method.partition("#")
    if did.startswith("did:key:"):
        if not did.startswith("did:key:z6Mk"):
            raise DidError(f"{did}: only Ed25519 did:key (z6Mk…) is supported")
        return _did_key_method(verification_method)
    doc = resolver(did)
    if doc is None:
        raise DidError(f"{did}: the DID could not be resolved")
    memo_key = (verification_method, id(doc))
    hit = _DOCUMENT_METHODS.get(memo_key)
    if hit is not None and hit[0] is doc:
        return hit[1]
    method = _method_in(doc, did, fragment, verification_method)
    bounded(_DOCUMENT_METHODS)[memo_key] = (doc, method)
    return method


# Methods read from resolved documents, by (verificationMethod, id(document)). An entry keeps its
# document, so no other document can take that id while the entry lives; a refetched document is
# a new object and is read anew. Saves ~15 µs a proof (parsing the document and the key).
_DOCUMENT_METHODS: dict[tuple[str, int], tuple[Mapping[str, Any], VerificationMethod]] = {}


def _method_in(
    doc: Mapping[str, Any], did: str, fragment: str, verification_method: str
) -> VerificationMethod:
    if doc.get("id") != did:
        raise DidError(f"{did}: the resolved DID document has id {doc.get('id')!r}")
    methods = _methods(doc, did)
    if fragment:
        vm_id = verification_method
        method = methods.get(vm_id)
        if method is None:
            raise DidError(f"{vm_id}: no such verification method in the DID document")
    else:
        candidates = [i for i, m in methods.items() if isinstance(m.get("publicKeyMultibase"), str)]
        if len(candidates) != 1:
            raise DidError(
                f"{did}: a bare DID needs exactly one key, the document has {len(candidates)}"
            )
        vm_id = candidates[0]
        method = methods[vm_id]
    controller = method.get("controller", did)
    if not isinstance(controller, str):
        raise DidError(f"{vm_id}: controller must be a string")
    return VerificationMethod(
        id=vm_id,
        controller=controller,
        public_key=_key_of(method),
        relationships=_relationships(doc, did, vm_id),
    )
