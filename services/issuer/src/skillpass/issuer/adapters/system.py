"""The system clock, UUIDs and the operating system's randomness."""

from __future__ import annotations

import os
import random
import socket
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


def worker_identity() -> str:
    """Names this process as the holder of batch chunk leases (host, pid and a nonce: a pid is
    reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
