"""Awaiting several independent operations at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any


async def gather_or_raise(awaitables: Iterable[Awaitable[Any]]) -> None:
    """Await every one, then raise the first failure. Unlike `asyncio.gather` none is left
    running or unretrieved after a failure; unlike a `TaskGroup` the error keeps its own type
    (callers and tests catch it by type, not as an exception group)."""
    outcomes = await asyncio.gather(*awaitables, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
