"""A per-caller token bucket for the public verification endpoints (in process: each replica
limits on its own; the ingress / gateway limits globally)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        clock: Callable[[], float],
        max_callers: int = 100_000,
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._max_callers = max_callers
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def acquire(self, caller: str) -> float | None:
        """None when the caller may go ahead; else the seconds until a token is free."""
        now = self._clock()
        bucket = self._buckets.pop(caller, None) or _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        self._buckets[caller] = bucket  # most recently seen last
        if len(self._buckets) > self._max_callers:
            self._buckets.popitem(last=False)  # forget the longest idle caller
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self._rate
