//! Ed25519 signature verification.
//!
//! Accepts exactly the signatures libsodium's `crypto_sign_verify_detached` accepts (the rules
//! the core had with PyNaCl; `tests/test_ed25519.py` holds the two together). libsodium's rules
//! (`crypto_sign/ed25519/ref10/open.c`):
//!
//! * `S` is canonical (`S < L`) and `R` is not one of the small-order encodings;
//! * the key is a canonical encoding (`y < p`), not of small order, and decodes to a point;
//! * `R == encode([S]B - [SHA-512(R || A || M)]A)`, compared as bytes (cofactorless).
//!
//! Faster because `[k](-A)` for a key in use comes from a radix-16 table of the key's multiples
//! (as `[S]B` does from the basepoint's): 64 additions per scalar instead of ~250 doublings.
//! The table costs ~1.5 ms to build, so a key gets one only after `TABLE_AFTER` verifications;
//! until then, and for keys seen once, the double-base multiplication (AVX2 where the CPU has
//! it). Measured on this project's machine: libsodium ~60 µs, double-base ~40, table ~30.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsBasepointTable, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::BasepointTable;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use sha2::{Digest, Sha512};

/// Verifications with one key before it gets its table (which pays off after ~75 more).
const TABLE_AFTER: u32 = 16;

/// libsodium's `ge25519_has_small_order` list: the encodings of the points of order 1, 2, 4 and
/// 8, with the non-canonical `p` and `p + 1`; the sign bit (top bit of byte 31) is ignored.
const SMALL_ORDER_ENCODINGS: [[u8; 32]; 7] = [
    [0; 32],
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    field_encoding(0xec),
    field_encoding(0xed),
    field_encoding(0xee),
];

/// `p - 1`, `p` or `p + 1` (p = 2^255 - 19): low byte given, then 0xff.., top byte 0x7f.
const fn field_encoding(low: u8) -> [u8; 32] {
    let mut bytes = [0xff; 32];
    bytes[0] = low;
    bytes[31] = 0x7f;
    bytes
}

fn has_small_order(encoding: &[u8; 32]) -> bool {
    SMALL_ORDER_ENCODINGS
        .iter()
        .any(|listed| encoding[..31] == listed[..31] && (encoding[31] & 0x7f) == listed[31])
}

/// `y < p` for the 255-bit `y` of a point encoding (libsodium's `ge25519_is_canonical`).
fn is_canonical_point(encoding: &[u8; 32]) -> bool {
    let top_all_ones = encoding[31] & 0x7f == 0x7f && encoding[1..31].iter().all(|&b| b == 0xff);
    !(top_all_ones && encoding[0] >= 0xed)
}

/// `-A` for a key libsodium accepts, else None (then every signature under it is rejected).
fn negated_point(key: &[u8; 32]) -> Option<EdwardsPoint> {
    if !is_canonical_point(key) || has_small_order(key) {
        return None;
    }
    CompressedEdwardsY(*key).decompress().map(|point| -point)
}

/// `(S, k)` for a signature that passes libsodium's checks on `R` and `S`; `k` is
/// `SHA-512(R || A || M) mod L`.
fn scalars(key: &[u8; 32], signature: &[u8], message: &[u8]) -> Option<(Scalar, Scalar)> {
    let signature = <&[u8; 64]>::try_from(signature).ok()?;
    let (r, s) = signature.split_at(32);
    let r = <&[u8; 32]>::try_from(r).ok()?;
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s.try_into().ok()?))?;
    if has_small_order(r) {
        return None;
    }
    let digest: [u8; 64] = Sha512::new()
        .chain_update(r)
        .chain_update(key)
        .chain_update(message)
        .finalize()
        .into();
    Some((s, Scalar::from_bytes_mod_order_wide(&digest)))
}

/// An Ed25519 public key ready to verify many signatures; keep one per key (see the module).
#[pyclass(frozen, module = "skillpass.native")]
pub struct VerifyingKey {
    key: [u8; 32],
    minus_a: Option<EdwardsPoint>,
    uses: AtomicU32,
    table: OnceLock<Box<EdwardsBasepointTable>>,
}

impl VerifyingKey {
    fn check(&self, signature: &[u8], message: &[u8]) -> bool {
        let Some(minus_a) = &self.minus_a else {
            return false;
        };
        let Some((s, k)) = scalars(&self.key, signature, message) else {
            return false;
        };
        let expected = match self.table.get() {
            Some(table) => (table.as_ref() * &k) + (ED25519_BASEPOINT_TABLE * &s),
            None => {
                if self.uses.fetch_add(1, Ordering::Relaxed) + 1 >= TABLE_AFTER {
                    let _ = self
                        .table
                        .set(Box::new(EdwardsBasepointTable::create(minus_a)));
                }
                EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, minus_a, &s)
            }
        };
        expected.compress().as_bytes() == &signature[..32]
    }
}

#[pymethods]
impl VerifyingKey {
    #[new]
    fn new(public_key: &[u8]) -> PyResult<Self> {
        let key = <[u8; 32]>::try_from(public_key)
            .map_err(|_| PyValueError::new_err("an Ed25519 public key has 32 bytes"))?;
        Ok(Self {
            key,
            minus_a: negated_point(&key),
            uses: AtomicU32::new(0),
            table: OnceLock::new(),
        })
    }

    /// True when `signature` (64 bytes) is a valid signature of `message` under this key.
    /// The GIL is released while the curve arithmetic runs.
    fn verify(&self, py: Python<'_>, signature: &[u8], message: &[u8]) -> bool {
        py.allow_threads(|| self.check(signature, message))
    }

    /// Whether this key has its table yet (after `TABLE_AFTER` verifications).
    #[getter]
    fn precomputed(&self) -> bool {
        self.table.get().is_some()
    }

    fn __repr__(&self) -> String {
        let hex: String = self.key.iter().map(|b| format!("{b:02x}")).collect();
        format!("VerifyingKey({hex})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_encodings_are_p_minus_one_p_and_p_plus_one() {
        // p = 2^255 - 19 = 0x7fff..ffed little-endian
        assert_eq!(SMALL_ORDER_ENCODINGS[5][0], 0xed);
        assert!(!is_canonical_point(&SMALL_ORDER_ENCODINGS[5]));
        assert!(is_canonical_point(&SMALL_ORDER_ENCODINGS[4]));
    }

    #[test]
    fn every_small_order_point_is_listed() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        for point in EIGHT_TORSION {
            let mut encoding = point.compress().to_bytes();
            assert!(has_small_order(&encoding));
            encoding[31] ^= 0x80; // the sign bit is ignored
            assert!(has_small_order(&encoding));
        }
    }

    #[test]
    fn the_table_and_the_double_base_multiplication_agree() {
        let key = ED25519_BASEPOINT_TABLE * &Scalar::from(123_456_789u64);
        let minus_a = -key;
        let table = EdwardsBasepointTable::create(&minus_a);
        let scalar = |seed: u64| {
            let digest: [u8; 64] = Sha512::digest(seed.to_le_bytes()).into();
            Scalar::from_bytes_mod_order_wide(&digest)
        };
        for i in 0..20u64 {
            let (k, s) = (scalar(2 * i), scalar(2 * i + 1));
            let by_table = (&table * &k) + (ED25519_BASEPOINT_TABLE * &s);
            assert_eq!(
                by_table,
                EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &minus_a, &s)
            );
        }
    }
}
