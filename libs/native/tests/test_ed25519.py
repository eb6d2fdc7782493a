"""skillpass.native.VerifyingKey accepts exactly what libsodium (PyNaCl) accepts.

Each case runs on a fresh key (double-base multiplication) and on a key that already has its
table, and every verdict is compared with libsodium's ``crypto_sign_open``. The cases cover what
implementations of Ed25519 disagree on ("Taming the many EdDSAs", Chalkias et al. 2020):
small-order and mixed-order keys and R, non-canonical encodings of S, R and the key.
"""

from __future__ import annotations

import hashlib
import os

import nacl.bindings as sodium
import nacl.exceptions
import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillpass.native import VerifyingKey

L = 2**252 + 27742317777372353535851937790883648493
P = 2**255 - 19
# An encoding of a point of order 8 (libsodium's small-order list)
ORDER_8 = bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
SMALL_ORDER = [
    bytes(32),
    (1).to_bytes(32, "little"),
    ORDER_8,
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    (P - 1).to_bytes(32, "little"),
    P.to_bytes(32, "little"),
    (P + 1).to_bytes(32, "little"),
]


def sodium_verdict(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        sodium.crypto_sign_open(signature + message, public_key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


def warmed(public_key: bytes) -> VerifyingKey:
    """A key past its table threshold (a well-formed signature per call counts as a use)."""
    key = VerifyingKey(public_key)
    dummy = sodium.crypto_scalarmult_ed25519_base_noclamp(scalar(b"warm")) + scalar(b"s")
    for _ in range(64):
        key.verify(dummy, b"warm-up")
    return key


def scalar(seed: bytes) -> bytes:
    return sodium.crypto_core_ed25519_scalar_reduce(hashlib.sha512(seed).digest())


def assert_agrees(public_key: bytes, signature: bytes, message: bytes) -> bool:
    expected = sodium_verdict(public_key, signature, message)
    assert VerifyingKey(public_key).verify(signature, message) is expected
    key = warmed(public_key)
    if expected or key.precomputed:
        assert key.verify(signature, message) is expected
    return expected


def sign_with_scalar(a: bytes, public_key: bytes, message: bytes, nonce: bytes) -> bytes:
    """An Ed25519 signature by secret scalar ``a`` with ``public_key`` hashed in as given (the
    key may be a·B plus a torsion point): R = rB, S = r + H(R‖A‖M)·a."""
    r = scalar(nonce)
    big_r = sodium.crypto_scalarmult_ed25519_base_noclamp(r)
    k = sodium.crypto_core_ed25519_scalar_reduce(
        hashlib.sha512(big_r + public_key + message).digest()
    )
    s = sodium.crypto_core_ed25519_scalar_add(r, sodium.crypto_core_ed25519_scalar_mul(k, a))
    return big_r + s


def test_valid_signatures_verify_on_both_paths() -> None:
    signer = nacl.signing.SigningKey(os.urandom(32))
    public_key = bytes(signer.verify_key)
    key = VerifyingKey(public_key)
    messages = [os.urandom(n) for n in (0, 1, 64, 1000)] * 10
    for message in messages:
        assert key.verify(signer.sign(message).signature, message)
    assert key.precomputed  # the later ones went through the table
    assert not key.verify(signer.sign(b"a").signature, b"b")


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=200), st.integers(0, 63), st.integers(1, 255))
def test_any_changed_signature_byte_gets_libsodiums_verdict(
    message: bytes, position: int, flip: int
) -> None:
    signer = nacl.signing.SigningKey(hashlib.sha256(message).digest())
    public_key = bytes(signer.verify_key)
    signature = bytearray(signer.sign(message).signature)
    signature[position] ^= flip
    assert_agrees(public_key, bytes(signature), message)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=64, max_size=64))
def test_random_keys_and_signatures_get_libsodiums_verdict(key: bytes, signature: bytes) -> None:
    assert_agrees(key, signature, b"message")


def test_a_mixed_order_key_gets_libsodiums_verdict_every_time() -> None:
    """A = aB + T (T of order 8): a signature by ``a`` holds in the cofactorless equation only
    when H(R‖A‖M) is a multiple of 8, so libsodium accepts about one in eight."""
    a = scalar(b"mixed-order key")
    public_key = sodium.crypto_core_ed25519_add(
        sodium.crypto_scalarmult_ed25519_base_noclamp(a), ORDER_8
    )
    verdicts = [
        assert_agrees(public_key, sign_with_scalar(a, public_key, m, b"n" + m), m)
        for m in (i.to_bytes(2, "big") for i in range(160))
    ]
    assert 0 < sum(verdicts) < len(verdicts)  # both outcomes were exercised


