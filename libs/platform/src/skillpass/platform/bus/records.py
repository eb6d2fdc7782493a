"""Records as the bus carries them, independent of the transport."""

from __future__ import annotations

from dataclasses import dataclass

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingRecord:
    topic: str
    key: bytes
    value: bytes
    headers: Headers = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumedRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers = ()

    def header(self, name: str) -> bytes | None:
        """The last value of a header (Kafka allows repeats; the last one wins)."""
        found = None
        for header_name, value in self.headers:
            if header_name == name:
                found = value
        return found
