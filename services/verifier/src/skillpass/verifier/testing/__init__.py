"""A kit for tests (here and end-to-end): issuers with did:web documents and signed status lists,
holders with did:key, credentials and presentations signed by the real core. Pure, no IO."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from skillpass.vc.credentials import issue
from skillpass.vc.cryptosuites import Suite
from skillpass.vc.dids import DID_CONTEXT, MULTIKEY_CONTEXT, did_key, did_key_verification_method
from skillpass.vc.keys import SigningKey
from skillpass.vc.loader import BUNDLED
from skillpass.vc.proofs import add_proof
from skillpass.vc.samples import achievement_credential
from skillpass.vc.status import Bitstring, status_list_credential, status_list_entry

FIXED_NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def key_for(name: str) -> SigningKey:
    """A deterministic key per name (test keys only)."""
    return SigningKey.from_seed(hashlib.sha256(name.encode()).digest())


@dataclass(slots=True)
class TestIssuer:
    """An institution with a did:web identity (``base_url`` is where its documents are served,
    e.g. ``http://127.0.0.1:8123``; the DID encodes host and port)."""

    did: str
    key: SigningKey
    base_url: str
    revoked: set[int] = field(default_factory=set)
    suspended: set[int] = field(default_factory=set)
    _issued: int = 0

    __test__ = False  # not a pytest test class

    @classmethod
    def at(cls, base_url: str, name: str = "uni") -> TestIssuer:
        host = base_url.split("://", 1)[1].rstrip("/").replace(":", "%3A")
        return cls(did=f"did:web:{host}:issuers:{name}", key=key_for(name), base_url=base_url)

    @property
    def path(self) -> str:
        """The URL path of the DID document: ``/issuers/<name>/did.json``."""
        return "/" + "/".join(self.did.split(":")[3:]) + "/did.json"

    @property
    def verification_method(self) -> str:
        return f"{self.did}#key-1"

    def did_document(self, key: SigningKey | None = None) -> dict[str, Any]:
        public = (key or self.key).public_key
        vm = self.verification_method
        return {
            "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
            "id": self.did,
            "verificationMethod": [
                {
                    "id": vm,
                    "type": "Multikey",
                    "controller": self.did,
                    "publicKeyMultibase": public.multibase,
                }
            ],
            "assertionMethod": [vm],
            "authentication": [vm],
        }

    def list_url(self, purpose: str) -> str:
        return f"{self.base_url}/status/{self.did.rsplit(':', 1)[1]}/{purpose}"

    def status_list(
        self,
        purpose: str,
        *,
        valid_until: datetime | None = None,
        suite: Suite = Suite.EDDSA_RDFC_2022,
    ) -> dict[str, Any]:
        bits = Bitstring()
        for index in self.revoked if purpose == "revocation" else self.suspended:
            bits.set(index)
        unsigned = status_list_credential(
            list_url=self.list_url(purpose),
            issuer=self.did,
            purpose=purpose,
            bitstring=bits,
            valid_from=SIGNED_AT - timedelta(days=1),
            valid_until=valid_until,
        )
        return self.sign(unsigned, suite=suite)

    def sign(
        self, credential: Mapping[str, Any], *, suite: Suite = Suite.EDDSA_RDFC_2022
    ) -> dict[str, Any]:
        return issue(
            credential,
            key=self.key,
            verification_method=self.verification_method,
            suite=suite,
            created=SIGNED_AT,
        )

    def credential(
        self,
        *,
        subject: str | None = None,
        index: int | None = None,
        status: tuple[str, ...] = ("revocation",),
        valid_from: str = "2026-01-15T09:00:00Z",
        valid_until: str | None = "2031-01-15T09:00:00Z",
        suite: Suite = Suite.EDDSA_RDFC_2022,
        open_badge: bool = True,
    ) -> dict[str, Any]:
        """A signed OB 3.0 credential (``open_badge=False``: typed only ``VerifiableCredential``,
        so no OB schema applies) whose status entries (one per purpose in ``status``) point
        at ``index`` (default: a fresh one per credential). The OB 3.0 schema allows a single
        ``credentialStatus`` object, so two purposes make the ``schema`` check fail."""
        self._issued += 1
        unsigned = achievement_credential(self._issued, issuer=self.did)
        subject_node = unsigned["credentialSubject"]
        for name in ("activityStartDate", "activityEndDate"):  # the schema wants date-times
            if "T" not in subject_node.get(name, "T"):
                subject_node[name] += "T00:00:00Z"
        unsigned["validFrom"] = valid_from
        if valid_until is None:
            unsigned.pop("validUntil")
        else:
            unsigned["validUntil"] = valid_until
        if subject is not None:
            unsigned["credentialSubject"]["id"] = subject
        if not open_badge:
            unsigned["type"] = ["VerifiableCredential"]
        position = self._issued if index is None else index
        entries = [
            status_list_entry(list_url=self.list_url(p), index=position, purpose=p) for p in status
        ]
        if entries:
            unsigned["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        return self.sign(unsigned, suite=suite)


@dataclass(slots=True)
class TestHolder:
    """A learner with a did:key."""

    key: SigningKey

    __test__ = False

    @classmethod
    def named(cls, name: str) -> TestHolder:
        return cls(key_for(f"holder:{name}"))

    @property
    def did(self) -> str:
        return did_key(self.key.public_key)

    def present(
        self,
        credentials: Iterable[Mapping[str, Any]],
        *,
        challenge: str | None = None,
        domain: str | None = None,
        holder: str | None = None,
        signed_by: SigningKey | None = None,
    ) -> dict[str, Any]:
        """A presentation by ``holder`` (default: this holder), signed with ``signed_by``'s
        did:key (default: this holder's key)."""
        key = signed_by or self.key
        presentation = {
            "@context": [VC_V2],
            "type": ["VerifiablePresentation"],
            "holder": holder or self.did,
            "verifiableCredential": [copy.deepcopy(dict(c)) for c in credentials],
        }
        options: dict[str, Any] = {}
        if challenge is not None:
            options["challenge"] = challenge
        if domain is not None:
            options["domain"] = domain
        return add_proof(
            presentation,
            key=key,
            verification_method=did_key_verification_method(key.public_key),
            suite=Suite.EDDSA_RDFC_2022,
            created=SIGNED_AT,
            proof_purpose="authentication",
            loader=BUNDLED,
            options=options,
        )