def test_a_mixed_order_r_gets_libsodiums_verdict_every_time() -> None:
    """A = aB + T and R = rB + T: [S]B - [k]A = rB - kT equals R when k ≡ -1 (mod 8)."""
    a = scalar(b"key")
    public_key = sodium.crypto_core_ed25519_add(
        sodium.crypto_scalarmult_ed25519_base_noclamp(a), ORDER_8
    )
    verdicts = []
    for i in range(160):
        message = i.to_bytes(2, "big")
        r = scalar(b"r" + message)
        big_r = sodium.crypto_core_ed25519_add(
            sodium.crypto_scalarmult_ed25519_base_noclamp(r), ORDER_8
        )
        k = sodium.crypto_core_ed25519_scalar_reduce(
            hashlib.sha512(big_r + public_key + message).digest()
        )
        s = sodium.crypto_core_ed25519_scalar_add(r, sodium.crypto_core_ed25519_scalar_mul(k, a))
        verdicts.append(assert_agrees(public_key, big_r + s, message))
    assert 0 < sum(verdicts) < len(verdicts)


@pytest.mark.parametrize("encoding", SMALL_ORDER, ids=lambda e: e.hex()[:8])
@pytest.mark.parametrize("sign_bit", [0, 0x80])
def test_small_order_keys_and_r_are_rejected(encoding: bytes, sign_bit: int) -> None:
    point = encoding[:31] + bytes([encoding[31] | sign_bit])
    # identity-like keys make R = [S]B hold for S = 0, R = identity: libsodium still refuses
    assert not assert_agrees(point, SMALL_ORDER[1] + bytes(32), b"m")
    assert not assert_agrees(point, point + bytes(32), b"m")
    signer = nacl.signing.SigningKey(bytes(32))
    signature = point + signer.sign(b"m").signature[32:]
    assert not assert_agrees(bytes(signer.verify_key), signature, b"m")


def test_a_non_canonical_s_is_rejected() -> None:
    signer = nacl.signing.SigningKey(b"\1" * 32)
    signature = signer.sign(b"m").signature
    s = int.from_bytes(signature[32:], "little")
    assert assert_agrees(bytes(signer.verify_key), signature, b"m")
    assert not assert_agrees(
        bytes(signer.verify_key), signature[:32] + (s + L).to_bytes(32, "little"), b"m"
    )


@pytest.mark.parametrize("y", range(P, 2**255))
def test_non_canonical_keys_are_rejected(y: int) -> None:
    # (Only y = p and p + 1, small order, could carry a signature: a valid one for any other
    # point needs its discrete logarithm, so the canonical-key rule cannot be told apart here.)
    for sign_bit in (0, 1 << 255):
        assert not assert_agrees((y | sign_bit).to_bytes(32, "little"), bytes(64), b"m")


@pytest.mark.parametrize("torsion", [SMALL_ORDER[1], ORDER_8], ids=["identity", "order-8"])
def test_a_small_order_r_is_rejected_although_the_equation_holds(torsion: bytes) -> None:
    """R = T (small order), S = k·a for the key A = aB: [S]B - [k]A is the identity, so with
    R the identity the equation holds and only the small-order rule refuses it."""
    a = scalar(b"small-order R")
    ordinary = sodium.crypto_scalarmult_ed25519_base_noclamp(a)
    for message in (i.to_bytes(2, "big") for i in range(40)):
        k = sodium.crypto_core_ed25519_scalar_reduce(
            hashlib.sha512(torsion + ordinary + message).digest()
        )
        signature = torsion + sodium.crypto_core_ed25519_scalar_mul(k, a)
        assert not assert_agrees(ordinary, signature, message)


def test_wrong_lengths() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        VerifyingKey(b"\0" * 31)
    signer = nacl.signing.SigningKey(b"\2" * 32)
    key = VerifyingKey(bytes(signer.verify_key))
    signature = signer.sign(b"m").signature
    assert key.verify(signature, b"m")
    assert not key.verify(signature[:63], b"m")
    assert not key.verify(signature + b"\0", b"m")
