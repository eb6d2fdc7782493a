//! RFC 8785 JSON Canonicalization Scheme, written straight from Python objects.
//!
//! Handles exactly `dict` (string keys), `list`, `str`, `int` within ±(2^53 - 1), finite
//! `float`, `bool` and `None` (exact types). Anything else (a subclass, a tuple, a big integer,
//! NaN, a lone surrogate, very deep nesting) makes the functions return `None`, and the caller
//! uses its reference implementation, which canonicalizes or raises the proper error. So this
//! never decides what is valid JCS on its own; it only writes fast what is plainly valid.
//!
//! JCS: object members sorted by the UTF-16 code units of their names; no whitespace; strings
//! escaped as ECMAScript's JSON.stringify does; numbers as ECMAScript's Number.toString
//! (`ryu-js`).

use std::ptr::{addr_of_mut, null_mut};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sha2::{Digest, Sha256};

/// Nesting beyond this goes to the reference implementation (and its recursion limit).
const MAX_DEPTH: usize = 256;
/// 2^53 - 1: the largest integer an IEEE double holds exactly (JCS numbers are doubles).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Why the fast writer gave up: the caller falls back to the reference implementation.
struct NotHandled;

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    // Most strings need no escape: one branch-free pass (it vectorizes), then one copy.
    if !bytes
        .iter()
        .fold(false, |any, &byte| any | needs_escape(byte))
    {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(byte >> 4) as usize]);
            out.push(HEX[(byte & 0xf) as usize]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// UTF-16 code unit order (RFC 8785 §3.2.3).
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// UTF-8 byte order is UTF-16 code unit order unless a character lies outside the Basic
/// Multilingual Plane (4 UTF-8 bytes, lead byte 0xF0..0xF4; a surrogate pair in UTF-16).
fn beyond_bmp(text: &str) -> bool {
    text.as_bytes()
        .iter()
        .fold(false, |any, &byte| any | (byte >= 0xf0))
}

/// The UTF-8 of a `str` (CPython caches it; ASCII strings are their own UTF-8). None for a
/// string with lone surrogates, which JCS cannot write.
///
/// Safety: `text` is a live `str`; the slice lives as long as it does.
unsafe fn utf8<'a>(text: *mut ffi::PyObject) -> Option<&'a str> {
    let mut size: ffi::Py_ssize_t = 0;
    let data = ffi::PyUnicode_AsUTF8AndSize(text, &mut size);
    if data.is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    let bytes = std::slice::from_raw_parts(data.cast::<u8>(), usize::try_from(size).ok()?);
    Some(std::str::from_utf8_unchecked(bytes))
}

/// Writes `value` (borrowed references throughout: with the GIL held and no Python code run
/// by anything called here, the containers cannot change under the walk).
///
/// Safety: the GIL is held and `value` is a live object.
unsafe fn write_value(
    out: &mut Vec<u8>,
    value: *mut ffi::PyObject,
    depth: usize,
) -> Result<(), NotHandled> {
    let kind = ffi::Py_TYPE(value);
    if kind == addr_of_mut!(ffi::PyUnicode_Type) {
        write_string(out, utf8(value).ok_or(NotHandled)?);
    } else if kind == addr_of_mut!(ffi::PyDict_Type) {
        if depth >= MAX_DEPTH {
            return Err(NotHandled);
        }
        let mut members = Vec::with_capacity(usize::try_from(ffi::PyDict_Size(value)).unwrap_or(0));
        let (mut position, mut key, mut item) = (0, null_mut(), null_mut());
        let mut byte_order = true;
        while ffi::PyDict_Next(value, &mut position, &mut key, &mut item) != 0 {
            if ffi::Py_TYPE(key) != addr_of_mut!(ffi::PyUnicode_Type) {
                return Err(NotHandled);
            }
            let name = utf8(key).ok_or(NotHandled)?;
            byte_order &= !beyond_bmp(name);
            members.push((name, item));
        }
        if byte_order {
            members.sort_unstable_by_key(|(name, _)| *name);
        } else {
            members.sort_unstable_by(|(a, _), (b, _)| utf16_order(a, b));
        }
        out.push(b'{');
        for (i, (name, item)) in members.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_string(out, name);
            out.push(b':');
            write_value(out, *item, depth + 1)?;
        }
        out.push(b'}');
    } else if kind == addr_of_mut!(ffi::PyList_Type) {
        if depth >= MAX_DEPTH {
            return Err(NotHandled);
        }
        out.push(b'[');
        for i in 0..ffi::PyList_GET_SIZE(value) {
            if i > 0 {
                out.push(b',');
            }
            write_value(out, ffi::PyList_GET_ITEM(value, i), depth + 1)?;
        }
        out.push(b']');
    } else if value == ffi::Py_None() {
        out.extend_from_slice(b"null");
    } else if kind == addr_of_mut!(ffi::PyBool_Type) {
        out.extend_from_slice(if value == ffi::Py_True() {
            b"true"
        } else {
            b"false"
        });
    } else if kind == addr_of_mut!(ffi::PyLong_Type) {
        let mut overflow = 0;
        let number = ffi::PyLong_AsLongLongAndOverflow(value, &mut overflow);
        if overflow != 0 || !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&number) {
            return Err(NotHandled);
        }
        out.extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
    } else if kind == addr_of_mut!(ffi::PyFloat_Type) {
        let number = ffi::PyFloat_AS_DOUBLE(value);
        if !number.is_finite() {
            return Err(NotHandled);
        }
        out.extend_from_slice(ryu_js::Buffer::new().format_finite(number).as_bytes());
    } else {
        return Err(NotHandled);
    }
    Ok(())
}

fn canonical(value: &Bound<'_, PyAny>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(2048);
    // Safety: the GIL is held (we have a Bound) and `value` is alive for the call.
    unsafe { write_value(&mut out, value.as_ptr(), 0) }.ok()?;
    Some(out)
}

/// The JCS bytes of `value`, or None when the reference implementation must decide.
#[pyfunction]
pub fn canonical_json<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
) -> Option<Bound<'py, PyBytes>> {
    canonical(value).map(|out| PyBytes::new_bound(py, &out))
}

/// SHA-256 of the JCS bytes of `value`, or None when the reference implementation must decide.
#[pyfunction]
pub fn canonical_json_sha256<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
) -> Option<Bound<'py, PyBytes>> {
    canonical(value).map(|out| PyBytes::new_bound(py, &Sha256::digest(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json_stringify_does() {
        let mut out = Vec::new();
        write_string(&mut out, "a\"b\\c\n\u{1}\u{7f}\u{2028}é");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c\\n\\u0001\u{7f}\u{2028}é\""
        );
    }

    #[test]
    fn names_outside_the_bmp_sort_by_utf16_code_units() {
        // U+1F600 is D83D DE00 in UTF-16, below U+FB01; in UTF-8 (and code points) it is above.
        assert_eq!(
            utf16_order("\u{1f600}", "\u{fb01}"),
            std::cmp::Ordering::Less
        );
        assert_eq!(utf16_order("b", "a"), std::cmp::Ordering::Greater);
    }
}
