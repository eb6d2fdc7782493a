"""The credential core's hot loops in Rust (``libs/native/src``), each held to a reference
implementation by the differential tests in ``libs/native/tests``:

* :class:`VerifyingKey`: Ed25519 verification accepting exactly what libsodium's
  ``crypto_sign_verify_detached`` accepts (canonical ``S``, no small-order ``R`` or key, canonical
  key encoding, cofactorless equation compared as bytes), ~1.5x faster: a key builds a table of
  its multiples once (keep one per key) and curve25519-dalek uses AVX2 when the CPU has it.
  Signing stays with PyNaCl: Ed25519 signatures are deterministic, so there is nothing to gain.
* :func:`canonical_json` / :func:`canonical_json_sha256`: RFC 8785 JCS written straight from
  ``dict``/``list``/``str``/``int``/``float``/``bool``/``None``; ``None`` (the result) when the
  value needs the reference implementation to decide (subclasses, big integers, NaN, lone
  surrogates), which then canonicalizes or raises.
* :func:`b58encode` / :func:`b58decode`: base58 with the Bitcoin alphabet, in 32-bit limbs
  (~5x faster than the ``bs58`` crate's digit-by-byte loop).
"""

from skillpass.native._rust import (
    VerifyingKey,
    b58decode,
    b58encode,
    canonical_json,
    canonical_json_sha256,
)

__all__ = ["VerifyingKey", "b58decode", "b58encode", "canonical_json", "canonical_json_sha256"]
