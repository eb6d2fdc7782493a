"""Issuer trust: is the credential's issuer DID in a registry the caller relies on?

Registries are global (the platform's) or per tenant (an employer's own list). An entry may be
time-bound (an accreditation that lapses). An issuer that no registry lists is a *warning* unless
the caller's policy requires registration, in which case the ``trust`` check fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from skillpass.vc.result import Check

GLOBAL_SCOPE = "global"


class RegistryFormatError(ValueError):
    """An imported registry document is not in the expected format; the message says where."""


class InvalidTrustEntryError(ValueError):
    """A registry entry that cannot be stored; the message says which field and why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrustedIssuer:
    did: str
    name: str
    scope: str = GLOBAL_SCOPE  # GLOBAL_SCOPE or a tenant id
    url: str | None = None
    accreditation_body: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    registry: str | None = None  # where the entry came from (e.g. an imported registry's name)

    def __post_init__(self) -> None:
        if not self.did.startswith("did:") or self.did.count(":") < 2 or "#" in self.did:
            raise InvalidTrustEntryError(f"did: {self.did!r} is not a DID")
        if not self.name.strip():
            raise InvalidTrustEntryError("name: must not be empty")
        if not self.scope:
            raise InvalidTrustEntryError("scope: must not be empty")
        for label, moment in (("validFrom", self.valid_from), ("validUntil", self.valid_until)):
            if moment is not None and moment.tzinfo is None:
                raise InvalidTrustEntryError(f"{label}: needs a timezone")
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            raise InvalidTrustEntryError("validFrom: must be before validUntil")

    def in_force(self, now: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= now) and (
            self.valid_until is None or now < self.valid_until
        )


@dataclass(frozen=True, slots=True)
class TrustRegistry:
    """One scope's registry (the global one or a tenant's): at most one entry per issuer DID."""

    scope: str
    issuers: Mapping[str, TrustedIssuer] = field(default_factory=dict)

    def put(self, entry: TrustedIssuer) -> TrustRegistry:
        if entry.scope != self.scope:
            entry = replace(entry, scope=self.scope)
        return TrustRegistry(self.scope, {**self.issuers, entry.did: entry})

    def remove(self, did: str) -> TrustRegistry:
        return TrustRegistry(self.scope, {d: e for d, e in self.issuers.items() if d != did})

    def synced(self, entries: Iterable[TrustedIssuer], *, registry_name: str) -> TrustRegistry:
        """Re-importing a registry replaces what it contributed before (an issuer it dropped is
        dropped here too); entries from elsewhere stay unless the import lists the same DID."""
        kept = {d: e for d, e in self.issuers.items() if e.registry != registry_name}
        for entry in entries:
            kept[entry.did] = replace(entry, scope=self.scope, registry=registry_name)
        return TrustRegistry(self.scope, kept)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrustPolicy:
    require_registered_issuer: bool = False
    scopes: tuple[str, ...] = (GLOBAL_SCOPE,)  # which registries count, most authoritative first


def trust_check(
    issuer_did: str | None,
    *,
    entries: Iterable[TrustedIssuer],
    policy: TrustPolicy,
    now: datetime,
) -> tuple[Check, str | None]:
    """The ``trust`` check and, when the issuer is merely unregistered, a warning."""
    if issuer_did is None:
        return Check.failed("trust", "the credential names no issuer"), None
    candidates = [e for e in entries if e.did == issuer_did and e.scope in policy.scopes]
    candidates.sort(key=lambda e: policy.scopes.index(e.scope))
    in_force = [e for e in candidates if e.in_force(now)]
    if in_force:
        entry = in_force[0]
        return Check.passed(
            "trust",
            f"issuer is registered as {entry.name!r}",
            scope=entry.scope,
            registry=entry.registry,
        ), None
    reason = (
        f"issuer {issuer_did} is registered, but not at {now.isoformat()}"
        if candidates
        else f"issuer {issuer_did} is not in any trusted registry"
    )
    if policy.require_registered_issuer:
        return Check.failed("trust", reason), None
    return Check.skipped("trust", reason), reason


def parse_dcc_registry(
    document: Mapping[str, Any], *, registry_name: str, scope: str = GLOBAL_SCOPE
) -> list[TrustedIssuer]:
    """The Digital Credentials Consortium "known DID registry" format:
    ``{"meta": {...}, "entries": {"did:…": {"name": …, "url": …, "location": …}}}``."""
    entries = document.get("entries")
    if not isinstance(entries, Mapping):
        raise RegistryFormatError("a DCC registry has an 'entries' object keyed by DID")
    issuers: list[TrustedIssuer] = []
    for did, entry in entries.items():
        if not isinstance(did, str) or not did.startswith("did:"):
            raise RegistryFormatError(f"entries: {did!r} is not a DID")
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise RegistryFormatError(f"entries.{did}: needs a 'name' string")
        url = entry.get("url")
        try:
            issuers.append(
                TrustedIssuer(
                    did=did,
                    name=entry["name"],
                    url=url if isinstance(url, str) else None,
                    scope=scope,
                    registry=registry_name,
                )
            )
        except InvalidTrustEntryError as exc:
            raise RegistryFormatError(f"entries.{did}: {exc}") from None
    return issuers
