"""Multibase (base58btc ``z…``, base64url ``u…``) and the multicodec headers of Ed25519 keys.

Only what Data Integrity EdDSA and Multikey need. base58btc is done here rather than with the
``base58`` package because signing and verifying encode/decode a signature per credential and the
package's digit-at-a-time loop costs ~30 µs per 64 bytes; converting through one big integer two
digits (58²) at a time costs a third of that. ``tests/test_multibase.py`` checks both agree.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

ED25519_PUB_HEADER = b"\xed\x01"  # multicodec ed25519-pub (0xed) as an unsigned varint
ED25519_PRIV_HEADER = b"\x80\x26"  # multicodec ed25519-priv (0x1300) as an unsigned varint


class MultibaseError(ValueError):
    """A value that is not valid multibase, or not the multicodec that was expected."""


BASE58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_PAIRS: Final = tuple(a + b for a in BASE58_ALPHABET for b in BASE58_ALPHABET)
_PAIR_VALUE: Final = {pair: i for i, pair in enumerate(_PAIRS)}
_DIGIT_VALUE: Final = {c: i for i, c in enumerate(BASE58_ALPHABET)}


def b58encode(data: bytes) -> str:
    """base58 (Bitcoin alphabet) without a multibase prefix."""
    n = int.from_bytes(data, "big")
    out: list[str] = []
    append = out.append
    while n:
        n, r = divmod(n, 3364)
        append(_PAIRS[r])
    digits = "".join(reversed(out)).lstrip("1")
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + digits


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; ``ValueError`` on a character outside the alphabet."""
    n = 0
    try:
        if len(text) % 2:
            n = _DIGIT_VALUE[text[0]]
            start = 1
        else:
            start = 0
        pair_value = _PAIR_VALUE
        for i in range(start, len(text), 2):
            n = n * 3364 + pair_value[text[i : i + 2]]
    except KeyError:
        raise ValueError("invalid base58 character") from None
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")


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
