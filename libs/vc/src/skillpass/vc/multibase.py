"""Multibase (base58btc ``z…``, base64url ``u…``) and the multicodec headers of Ed25519 keys.

Only what Data Integrity EdDSA and Multikey need. base58btc is done here rather than with the
``base58`` package because signing and verifying encode/decode a signature per credential and the
package's digit-at-a-time loop costs ~30 µs per 64 bytes. Encoding converts through one big
integer two digits (58²) at a time; decoding needs no loop over the digits at all (see
:func:`b58decode`), ~4 µs for a signature. ``tests/test_keys_and_dids.py`` checks both against
the ``base58`` package.
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


# byte -> digit value; 0xFF marks a byte outside the alphabet
_DIGITS: Final = bytes(
    BASE58_ALPHABET.encode().index(b) if b in BASE58_ALPHABET.encode() else 0xFF for b in range(256)
)
_PLANS: dict[int, tuple[tuple[int, int, int], ...]] = {}
_PLAN_LIMIT: Final = 512  # digits; longer (never a key or signature) is planned per call


def _plan(length: int) -> tuple[tuple[int, int, int], ...]:
    """The steps that turn ``length`` base-58 digits, one per byte of a big integer, into their
    value: each step merges neighbouring fields pairwise (hi·58^k + lo), doubling the field width,
    so every digit is handled by a few big-integer operations instead of a Python loop."""
    steps = []
    width, fields, digits = 8, length, 1
    while fields > 1:
        pairs = (fields + 1) // 2
        low = (1 << width) - 1
        mask = sum(low << (2 * width * i) for i in range(pairs))
        # hi·2^w + lo becomes hi·58^k + lo by subtracting hi·(2^w - 58^k); fields never overflow
        # (58^(2k) < 2^(2w) since 58 < 2^8)
        steps.append((width, mask, (1 << width) - 58**digits))
        width, fields, digits = 2 * width, pairs, 2 * digits
    return tuple(steps)


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; ``ValueError`` on a character outside the alphabet."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("invalid base58 character") from None
    digits = raw.translate(_DIGITS)
    if b"\xff" in digits:
        raise ValueError("invalid base58 character")
    length = len(digits)
    plan = _PLANS.get(length)
    if plan is None:
        plan = _plan(length)
        if length <= _PLAN_LIMIT:
            _PLANS[length] = plan
    n = int.from_bytes(digits, "big")
    for width, mask, factor in plan:
        n -= ((n >> width) & mask) * factor
    zeros = length - len(raw.lstrip(b"1"))
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
