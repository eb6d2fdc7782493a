"""Multikey keys (both secret forms, redaction) and DID dereferencing."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillpass.vc.dids import (
    OFFLINE_RESOLVER,
    CompositeResolver,
    DidError,
    dereference,
    did_key,
    did_key_verification_method,
    resolve_did_key,
)
from skillpass.vc.keys import InvalidKey, SigningKey, VerifyingKey
from skillpass.vc.multibase import (
    BASE58_ALPHABET,
    ED25519_PRIV_HEADER,
    b58decode,
    b58encode,
    decode_base58btc,
    encode_base58btc,
)

PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


def test_secret_key_multibase_gives_the_published_public_key() -> None:
    key = SigningKey.from_secret_key_multibase(SECRET)
    assert key.public_key.multibase == PUBLIC
    assert VerifyingKey.from_multibase(PUBLIC) == key.public_key


def test_64_byte_secret_form_is_accepted_and_checked() -> None:
    key = SigningKey.from_secret_key_multibase(SECRET)
    seed = decode_base58btc(SECRET)[2:]
    good = encode_base58btc(ED25519_PRIV_HEADER + seed + key.public_key.raw)
    assert SigningKey.from_secret_key_multibase(good).public_key == key.public_key
    other = SigningKey.from_seed(bytes(32)).public_key.raw
    with pytest.raises(InvalidKey, match="public half"):
        SigningKey.from_secret_key_multibase(encode_base58btc(ED25519_PRIV_HEADER + seed + other))


def test_export_round_trips() -> None:
    key = SigningKey.from_seed(bytes(range(32)))
    again = SigningKey.from_secret_key_multibase(key.export_secret_key_multibase())
    assert again.sign(b"x") == key.sign(b"x")


def test_signing_key_never_shows_its_secret() -> None:
    key = SigningKey.from_secret_key_multibase(SECRET)
    text = repr(key) + str(key)
    assert "redacted" in text
    assert SECRET not in text
    assert decode_base58btc(SECRET)[2:].hex() not in text
    assert not hasattr(key, "__dict__")
    with pytest.raises(TypeError):
        pickle.dumps(key)


@pytest.mark.parametrize(
    "value",
    ["", "z", "6Mk", "zzzz0OIl", PUBLIC[:-2], encode_base58btc(b"\xec\x01" + bytes(32))],
)
def test_bad_public_keys_are_rejected(value: str) -> None:
    with pytest.raises(InvalidKey):
        VerifyingKey.from_multibase(value)


@pytest.mark.parametrize(
    "value", ["", SECRET[:-3], PUBLIC, encode_base58btc(ED25519_PRIV_HEADER + bytes(31))]
)
def test_bad_secret_keys_are_rejected(value: str) -> None:
    with pytest.raises(InvalidKey):
        SigningKey.from_secret_key_multibase(value)


def test_base58_matches_the_reference_package() -> None:
    import base58

    for data in [b"", b"\0", b"\0\0\1", bytes(range(64)), b"\xff" * 40, b"hello world"]:
        assert b58encode(data) == base58.b58encode(data).decode()
        assert b58decode(b58encode(data)) == data


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=600))
def test_base58_roundtrips_and_matches_the_reference_package_for_any_bytes(data: bytes) -> None:
    import base58

    text = b58encode(data)
    assert text == base58.b58encode(data).decode()
    assert b58decode(text) == data


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=BASE58_ALPHABET + "0OIl+/ é\0", max_size=120))
def test_base58_decodes_any_text_as_the_reference_package_does(text: str) -> None:
    import base58

    try:
        expected: bytes | None = base58.b58decode(text)
    except ValueError:
        expected = None
    if expected is None or text != text.rstrip():  # base58 strips trailing blanks; we refuse them
        with pytest.raises(ValueError):  # noqa: PT011 - the documented error
            b58decode(text)
    else:
        assert b58decode(text) == expected


def test_verify_rejects_a_wrong_signature() -> None:
    key = SigningKey.from_seed(bytes(32))
    signature = key.sign(b"message")
    assert key.public_key.verify(b"message", signature)
    assert not key.public_key.verify(b"messagE", signature)
    assert not key.public_key.verify(b"message", signature[:-1])


def test_did_key_document_lists_the_key_under_every_relationship() -> None:
    doc = resolve_did_key(f"did:key:{PUBLIC}")
    assert doc is not None
    vm = f"did:key:{PUBLIC}#{PUBLIC}"
    assert doc["verificationMethod"][0]["publicKeyMultibase"] == PUBLIC
    assert doc["assertionMethod"] == [vm]
    assert doc["authentication"] == [vm]
    assert resolve_did_key("did:key:zQ3notakey") is None


@pytest.mark.parametrize("vm", [f"did:key:{PUBLIC}#{PUBLIC}", f"did:key:{PUBLIC}"])
def test_did_key_dereferences_with_or_without_fragment(vm: str) -> None:
    method = dereference(vm, resolver=OFFLINE_RESOLVER)
    assert method.public_key.multibase == PUBLIC
    assert method.controller == f"did:key:{PUBLIC}"
    assert "assertionMethod" in method.relationships


def test_did_key_with_another_fragment_is_refused() -> None:
    with pytest.raises(DidError):
        dereference(f"did:key:{PUBLIC}#other", resolver=OFFLINE_RESOLVER)


def _web_doc() -> dict[str, Any]:
    k1 = SigningKey.from_seed(bytes([1]) * 32).public_key.multibase
    k2 = SigningKey.from_seed(bytes([2]) * 32).public_key.multibase
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": "did:web:uni.example",
        "verificationMethod": [
            {
                "id": "#key-1",
                "type": "Multikey",
                "controller": "did:web:uni.example",
                "publicKeyMultibase": k1,
            },
            {
                "id": "did:web:uni.example#key-2",
                "type": "Multikey",
                "controller": "did:web:uni.example",
                "publicKeyMultibase": k2,
            },
        ],
        "assertionMethod": ["#key-1"],
        "authentication": ["did:web:uni.example#key-2"],
    }


class _Docs:
    def __init__(self, docs: Mapping[str, Mapping[str, Any]]) -> None:
        self.docs = docs

    def __call__(self, did: str) -> Mapping[str, Any] | None:
        return self.docs.get(did)


def test_did_web_document_with_several_keys() -> None:
    resolver = CompositeResolver(web=_Docs({"did:web:uni.example": _web_doc()}))
    one = dereference("did:web:uni.example#key-1", resolver=resolver)
    two = dereference("did:web:uni.example#key-2", resolver=resolver)
    assert one.public_key != two.public_key
    assert one.relationships == {"assertionMethod"}
    assert two.relationships == {"authentication"}
    with pytest.raises(DidError, match="exactly one key"):
        dereference("did:web:uni.example", resolver=resolver)
    with pytest.raises(DidError, match="no such verification method"):
        dereference("did:web:uni.example#key-3", resolver=resolver)
    with pytest.raises(DidError, match="could not be resolved"):
        dereference("did:web:other.example#key-1", resolver=resolver)


def test_a_documents_methods_are_read_once_and_a_new_document_anew() -> None:
    doc = _web_doc()
    docs = _Docs({"did:web:uni.example": doc})
    resolver = CompositeResolver(web=docs)
    first = dereference("did:web:uni.example#key-1", resolver=resolver)
    assert dereference("did:web:uni.example#key-1", resolver=resolver) is first
    # a refetch (a new object) with the key rotated: the new key, not the remembered one
    rotated = _web_doc()
    rotated["verificationMethod"][0]["publicKeyMultibase"] = rotated["verificationMethod"][1][
        "publicKeyMultibase"
    ]
    docs.docs = {"did:web:uni.example": rotated}
    again = dereference("did:web:uni.example#key-1", resolver=resolver)
    assert again is not first
    assert again.public_key != first.public_key
    # errors are not remembered either: the same document still raises
    with pytest.raises(DidError, match="no such verification method"):
        dereference("did:web:uni.example#key-3", resolver=resolver)
    with pytest.raises(DidError, match="no such verification method"):
        dereference("did:web:uni.example#key-3", resolver=resolver)


def test_a_document_for_another_did_is_refused() -> None:
    resolver = CompositeResolver(web=_Docs({"did:web:evil.example": _web_doc()}))
    with pytest.raises(DidError, match="has id"):
        dereference("did:web:evil.example#key-1", resolver=resolver)


def test_did_key_helpers() -> None:
    key = SigningKey.from_secret_key_multibase(SECRET).public_key
    assert did_key(key) == f"did:key:{PUBLIC}"
    assert did_key_verification_method(key) == f"did:key:{PUBLIC}#{PUBLIC}"
