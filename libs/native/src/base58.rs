//! base58 with the Bitcoin alphabet (multibase `z…` bodies: keys and signatures), via `bs58`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

#[pyfunction]
pub fn b58encode(data: &[u8]) -> String {
    bs58::encode(data).into_string()
}

/// ValueError on a character outside the alphabet.
#[pyfunction]
pub fn b58decode<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyBytes>> {
    let data = bs58::decode(text)
        .into_vec()
        .map_err(|_| PyValueError::new_err("invalid base58 character"))?;
    Ok(PyBytes::new_bound(py, &data))
}
