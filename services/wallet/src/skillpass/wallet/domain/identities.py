"""Who a credential was issued to, and whether that is a given learner.

Open Badges 3.0 names the recipient by `credentialSubject.identifier`: a list of `IdentityObject`s,
usually hashed (`identityHash` = "<alg>$<hex>" of the identifier with the salt appended, alg
`sha256` or `md5`), or by `credentialSubject.id` (a DID). A learner's verified identifiers are
stored normalised (emails lower-cased and trimmed), and hashes are computed over that form.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from skillpass.wallet.domain.errors import InvalidInput

EMAIL = "emailAddress"
# OB 3.0 `IdentifierTypeEnum` values plus its `ext:` extension form.
IDENTITY_TYPES = frozenset(
    {
        "name",
        "sourcedId",
        "systemId",
        "productId",
        "userName",
        "accountId",
        "emailAddress",
        "nationalIdentityNumber",
        "isbn",
        "issn",
        "lisSourcedId",
        "oneRosterSourcedId",
        "sisSourcedId",
        "ltiContextId",
        "ltiDeploymentId",
        "ltiToolId",
        "ltiPlatformId",
        "ltiUserId",
        "identifier",
        "studentId",
    }
)
MAX_IDENTIFIER_LENGTH = 320


@dataclass(frozen=True, slots=True, kw_only=True)
class Identifier:
    """A verified identifier of a learner, in normalised form."""

    type: str
    value: str

    @classmethod
    def parse(cls, identity_type: object, value: object) -> Identifier:
        if not isinstance(identity_type, str) or not (
            identity_type in IDENTITY_TYPES or identity_type.startswith("ext:")
        ):
            raise InvalidInput(
                f"unknown identity type {identity_type!r}", code="invalid-identifier"
            )
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput("an identifier needs a non-empty value", code="invalid-identifier")
        if len(value) > MAX_IDENTIFIER_LENGTH:
            raise InvalidInput("the identifier is too long", code="invalid-identifier")
        normalised = value.strip()
        if identity_type == EMAIL:
            normalised = normalised.lower()
            local, at, domain = normalised.partition("@")
            if not at or not local or "." not in domain or " " in normalised:
                raise InvalidInput("not an email address", code="invalid-identifier")
        return cls(type=identity_type, value=normalised)

    @property
    def key(self) -> str:
        """Unique per identifier: one learner owns it."""
        return f"{self.type}:{self.value}"


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityObject:
    """One OB 3.0 `IdentityObject` of a credential's subject."""

    identity_type: str
    identity_hash: str  # "<alg>$<hex>" when hashed, else the plain identifier
    hashed: bool
    salt: str = ""

    def matches(self, identifier: Identifier) -> bool:
        if identifier.type != self.identity_type:
            return False
        if not self.hashed:
            plain = self.identity_hash.strip()
            return (plain.lower() if identifier.type == EMAIL else plain) == identifier.value
        algorithm, _, digest = self.identity_hash.partition("$")
        expected = hash_identifier(identifier.value, salt=self.salt, algorithm=algorithm.lower())
        return expected is not None and hmac.compare_digest(expected, digest.lower())

    @property
    def unsalted_digest(self) -> str | None:
        """A sha256 hash without salt can be looked up directly in an index."""
        algorithm, _, digest = self.identity_hash.partition("$")
        if self.hashed and not self.salt and algorithm.lower() == "sha256":
            return digest.lower()
        return None


def hash_identifier(value: str, *, salt: str, algorithm: str = "sha256") -> str | None:
    """The hex digest of identifier ‖ salt (OB 3.0 `IdentityHash`); None for other algorithms."""
    data = (value + salt).encode()
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    if algorithm == "md5":
        return hashlib.md5(data, usedforsecurity=False).hexdigest()
    return None


def identity_hash(identifier: Identifier, *, salt: str) -> str:
    """`sha256$<hex>` as an issuer would put it in a credential (tests and fixtures use it)."""
    return f"sha256${hash_identifier(identifier.value, salt=salt)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """Everything a credential says about whom it was issued to."""

    did: str | None = None
    identities: tuple[IdentityObject, ...] = ()

    @property
    def is_known(self) -> bool:
        return self.did is not None or bool(self.identities)

    def matches(self, *, did: str | None, identifiers: Iterable[Identifier]) -> bool:
        if self.did is not None and did is not None and self.did == did:
            return True
        wanted = tuple(identifiers)
        return any(obj.matches(ident) for obj in self.identities for ident in wanted)

    @property
    def identity_types(self) -> frozenset[str]:
        return frozenset(obj.identity_type for obj in self.identities)


def recipient_of(credential: Mapping[str, Any]) -> Recipient:
    """The recipient named by `credentialSubject` (the first subject, as OB 3.0 has one)."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if not isinstance(subject, Mapping):
        return Recipient()
    subject_id = subject.get("id")
    did = subject_id if isinstance(subject_id, str) and subject_id.startswith("did:") else None
    raw = subject.get("identifier", [])
    objects = raw if isinstance(raw, list) else [raw]
    identities = tuple(
        identity for identity in (_identity_object(obj) for obj in objects) if identity is not None
    )
    return Recipient(did=did, identities=identities)


def _identity_object(obj: object) -> IdentityObject | None:
    if not isinstance(obj, Mapping):
        return None
    identity_type = obj.get("identityType")
    value = obj.get("identityHash")
    if not isinstance(identity_type, str) or not isinstance(value, str):
        return None
    salt = obj.get("salt")
    return IdentityObject(
        identity_type=identity_type,
        identity_hash=value,
        hashed=obj.get("hashed") is True,
        salt=salt if isinstance(salt, str) else "",
    )
