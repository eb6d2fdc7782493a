"""A learner: who they are to the wallet, how credentials find them, and their holder key."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from skillpass.wallet.domain.errors import Conflict, InvalidInput
from skillpass.wallet.domain.identities import Identifier

# Learner ids come from the identity provider (the JWT `learner_id` / `sub`): keep them tame.
_LEARNER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
MAX_IDENTIFIERS = 20


def check_learner_id(learner_id: object) -> str:
    if not isinstance(learner_id, str) or not _LEARNER_ID.match(learner_id):
        raise InvalidInput(
            "a learner id is 1-128 letters, digits and . _ : @ -", code="invalid-learner-id"
        )
    return learner_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Learner:
    id: str
    did: str  # did:key of the holder key; the secret half is sealed by an adapter
    sealed_key: bytes  # the holder's secret key, encrypted under the key-encryption key
    identifiers: tuple[Identifier, ...] = ()
    auto_accept: bool = False
    created_at: datetime

    def __repr__(self) -> str:  # never print key material, even sealed
        return f"Learner(id={self.id!r}, did={self.did!r}, identifiers={len(self.identifiers)})"

    def with_identifier(self, identifier: Identifier) -> Learner:
        if identifier in self.identifiers:
            return self
        if len(self.identifiers) >= MAX_IDENTIFIERS:
            raise Conflict(
                f"a learner has at most {MAX_IDENTIFIERS} identifiers", code="too-many-identifiers"
            )
        return replace(self, identifiers=(*self.identifiers, identifier))

    def with_auto_accept(self, enabled: bool) -> Learner:
        return replace(self, auto_accept=enabled)
