"""Ed25519 keys in the Multikey encoding (PyNaCl / libsodium signs, ``skillpass.native`` verifies).

* public key: ``publicKeyMultibase`` = ``z`` + base58btc(``0xed 0x01`` ‖ 32-byte key): ``z6Mk…``
* secret key: ``secretKeyMultibase`` = ``z`` + base58btc(``0x80 0x26`` ‖ seed) where the body is
  either the 32-byte seed (W3C vectors) or 64 bytes seed ‖ public key (Digital Bazaar's export).

Key objects never hand out the secret bytes and redact their ``repr``; the only way a secret
leaves a :class:`SigningKey` is the explicit :meth:`SigningKey.export_secret_key_multibase`, which
the issuer calls to encrypt the key at rest.

Verification goes through ``skillpass.native`` (Rust): it accepts exactly what libsodium accepts
and is faster; a key in steady use gets a precomputed table, kept here per key bytes so that every
object of one key (a DID document is parsed per verification) shares it.
"""

from __future__ import annotations

from typing import Final

from nacl.bindings import crypto_sign as _sign
from nacl.bindings import crypto_sign_seed_keypair as _seed_keypair

from skillpass.native import VerifyingKey as _NativeVerifyingKey
from skillpass.vc.memo import bounded
from skillpass.vc.multibase import (
    ED25519_PRIV_HEADER,
    ED25519_PUB_HEADER,
    MultibaseError,
    decode_base58btc,
    encode_base58btc,
)

SEED_SIZE: Final = 32
SIGNATURE_SIZE: Final = 64

# Native keys by public key bytes; a table is ~30 KB, so at most ~30 MB.
_NATIVE_KEYS: dict[bytes, _NativeVerifyingKey] = {}
_NATIVE_KEYS_LIMIT: Final = 1024


class InvalidKey(ValueError):  # noqa: N818 - reads as what it is: an invalid key
    """A key value that cannot be used (bad encoding, wrong multicodec, wrong length)."""


class VerifyingKey:
    """An Ed25519 public key."""

    __slots__ = ("_multibase", "_raw")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise InvalidKey("an Ed25519 public key has 32 bytes")
        self._raw = bytes(raw)
        self._multibase = encode_base58btc(ED25519_PUB_HEADER + raw)

    @classmethod
    def from_multibase(cls, value: str) -> VerifyingKey:
        """Parse ``publicKeyMultibase`` (``z6Mk…``)."""
        try:
            data = decode_base58btc(value)
        except MultibaseError as exc:
            raise InvalidKey(f"publicKeyMultibase: {exc}") from exc
        if not data.startswith(ED25519_PUB_HEADER) or len(data) != 34:
            raise InvalidKey("publicKeyMultibase is not an Ed25519 Multikey (0xed01 + 32 bytes)")
        return cls(data[2:])

    @property
    def multibase(self) -> str:
        """``publicKeyMultibase``: public, safe to publish."""
        return self._multibase

    @property
    def raw(self) -> bytes:
        """The 32 public key bytes (public information)."""
        return self._raw

    def verify(self, message: bytes, signature: bytes) -> bool:
        native = _NATIVE_KEYS.get(self._raw)
        if native is None:
            native = _NativeVerifyingKey(self._raw)
            bounded(_NATIVE_KEYS, _NATIVE_KEYS_LIMIT)[self._raw] = native
        return native.verify(signature, message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifyingKey) and other._multibase == self._multibase

    def __hash__(self) -> int:
        return hash(self._multibase)

    def __repr__(self) -> str:
        return f"VerifyingKey({self._multibase})"


class SigningKey:
    """An Ed25519 secret key. Its bytes are never exposed; its ``repr`` is redacted."""

    __slots__ = ("_public", "_secret")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_SIZE:
            raise InvalidKey("an Ed25519 seed has 32 bytes")
        # libsodium's 64-byte secret key is seed ‖ public key; PyNaCl's bindings layer signs with
        # it directly (its SigningKey/SignedMessage layers cost ~5 µs a signature).
        public, self._secret = _seed_keypair(bytes(seed))
        self._public = VerifyingKey(public)

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """A key from 32 seed bytes (callers pass their own randomness: the core draws none)."""
        return cls(seed)

    @classmethod
    def from_secret_key_multibase(cls, value: str) -> SigningKey:
        """Parse ``secretKeyMultibase``: header ``0x80 0x26`` then the 32-byte seed or the 64-byte
        seed ‖ public key form (whose public half must match the seed)."""
        try:
            data = decode_base58btc(value)
        except MultibaseError as exc:
            raise InvalidKey(f"secretKeyMultibase: {exc}") from None
        if not data.startswith(ED25519_PRIV_HEADER):
            raise InvalidKey("secretKeyMultibase is not an Ed25519 secret key (header 0x8026)")
        body = data[2:]
        if len(body) == SEED_SIZE:
            return cls(body)
        if len(body) == 2 * SEED_SIZE:
            key = cls(body[:SEED_SIZE])
            if key.public_key.raw != body[SEED_SIZE:]:
                raise InvalidKey("secretKeyMultibase: the public half does not match the seed")
            return key
        raise InvalidKey("secretKeyMultibase must hold a 32-byte seed or 64 bytes seed‖public")

    @property
    def public_key(self) -> VerifyingKey:
        return self._public

    def sign(self, message: bytes) -> bytes:
        """The 64-byte detached Ed25519 signature."""
        return _sign(message, self._secret)[:SIGNATURE_SIZE]

    def export_secret_key_multibase(self) -> str:
        """The one, explicit way a secret leaves the object: ``z…`` (header + 32-byte seed).
        For encrypting the key at rest; never log it."""
        return encode_base58btc(ED25519_PRIV_HEADER + self._secret[:SEED_SIZE])

    def __repr__(self) -> str:
        return f"SigningKey(public={self._public.multibase}, secret=<redacted>)"

    def __reduce__(self) -> str:  # pickling would copy the secret around unnoticed
        raise TypeError("SigningKey cannot be pickled; export it explicitly")
