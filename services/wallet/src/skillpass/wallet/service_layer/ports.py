"""The ports the wallet's use cases need: repositories (MongoDB and memory twins), the verifier,
the pathway catalogue, key sealing and presentation signing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from skillpass.platform.store import OutboxSource
from skillpass.vc.keys import SigningKey
from skillpass.wallet.domain.holdings import Holding, Transition
from skillpass.wallet.domain.identities import Identifier
from skillpass.wallet.domain.learners import Learner
from skillpass.wallet.domain.pathways import Pathway
from skillpass.wallet.domain.queries import Cursor, HoldingFilter, Page, StatusCounts
from skillpass.wallet.domain.sharing import ShareLink
from skillpass.wallet.domain.verification import VerificationReport

# A pure function from the current holding (None: none yet) to the next one and its events.
# It may run more than once when writers collide; raising aborts the write.
HoldingChange = Callable[[Holding | None], Transition]


class LearnerRepository(Protocol):
    async def add(self, learner: Learner) -> None:
        """Raises Conflict(`learner-exists`) or Conflict(`did-taken`)."""

    async def get(self, learner_id: str) -> Learner | None: ...

    async def by_did(self, did: str) -> Learner | None: ...

    async def claim_identifier(self, learner_id: str, identifier: Identifier) -> Learner:
        """Give the identifier to the learner (idempotent); Conflict(`identifier-taken`) when
        another learner has it, NotFound when the learner does not exist."""

    async def set_auto_accept(self, learner_id: str, enabled: bool) -> Learner:
        """NotFound when the learner does not exist."""

    async def by_identifier(self, identifier: Identifier) -> Learner | None: ...

    async def by_identifier_digest(self, identity_type: str, sha256_hex: str) -> Learner | None:
        """The owner of the identifier whose unsalted sha256 is `sha256_hex`."""

    def identifiers_of_type(self, identity_type: str) -> AsyncIterator[tuple[Identifier, str]]:
        """Every (identifier, learner id) of a type: salted hashes can only be matched by trying."""


class HoldingRepository(OutboxSource, Protocol):
    async def get(self, holding_id: str) -> Holding | None: ...

    async def update(
        self, holding_id: str, change: HoldingChange, *, event_id: str | None = None
    ) -> Holding | None:
        """Write `change(current)` and its events in one write, recording `event_id`. None when
        `event_id` was applied before (nothing written)."""

    async def add(self, holding: Holding) -> bool:
        """Insert a new holding; False (nothing written) when one with that id exists."""

    async def search(self, query: HoldingFilter, *, limit: int, after: Cursor | None) -> Page: ...

    async def counts(self, *, learner_id: str, tenant_id: str | None = None) -> StatusCounts: ...

    async def many(self, holding_ids: Sequence[str]) -> list[Holding]:
        """The holdings that exist among `holding_ids`, in that order."""

    async def accepted_of(self, learner_id: str) -> list[Holding]:
        """All the learner's accepted holdings, oldest first (export, pathway progress)."""

    def waiting_for(self, identity_type: str) -> AsyncIterator[Holding]:
        """Holdings waiting for a learner whose recipient has an identity of this type."""


class ShareLinkRepository(Protocol):
    async def add(self, link: ShareLink) -> None: ...

    async def get(self, link_id: str) -> ShareLink | None: ...

    async def by_token(self, token: str) -> ShareLink | None: ...

    async def of_learner(self, learner_id: str) -> list[ShareLink]:
        """Newest first."""

    async def revoke(self, link_id: str, *, at: datetime) -> ShareLink | None:
        """Set `revoked_at` unless already set; the link after, or None when unknown."""

    async def count_view(self, link_id: str) -> None:
        """Add one to the view counter, atomically."""


class CredentialVerifier(Protocol):
    async def verify(self, credential: Mapping[str, Any]) -> VerificationReport:
        """Every check on the credential; a report (never an exception) when it fails. When the
        verifier cannot be reached the report says so with an `error` check."""


class PathwayCatalogue(Protocol):
    async def pathways(self, tenant_ids: Collection[str]) -> list[Pathway]:
        """The published pathways of these tenants; [] when the catalogue cannot be reached."""


class KeySealer(Protocol):
    """Holder keys at rest: encrypted under the key-encryption key."""

    def seal(self, key: SigningKey) -> bytes: ...

    def unseal(self, sealed: bytes) -> SigningKey: ...


class PresentationSigner(Protocol):
    def sign(
        self,
        presentation: Mapping[str, Any],
        *,
        key: SigningKey,
        challenge: str | None,
        domain: str | None,
        created: datetime,
    ) -> dict[str, Any]:
        """The presentation with a Data Integrity proof, purpose `authentication`, made with
        `key` (its did:key verification method)."""
