//! The credential core's hot loops in Rust: Ed25519 verification with libsodium's rules and
//! per-key tables, RFC 8785 JCS (+ SHA-256) straight from Python objects, and base58. Each is
//! held to a reference implementation by differential tests in `libs/native/tests`.

// pyo3 0.22's #[pyfunction] expansion converts PyErr into PyErr (clippy::useless_conversion).
#![allow(clippy::useless_conversion)]

use pyo3::prelude::*;

mod base58;
mod ed25519;
mod jcs;

#[pymodule]
fn _rust(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<ed25519::VerifyingKey>()?;
    module.add_function(wrap_pyfunction!(jcs::canonical_json, module)?)?;
    module.add_function(wrap_pyfunction!(jcs::canonical_json_sha256, module)?)?;
    module.add_function(wrap_pyfunction!(base58::b58encode, module)?)?;
    module.add_function(wrap_pyfunction!(base58::b58decode, module)?)?;
    Ok(())
}
