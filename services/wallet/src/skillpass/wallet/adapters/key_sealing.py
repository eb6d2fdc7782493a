"""Holder keys at rest: libsodium SecretBox (XSalsa20-Poly1305) under the key-encryption key."""

from __future__ import annotations

import nacl.exceptions
import nacl.secret
import nacl.utils

from skillpass.vc.keys import SigningKey

KEK_SIZE = nacl.secret.SecretBox.KEY_SIZE


class KeyUnsealError(RuntimeError):
    """A sealed key that does not open under this KEK (wrong KEK or corrupted data)."""


class SecretBoxSealer:
    def __init__(self, kek: bytes) -> None:
        if len(kek) != KEK_SIZE:
            raise ValueError(f"the key-encryption key must be {KEK_SIZE} bytes")
        self._box = nacl.secret.SecretBox(kek)

    def __repr__(self) -> str:
        return "SecretBoxSealer(<redacted>)"

    def seal(self, key: SigningKey) -> bytes:
        # A random nonce per key, stored in front of the ciphertext.
        return bytes(self._box.encrypt(key.export_secret_key_multibase().encode()))

    def unseal(self, sealed: bytes) -> SigningKey:
        try:
            secret = self._box.decrypt(sealed)
        except nacl.exceptions.CryptoError:
            raise KeyUnsealError("a holder key does not open under the configured KEK") from None
        return SigningKey.from_secret_key_multibase(secret.decode())


def random_kek() -> bytes:
    """An ephemeral KEK for embedded/dev runs: keys sealed with it die with the process."""
    return nacl.utils.random(KEK_SIZE)
