"""Tenants (issuing institutions): their OB 3.0 ``Profile``, their ``did:web`` identity and the
public half of every key they have ever signed with.

A tenant's id *is* its slug: short, URL-safe, immutable, chosen by the platform admin, and the same
string the identity provider puts in the JWT ``tenant`` claim. The DID is
``did:web:<public host>:issuers:<slug>``, resolved at
``https://<public host>/issuers/<slug>/did.json``.
Keys are never dropped from the DID document: a rotated key is *retired* (no new signatures) but
stays listed under ``assertionMethod`` so every credential it signed keeps verifying.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final
from urllib.parse import quote

from skillpass.vc.dids import DID_CONTEXT, MULTIKEY_CONTEXT

_SLUG: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class InvalidTenant(ValueError):  # noqa: N818 - reads as the condition
    """A tenant field that cannot be used (the message says which and why)."""


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or _SLUG.fullmatch(slug) is None:
        raise InvalidTenant(
            "slug must be 1-63 characters of a-z, 0-9 and '-', not starting or ending with '-'"
        )
    return slug


def issuer_did(public_host: str, slug: str) -> str:
    """``did:web:<host>:issuers:<slug>``; a port is percent-encoded (``localhost%3A8000``) as the
    did:web method requires, because ``:`` separates path segments in the DID."""
    return f"did:web:{quote(public_host, safe='')}:issuers:{validate_slug(slug)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    id: str
    caption: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": "Image"}
        if self.caption:
            out["caption"] = self.caption
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """The OB 3.0 ``Profile`` fields an institution presents as issuer."""

    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image: Image | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidTenant("profile.name must not be empty")

    def to_json(self, *, did: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": did, "type": ["Profile"], "name": self.name}
        for name in ("url", "email", "description"):
            if (value := getattr(self, name)) is not None:
                out[name] = value
        if self.image is not None:
            out["image"] = self.image.to_json()
        return out


class KeyState(StrEnum):
    ACTIVE = "active"  # signs new credentials (one per tenant)
    RETIRED = "retired"  # signs nothing new; still in the DID document so old proofs verify


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerKey:
    """The public record of one signing key; the secret lives in the key vault under ``key_id``."""

    key_id: str  # the verification method fragment, also the vault id (``key-<n>``)
    public_key_multibase: str
    state: KeyState
    created_at: datetime
    retired_at: datetime | None = None

    def verification_method(self, did: str) -> str:
        return f"{did}#{self.key_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tenant:
    id: str  # == slug
    did: str
    profile: Profile
    created_at: datetime
    keys: tuple[IssuerKey, ...] = field(default=())

    @property
    def slug(self) -> str:
        return self.id

    @property
    def active_key(self) -> IssuerKey | None:
        return next((k for k in self.keys if k.state is KeyState.ACTIVE), None)

    def issuer_profile(self) -> dict[str, Any]:
        """The ``issuer`` object of credentials this tenant signs."""
        return self.profile.to_json(did=self.did)

    def next_key_id(self) -> str:
        return f"key-{len(self.keys) + 1}"

    def with_new_key(self, *, public_key_multibase: str, now: datetime) -> Tenant:
        """Add an active key; the previous active key is retired (kept for verification)."""
        key_id = self.next_key_id()
        retired = tuple(
            replace(k, state=KeyState.RETIRED, retired_at=now) if k.state is KeyState.ACTIVE else k
            for k in self.keys
        )
        new = IssuerKey(
            key_id=key_id,
            public_key_multibase=public_key_multibase,
            state=KeyState.ACTIVE,
            created_at=now,
        )
        return replace(self, keys=(*retired, new))

    def with_profile(self, profile: Profile) -> Tenant:
        return replace(self, profile=profile)


def new_tenant(*, slug: str, profile: Profile, public_host: str, now: datetime) -> Tenant:
    return Tenant(
        id=validate_slug(slug), did=issuer_did(public_host, slug), profile=profile, created_at=now
    )


def did_document(tenant: Tenant) -> dict[str, Any]:
    """The tenant's DID document: every key it has used, all under ``assertionMethod``.

    Retired keys stay listed so old credentials verify; which key signs *new* credentials is the
    issuer's business, not the verifier's.
    """
    methods = [
        {
            "id": key.verification_method(tenant.did),
            "type": "Multikey",
            "controller": tenant.did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in tenant.keys
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": tenant.did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def profile_from_json(data: Mapping[str, Any]) -> Profile:
    image = data.get("image")
    return Profile(
        name=str(data.get("name", "")),
        url=data.get("url"),
        email=data.get("email"),
        description=data.get("description"),
        image=Image(id=image["id"], caption=image.get("caption"))
        if isinstance(image, Mapping)
        else None,
    )
