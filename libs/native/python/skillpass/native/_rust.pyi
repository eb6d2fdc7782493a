from typing import Any

class VerifyingKey:
    """An Ed25519 public key ready to verify many signatures (its table is built once)."""

    def __init__(self, public_key: bytes) -> None: ...
    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` (64 bytes) is a valid signature of ``message`` under this key."""
    @property
    def precomputed(self) -> bool:
        """Whether the key has its table yet (it gets one after a few verifications)."""

def canonical_json(value: Any) -> bytes | None:
    """The RFC 8785 bytes of ``value``, or None when the reference implementation must decide."""

def canonical_json_sha256(value: Any) -> bytes | None:
    """SHA-256 of the RFC 8785 bytes of ``value``, or None (as :func:`canonical_json`)."""

def b58encode(data: bytes) -> str: ...
def b58decode(text: str) -> bytes:
    """ValueError on a character outside the alphabet."""
