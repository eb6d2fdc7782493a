"""Canonical forms: JCS fast path vs the rfc8785 package, RDFC-1.0 literal escaping and numbers
vs pyoxigraph, the offline loader, safe mode."""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from skillpass.vc.canonical import UndefinedTerms, jcs, nquads_of_expanded, rdfc
from skillpass.vc.jsonld import ContextError
from skillpass.vc.loader import BUNDLED, ExtendedLoader, UnknownContext

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_jcs_agrees_with_rfc8785(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            jcs(value)
        return
    assert jcs(value) == expected


class _Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, {"b": [True, None, 1.0]}]},
        {"a": {"b": {"c": 1e20}}},
        [0.1, -0.0, 1e-7, 5e-324],
        {"t": (1, "x")},
        {"s": _Text("x")},
        {"n": float("nan")},
        1.5,
    ],
)
def test_jcs_floats_and_odd_types_take_the_exact_path(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            jcs(value)
        return
    assert jcs(value) == expected


def test_jcs_sorts_keys_by_utf16_code_units() -> None:
    value = {"\ue000": 1, "😀": 2, "a": 3}
    assert jcs(value) == rfc8785.dumps(value)
    assert jcs(value).decode().index("😀") < jcs(value).decode().index("\ue000")


def test_jcs_refuses_integers_beyond_double_precision() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - rfc8785's domain error is a ValueError
        jcs({"n": 2**60})


VC2 = "https://www.w3.org/ns/credentials/v2"


def _doc(value: Any) -> dict[str, Any]:
    return {
        "@context": [VC2],
        "id": "urn:x:1",
        "type": ["VerifiableCredential"],
        "description": value,
    }


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        'quote " and \\ backslash',
        "tab\tnew\nline\rcr",
        "bell\x07 bs\x08 ff\x0c vt\x0b",
        "nul\x00 esc\x1b del\x7f",
        "é中😀\u2028",
        0,
        -7,
        5.0,
        2.5,
        1e21,
        1.5e-7,
        True,
        False,
    ],
)
def test_rdfc_literals_match_pyoxigraph(value: Any) -> None:
    from skillpass.vc.canonical import expand

    expected = nquads_of_expanded(expand(_doc(value), loader=BUNDLED))
    assert rdfc(_doc(value), loader=BUNDLED) == expected


def test_unknown_context_is_an_error_never_a_fetch() -> None:
    doc = _doc("x") | {"@context": [VC2, "https://example.com/ctx.jsonld"]}
    with pytest.raises(ContextError) as info:
        rdfc(doc, loader=BUNDLED)
    assert info.value.url == "https://example.com/ctx.jsonld"
    with pytest.raises(UnknownContext):
        BUNDLED("https://example.com/ctx.jsonld")


def test_every_indexed_context_loads() -> None:
    for url in BUNDLED.urls():
        assert isinstance(BUNDLED(url), dict)


def test_extended_loader_serves_extra_documents_offline() -> None:
    extra = {
        "https://tenant.example/ctx": {"@context": {"badgeColour": "https://tenant.example/c"}}
    }
    loader = ExtendedLoader(extra)
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://tenant.example/ctx"],
        "id": "urn:x:2",
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:a", "badgeColour": "green"},
    }
    assert "<https://tenant.example/c>" in rdfc(doc, loader=loader)


def test_safe_mode_names_undefined_terms() -> None:
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:x:3",
        "type": ["VerifiableCredential", "MysteryCredential"],
        "credentialSubject": {"id": "did:example:a", "favouriteColour": "green"},
    }
    with pytest.raises(UndefinedTerms) as info:
        rdfc(doc, loader=BUNDLED, safe=True)
    assert "favouriteColour" in info.value.terms
    assert "MysteryCredential" in info.value.terms
    # without safe mode the undefined term is silently dropped, as JSON-LD says
    assert "green" not in rdfc(doc, loader=BUNDLED)


def test_inline_context_is_processed_and_not_confused_with_another() -> None:
    first = {
        "@context": [VC2, {"colour": "https://a.example/colour"}],
        "id": "urn:x:4",
        "type": ["VerifiableCredential"],
        "colour": "red",
    }
    second = json.loads(json.dumps(first))
    second["@context"][1]["colour"] = "https://b.example/colour"
    assert "<https://a.example/colour>" in rdfc(first, loader=BUNDLED)
    assert "<https://b.example/colour>" in rdfc(second, loader=BUNDLED)


def test_pyoxigraph_is_what_the_fallback_uses() -> None:
    assert ox.CanonicalizationAlgorithm.RDFC_1_0 is not None


def test_two_loaders_never_share_processed_contexts() -> None:
    url = "https://tenant.example/ctx"
    first = ExtendedLoader({url: {"@context": {"colour": "https://a.example/colour"}}})
    second = ExtendedLoader({url: {"@context": {"colour": "https://b.example/colour"}}})
    doc = {
        "@context": [VC2, url],
        "id": "urn:x:5",
        "type": ["VerifiableCredential"],
        "colour": "red",
    }
    assert "<https://a.example/colour>" in rdfc(doc, loader=first)
    assert "<https://b.example/colour>" in rdfc(doc, loader=second)


@pytest.mark.parametrize(
    "extra",
    [
        {
            "@context": {"langs": {"@id": "https://x.example/l", "@container": "@language"}},
            "langs": {"en": "hello", "fr": "bonjour"},
        },
        {"@context": {"n": "@nest"}, "n": {"name": "nested"}},
        {"@included": [{"id": "urn:x:inc", "name": "included"}]},
        {"@reverse": {"https://x.example/parentOf": {"id": "urn:x:child"}}},
        {"@context": {"j": {"@id": "https://x.example/j", "@type": "@json"}}, "j": {"b": [1, 2]}},
    ],
)
def test_constructs_the_fast_path_declines_still_match_pyld(extra: dict[str, Any]) -> None:
    from skillpass.vc.jsonld import reference_normalize

    doc: dict[str, Any] = {"@context": [VC2], "id": "urn:x:6", "type": ["VerifiableCredential"]}
    if "@context" in extra:
        doc["@context"] = [VC2, extra["@context"]]
    doc |= {k: v for k, v in extra.items() if k != "@context"}
    assert rdfc(doc, loader=BUNDLED) == reference_normalize(doc, loader=BUNDLED)
