"""Commands the verifier handles (one handler each, see ``handlers.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from skillpass.verifier.domain.report import Requester, VerificationReport
from skillpass.verifier.domain.trust import TrustedIssuer, TrustRegistry

R = TypeVar("R", covariant=True)


class Command(Generic[R]):
    """A command whose handler returns an ``R`` (so ``MessageBus.handle`` is typed)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyOptions:
    challenge: str | None = None
    domain: str | None = None
    checks: frozenset[str] | None = None  # already expanded by ``requested_checks``
    # None: the service's default; a caller may make it stricter, never looser.
    require_registered_issuer: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyCredential(Command[VerificationReport]):
    credential: Mapping[str, Any]
    options: VerifyOptions = field(default_factory=VerifyOptions)
    requester: Requester = field(default_factory=Requester)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyPresentation(Command[VerificationReport]):
    presentation: Mapping[str, Any]
    options: VerifyOptions = field(default_factory=VerifyOptions)
    requester: Requester = field(default_factory=Requester)
    # VC-API's ``presentation`` (no proof): only the credentials inside are verified.
    signed: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class PutTrustedIssuer(Command[TrustRegistry]):
    entry: TrustedIssuer  # its scope names the registry


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveTrustedIssuer(Command[TrustRegistry]):
    scope: str
    did: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportTrustRegistry(Command[TrustRegistry]):
    """A DCC "known DID registry" document, synced into ``scope`` under ``registry_name``."""

    scope: str
    registry_name: str
    document: Mapping[str, Any]
