"""Multibase (base58btc ``z…``, base64url ``u…``) and the multicodec headers of Ed25519 keys.

Only what Data Integrity EdDSA and Multikey need. base58 is ``skillpass.native``'s (Rust,
~0.3 µs for a signature; the ``base58`` package's digit loop takes ~30 µs, and signing and
verifying each code a signature); ``tests/test_keys_and_dids.py`` checks it against ``base58``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from skillpass.native import b58decode, b58encode

ED25519_PUB_HEADER = b"\xed\x01"  # multicodec ed25519-pub (0xed) as an unsigned varint
ED25519_PRIV_HEADER = b"\x80\x26"  # multicodec ed25519-priv (0x1300) as an unsigned varint

__all__ = [
    "BASE58_ALPHABET",
    "ED25519_PRIV_HEADER",
    "ED25519_PUB_HEADER",
    "MultibaseError",
    "b58decode",
    "b58encode",
    "decode_base58btc",
    "decode_base64url",
    "encode_base58btc",
    "encode_base64url",
]


class MultibaseError(ValueError):
    """A value that is not valid multibase, or not the multicodec that was expected."""


BASE58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def encode_base58btc(data: bytes) -> str:
    """``z`` + base58btc (Bitcoin alphabet)."""
    return "z" + b58encode(data)


def decode_base58btc(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise MultibaseError("not a base58btc multibase value (must start with 'z')")
    try:
        return b58decode(value[1:])
    except ValueError as exc:
        raise MultibaseError("invalid base58btc characters") from exc


def encode_base64url(data: bytes) -> str:
    """``u`` + unpadded base64url."""
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("u"):
        raise MultibaseError("not a base64url multibase value (must start with 'u')")
    body = value[1:]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MultibaseError("invalid base64url characters") from exc
