"""The key vault: issuer signing keys encrypted at rest with libsodium's SecretBox
(XSalsa20-Poly1305) under a key-encryption key (KEK) from settings.

The ciphertext binds the key's reference as well (it is prefixed to the plaintext and checked on
the way out), so a sealed key copied to another tenant's reference does not decrypt as theirs.
Clear keys exist only in memory, inside :class:`~skillpass.vc.keys.SigningKey` objects.
"""

from __future__ import annotations

import nacl.exceptions
import nacl.secret
import nacl.utils

from skillpass.issuer.service_layer.ports import SealedKeyStorage
from skillpass.vc.keys import SigningKey

KEK_SIZE = nacl.secret.SecretBox.KEY_SIZE


class KeyVaultError(RuntimeError):
    """A sealed key that does not open under this KEK (wrong KEK, tampered or misplaced)."""


class SecretBoxKeyVault:
    def __init__(self, storage: SealedKeyStorage, *, kek: bytes) -> None:
        if len(kek) != KEK_SIZE:
            raise ValueError(f"the key-encryption key must be {KEK_SIZE} bytes")
        self._box = nacl.secret.SecretBox(kek)
        self._storage = storage

    def __repr__(self) -> str:
        return "SecretBoxKeyVault(kek=<redacted>)"

    async def put(self, ref: str, key: SigningKey) -> None:
        plaintext = f"{ref}\n{key.export_secret_key_multibase()}".encode()
        sealed = bytes(self._box.encrypt(plaintext, nacl.utils.random(self._box.NONCE_SIZE)))
        await self._storage.put(ref, sealed)

    async def get(self, ref: str) -> SigningKey | None:
        sealed = await self._storage.get(ref)
        if sealed is None:
            return None
        try:
            plaintext = self._box.decrypt(sealed).decode()
        except nacl.exceptions.CryptoError:
            raise KeyVaultError(f"the sealed key {ref} does not open under this KEK") from None
        stored_ref, _, secret = plaintext.partition("\n")
        if stored_ref != ref:
            raise KeyVaultError(f"the sealed key at {ref} belongs to another reference")
        return SigningKey.from_secret_key_multibase(secret)
