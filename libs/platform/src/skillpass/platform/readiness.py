"""Readiness probes: small callables `/readyz` runs, one per backend."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

# Returns when the backend answers; raises (or times out) when it does not.
ReadinessProbe = Callable[[], Awaitable[None]]
