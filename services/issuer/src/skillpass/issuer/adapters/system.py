"""The system clock, UUIDs and the operating system's randomness."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidGenerator:
    def new_id(self) -> str:
        return str(uuid.uuid4())


def system_rng() -> random.SystemRandom:
    """Unpredictable status positions, salts and key seeds (``os.urandom`` underneath)."""
    return random.SystemRandom()
