"""Status lists: where each credential's revocation and suspension bits live.

A tenant has one *current* list at a time; each list has ``size`` (≥ 131,072) positions and two
bitstrings over them (revocation, suspension), published as two signed
``BitstringStatusListCredential``s. A credential takes one position, chosen uniformly at random
among the free ones (an index then says nothing about when a credential was issued); when no
position is free the tenant gets a new list.

Allocation is a *claim* recorded by the credential itself (the position is part of the credential
record, unique per list): see ``adapters/`` for why that makes a leaked index impossible.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from skillpass.vc.status import MIN_ENTRIES, Bitstring, IndexRandom, StatusPurpose, allocate_index

LIST_SIZE: Final = MIN_ENTRIES


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusList:
    id: str
    tenant_id: str
    size: int
    created_at: datetime
    full: bool = False

    def __post_init__(self) -> None:
        if self.size < MIN_ENTRIES or self.size % 8:
            raise ValueError(f"a status list has a multiple of 8, at least {MIN_ENTRIES:,} entries")

    def draw(self, rng: IndexRandom) -> int:
        """A random position, free or not (the caller checks against the store)."""
        return rng.randrange(self.size)

    def allocate(self, taken: AbstractSet[int], rng: IndexRandom) -> int | None:
        """A free position chosen at random given every taken one; None when the list is full."""
        return allocate_index(taken, rng=rng, size=self.size)

    def allocate_many(self, taken: AbstractSet[int], count: int, rng: IndexRandom) -> list[int]:
        """Up to ``count`` distinct free positions (fewer when the list fills up)."""
        claimed = set(taken)
        out: list[int] = []
        while len(out) < count:
            index = allocate_index(claimed, rng=rng, size=self.size)
            if index is None:
                break
            claimed.add(index)
            out.append(index)
        return out

    def filled(self) -> StatusList:
        return replace(self, full=True)


def new_status_list(
    *, list_id: str, tenant_id: str, now: datetime, size: int = LIST_SIZE
) -> StatusList:
    return StatusList(id=list_id, tenant_id=tenant_id, size=size, created_at=now)


def bitstring(size: int, set_indices: Iterable[int]) -> Bitstring:
    bits = Bitstring(size)
    for index in set_indices:
        bits.set(index)
    return bits


def parse_public_id(public_id: str) -> tuple[str, StatusPurpose] | None:
    """``<list id>-<purpose>`` (the path segment of a list URL) → (list id, purpose)."""
    list_id, _, purpose = public_id.rpartition("-")
    if not list_id:
        return None
    try:
        return list_id, StatusPurpose(purpose)
    except ValueError:
        return None
