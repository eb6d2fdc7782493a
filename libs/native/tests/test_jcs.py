"""skillpass.native.canonical_json writes the bytes of the ``rfc8785`` package (the reference),
and hands back None, never a wrong answer, for what it leaves to the reference."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from skillpass.native import canonical_json, canonical_json_sha256

SAFE = 2**53 - 1
# every character, lone surrogates included (JCS cannot write those: the reference raises)
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=12)
PLAIN_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)


def json_values(text: st.SearchStrategy[str], integers: st.SearchStrategy[int]) -> Any:
    scalars = st.none() | st.booleans() | integers | st.floats() | text
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(text, inner, max_size=5),
        max_leaves=30,
    )


def reference(value: Any) -> bytes | None:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError):
        return None


def plain(value: Any) -> bool:
    """Made only of what the native writer handles: it must then answer, not defer."""
    if isinstance(value, dict):
        return all(plain(k) and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -SAFE <= value <= SAFE
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    return value is None or isinstance(value, bool)


@settings(max_examples=600, deadline=None)
@given(json_values(ANY_TEXT, st.integers(-(2**60), 2**60)))
def test_native_bytes_are_the_references_or_none(value: Any) -> None:
    out = canonical_json(value)
    if plain(value):
        assert out is not None
    if out is not None:
        assert out == reference(value)
        assert canonical_json_sha256(value) == hashlib.sha256(out).digest()
    else:
        assert canonical_json_sha256(value) is None


@settings(max_examples=500, deadline=None)
@given(json_values(PLAIN_TEXT, st.integers(-SAFE, SAFE)))
def test_plain_json_is_always_written_natively(value: Any) -> None:
    out = canonical_json(value)
    if isinstance(value, float) and not math.isfinite(value):
        return
    if plain(value):
        assert out == reference(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # RFC 8785 appendix B: numbers as ECMAScript writes them
        (1e21, b"1e+21"),
        (1e-7, b"1e-7"),
        (-0.0, b"0"),
        (5e-324, b"5e-324"),
        (333333333.3333333, b"333333333.3333333"),
        (9007199254740991, b"9007199254740991"),
        # RFC 8785 §3.2.3: names sorted by UTF-16 code units (U+1F600 is D83D DE00 < U+FB01)
        ({"\ufb01": 1, "\U0001f600": 2, "\r": 3, "1": 4, "\x80": 5, "ö": 6}, None),
        # JSON.stringify escapes: U+2028 and DEL as they are, other controls as \u00xx
        ('\u2028\x7f\x1f"\\\b', '"\u2028\x7f\\u001f\\"\\\\\\b"'.encode()),
    ],
)
def test_rfc8785_examples(value: Any, expected: bytes | None) -> None:
    out = canonical_json(value)
    assert out == (expected if expected is not None else rfc8785.dumps(value))


@pytest.mark.parametrize(
    "value",
    [2**53, -(2**53), float("nan"), float("inf"), "\ud800", (1, 2), {1: "a"}, [b"x"]],
    ids=["2^53", "-2^53", "nan", "inf", "lone-surrogate", "tuple", "int-key", "bytes"],
)
def test_what_the_reference_must_decide_is_left_to_it(value: Any) -> None:
    assert canonical_json(value) is None
    assert canonical_json([{"a": value}]) is None


def test_subclasses_are_left_to_the_reference() -> None:
    class Text(str):
        pass

    assert canonical_json(Text("a")) is None
    assert canonical_json({"k": True}) == b'{"k":true}'
