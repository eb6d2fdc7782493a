"""Everything the handlers use, built once by bootstrap (the composition root)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from skillpass.wallet.service_layer.ports import (
    CredentialVerifier,
    HoldingRepository,
    KeySealer,
    LearnerRepository,
    PathwayCatalogue,
    PresentationSigner,
    ShareLinkRepository,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletDeps:
    learners: LearnerRepository
    holdings: HoldingRepository
    share_links: ShareLinkRepository
    verifier: CredentialVerifier
    catalogue: PathwayCatalogue
    sealer: KeySealer
    signer: PresentationSigner
    clock: Callable[[], datetime]
    new_id: Callable[[], str]  # uuid4-ish ids (share links, presentations)
    new_token: Callable[[], str]  # unguessable share tokens
    new_seed: Callable[[], bytes]  # 32 random bytes for a holder key
    on_outbox_write: Callable[[], None] = lambda: None  # wakes the relay
