"""did:web → URL mapping, per the did:web method spec."""

from __future__ import annotations

import pytest

from skillpass.verifier.adapters.did_web import DidWebError, did_web_url


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:issuers:mit", "https://example.com:3000/issuers/mit/did.json"),
    ],
)
def test_did_web_maps_to_its_https_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:key:z6Mk",
        "did:web:",
        "did:web:example.com::x",
        "did:web:a%2Fb",
        "did:web:x#frag",
        "did:web:user@evil.test",
    ],
)
def test_malformed_did_web_is_rejected(did: str) -> None:
    with pytest.raises(DidWebError):
        did_web_url(did)
