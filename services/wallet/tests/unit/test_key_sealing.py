from __future__ import annotations

import pytest

from skillpass.vc.keys import SigningKey
from skillpass.wallet.adapters.key_sealing import KeyUnsealError, SecretBoxSealer


def test_a_sealed_key_opens_only_under_its_kek() -> None:
    key = SigningKey.from_seed(bytes(range(32)))
    sealed = SecretBoxSealer(b"k" * 32).seal(key)
    assert key.export_secret_key_multibase().encode() not in sealed
    assert SecretBoxSealer(b"k" * 32).unseal(sealed).public_key == key.public_key
    with pytest.raises(KeyUnsealError):
        SecretBoxSealer(b"x" * 32).unseal(sealed)
    assert "k" * 8 not in repr(SecretBoxSealer(b"k" * 32))
