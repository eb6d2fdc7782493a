"""Bounded memo caches: their keys come from documents from outside, so none may grow without
bound; a full cache starts over (the hot entries come back at once)."""

from __future__ import annotations

from typing import Final, TypeVar

K = TypeVar("K")
V = TypeVar("V")

LIMIT: Final = 4096


def bounded(cache: dict[K, V], limit: int = LIMIT) -> dict[K, V]:
    """The cache, emptied first when full: store into what this returns."""
    if len(cache) >= limit:
        cache.clear()
    return cache
