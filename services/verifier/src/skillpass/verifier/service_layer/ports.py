"""The verifier's ports. Each has an in-memory twin in ``adapters/memory.py`` (or over the
platform's in-memory store) and one contract suite."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from skillpass.platform.cloudevents import PendingEvent
from skillpass.vc.dids import DidResolver
from skillpass.vc.result import VerificationResult
from skillpass.vc.status import StatusListSource
from skillpass.verifier.domain.report import VerificationReport
from skillpass.verifier.domain.trust import TrustedIssuer, TrustRegistry

Clock = Callable[[], datetime]
NewId = Callable[[], str]


@dataclass(frozen=True, slots=True)
class Fetched:
    """A document that was fetched, or why it could not be (safe to show to callers)."""

    document: Mapping[str, Any] | None
    problem: str | None = None


class Documents(Protocol):
    """DID documents and status list credentials from the network: SSRF-safe, size- and
    time-capped, cached, single-flight. Never raises for an unreachable or bad document.
    Documents handed out may be shared with other verifications: never change them."""

    async def did_document(self, did: str) -> Fetched: ...

    async def status_list(self, url: str) -> Fetched: ...

    def known_did_document(self, did: str) -> Fetched | None:
        """What :meth:`did_document` would answer, when that is known without IO (cached, or
        known not to be obtainable); None when only a fetch can tell."""

    def known_status_list(self, url: str) -> Fetched | None:
        """As :meth:`known_did_document`, for :meth:`status_list`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PresentationProofs:
    """The presentation's ``proof`` checks and the verification methods of the proofs that
    verified (the holder-binding rule decides whose keys those are)."""

    result: VerificationResult
    signers: tuple[str, ...]


class CredentialCore(Protocol):
    """The pure credential core (``skillpass.vc``), behind one seam: synchronous, given every
    document it may need through the dict-backed ``resolver`` and ``status``."""

    def verify_credential(
        self,
        credential: Mapping[str, Any],
        *,
        resolver: DidResolver,
        status: StatusListSource,
        now: datetime,
    ) -> VerificationResult: ...

    def verify_presentation_proofs(
        self,
        presentation: Mapping[str, Any],
        *,
        resolver: DidResolver,
        now: datetime,
        challenge: str | None,
        domain: str | None,
    ) -> PresentationProofs: ...


class VerificationRepository(Protocol):
    async def add(self, report: VerificationReport, *, events: Sequence[PendingEvent]) -> None:
        """Store the report and its events in one write (the outbox)."""

    async def get(self, verification_id: str) -> VerificationReport | None: ...


RegistryChange = Callable[[TrustRegistry], TrustRegistry]


class TrustRegistryRepository(Protocol):
    async def get(self, scope: str) -> TrustRegistry:
        """The scope's registry; an empty one when nothing was ever stored."""

    async def update(self, scope: str, change: RegistryChange) -> TrustRegistry:
        """Apply a pure change atomically (it may run again if writers collide)."""

    async def entries_for(self, did: str, scopes: Sequence[str]) -> list[TrustedIssuer]:
        """The entries for ``did`` in the given scopes."""
