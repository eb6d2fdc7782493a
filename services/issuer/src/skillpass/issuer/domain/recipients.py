"""Who a credential is about: a DID (``credentialSubject.id``), or an identifier (email, learner
id) that appears only as an OB 3.0 salted-hash ``IdentityObject``, never in clear.

``identityHash`` is ``"sha256$" + hex(SHA-256(identifier ‖ salt))`` as OB 3.0 specifies; the salt
is fresh per credential (the caller passes it in), so two credentials of one learner do not carry
the same hash. Emails are compared case-insensitively, so they are lower-cased before hashing.

Pathway progress needs to recognise the same learner across credentials whose salts differ, so
the issuer also keeps a *recipient key*: a keyed pseudonym (HMAC-SHA-256 under a secret from
settings) of the identifier, stored only in the issuer's own database. A DID is its own key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from skillpass.vc.validation import is_url


class IdentityType(StrEnum):
    EMAIL = "emailAddress"
    # A platform learner id: OB 3.0's "an identifier of the person in the issuing system".
    LEARNER_ID = "systemId"


class InvalidRecipient(ValueError):  # noqa: N818 - reads as the condition
    """No recipient, or one that cannot be used."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DidRecipient:
    did: str

    def __post_init__(self) -> None:
        if not self.did.startswith("did:") or not is_url(self.did):
            raise InvalidRecipient(f"{self.did!r} is not a DID")


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifierRecipient:
    """An email or learner id in clear: lives only as long as the request."""

    identity_type: IdentityType
    value: str

    def __post_init__(self) -> None:
        if not self.value.strip():
            raise InvalidRecipient("the recipient identifier is empty")
        if self.identity_type is IdentityType.EMAIL and "@" not in self.value:
            raise InvalidRecipient("the recipient email has no '@'")

    @property
    def normalized(self) -> str:
        value = self.value.strip()
        return value.lower() if self.identity_type is IdentityType.EMAIL else value


Recipient = DidRecipient | IdentifierRecipient


@dataclass(frozen=True, slots=True, kw_only=True)
class HashedIdentity:
    """What is stored and published for an identifier recipient."""

    identity_hash: str
    identity_type: str  # IdentityType for ours; any OB 3.0 identityType in supplied credentials
    salt: str

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "IdentityObject",
            "identityHash": self.identity_hash,
            "identityType": self.identity_type,
            "hashed": True,
            "salt": self.salt,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectIdentity:
    """A recipient as it goes into a credential: a DID or a hashed identity, plus the key under
    which pathway progress is kept."""

    recipient_key: str
    did: str | None = None
    hashed: HashedIdentity | None = None

    def subject_fields(self) -> dict[str, Any]:
        if self.did is not None:
            return {"id": self.did}
        assert self.hashed is not None
        return {"identifier": [self.hashed.to_json()]}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"recipientKey": self.recipient_key}
        if self.did is not None:
            out["did"] = self.did
        if self.hashed is not None:
            out["hashed"] = {
                "identityHash": self.hashed.identity_hash,
                "identityType": self.hashed.identity_type,
                "salt": self.hashed.salt,
            }
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SubjectIdentity:
        hashed = data.get("hashed")
        return cls(
            recipient_key=data["recipientKey"],
            did=data.get("did"),
            hashed=HashedIdentity(
                identity_hash=hashed["identityHash"],
                identity_type=str(hashed["identityType"]),
                salt=hashed["salt"],
            )
            if hashed
            else None,
        )


HASH_PREFIX: Final = "sha256$"


def identity_hash(identifier: str, salt: str) -> str:
    digest = hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()
    return f"{HASH_PREFIX}{digest}"


def recipient_key(recipient: Recipient, *, pepper: bytes) -> str:
    """A stable pseudonym for pathway progress: the DID, or ``hmac:<hex>`` of the identifier."""
    if isinstance(recipient, DidRecipient):
        return recipient.did
    message = f"{recipient.identity_type.value}:{recipient.normalized}".encode()
    return "hmac:" + hmac.new(pepper, message, hashlib.sha256).hexdigest()


def subject_identity(recipient: Recipient, *, salt: str, pepper: bytes) -> SubjectIdentity:
    key = recipient_key(recipient, pepper=pepper)
    if isinstance(recipient, DidRecipient):
        return SubjectIdentity(recipient_key=key, did=recipient.did)
    return SubjectIdentity(
        recipient_key=key,
        hashed=HashedIdentity(
            identity_hash=identity_hash(recipient.normalized, salt),
            identity_type=recipient.identity_type.value,
            salt=salt,
        ),
    )


def parse_recipient(value: str) -> Recipient:
    """A recipient written as one string (query parameters): a DID, an email, else a learner id."""
    value = value.strip()
    if not value:
        raise InvalidRecipient("recipient is required")
    if value.startswith("did:"):
        return DidRecipient(did=value)
    if "@" in value:
        return IdentifierRecipient(identity_type=IdentityType.EMAIL, value=value)
    return IdentifierRecipient(identity_type=IdentityType.LEARNER_ID, value=value)
