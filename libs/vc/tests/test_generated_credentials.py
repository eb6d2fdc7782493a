"""Generated Open Badges 3.0 credentials: the fast canonicalization agrees with pyld's
reference URDNA2015 (differential), and sign → verify round-trips while any change to the
credential, the proof options or the proofValue fails a named check (properties)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillpass.vc.canonical import rdfc
from skillpass.vc.credentials import issue, verify
from skillpass.vc.dids import OFFLINE_RESOLVER, did_key_verification_method
from skillpass.vc.jsonld import processor_for, reference_normalize
from skillpass.vc.jsonld_rdf import RdfEmitter
from skillpass.vc.keys import SigningKey
from skillpass.vc.loader import BUNDLED
from skillpass.vc.result import Outcome
from skillpass.vc.samples import achievement_credential

VECTORS = Path(__file__).parent / "vectors"
KEY = SigningKey.from_seed(bytes(range(32)))
DID = f"did:key:{KEY.public_key.multibase}"
VM = did_key_verification_method(KEY.public_key)
CREATED = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022"]

# Text with what canonical N-Quads must escape (quotes, backslashes, newlines, tabs) and
# non-ASCII; other control characters are tested against pyoxigraph in test_canonical.py,
# because pyld writes them raw where RDFC-1.0 escapes them.
TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 .,:-_'\"\\\n\r\téßλ€中😀")), min_size=0, max_size=12
)
IDENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    """An OB 3.0 AchievementCredential: the sample's shape with generated values, optional
    parts dropped, repeated parts varied in number."""
    cred = achievement_credential(draw(st.integers(0, 10**9)), issuer=DID)
    subject = cred["credentialSubject"]
    achievement = subject["achievement"]
    achievement["name"] = draw(TEXT)
    achievement["description"] = draw(TEXT)
    achievement["criteria"]["narrative"] = draw(TEXT)
    achievement["tag"] = draw(st.lists(TEXT, max_size=3))
    achievement["alignment"] = [
        {
            "type": ["Alignment"],
            "targetName": draw(TEXT),
            "targetUrl": f"https://x.example/{n}",
            "targetCode": draw(TEXT),
        }
        for n in draw(st.lists(IDENT, max_size=3, unique=True))
    ]
    achievement["creditsAvailable"] = draw(
        st.integers(-(10**6), 10**6)
        | st.floats(0.25, 500, allow_nan=False).filter(lambda f: not f.is_integer())
    )
    rd = achievement["resultDescription"][0]
    rd["allowedValue"] = draw(st.lists(TEXT, max_size=4))
    subject["result"] = [
        {"type": ["Result"], "resultDescription": rd["id"], "value": draw(TEXT)}
        for _ in range(draw(st.integers(0, 3)))
    ]
    for optional in ("evidence", "validUntil", "name"):
        if draw(st.booleans()):
            cred.pop(optional)
    if draw(st.booleans()):
        cred["issuer"] = DID
    if draw(st.booleans()):
        cred["credentialSubject"]["name"] = draw(TEXT)  # undefined in OB: @vocab of VC v2
    return cred


def _vector_documents() -> list[dict[str, Any]]:
    docs = [json.loads((VECTORS / n).read_text()) for n in ("unsigned.json", "employmentAuth.json")]
    for name in (
        "eddsa-rdfc-2022/proofConfigDataInt.json",
        "Ed25519Signature2020/signedEdSig.json",
        "proof-set-chain/proofChainTempDoc2.json",
        "proof-set-chain/signedProofSet2.json",
    ):
        docs.append(json.loads((VECTORS / name).read_text()))
    return docs


@pytest.mark.parametrize("index", range(6))
def test_fast_rdfc_matches_pyld_on_every_test_document(index: int) -> None:
    document = _vector_documents()[index]
    assert rdfc(document, loader=BUNDLED) == reference_normalize(document, loader=BUNDLED)


def test_fast_path_handles_the_credentials_themselves() -> None:
    # the W3C documents and the OB sample go through the fast emitter, not the pyld fallback
    emitter = RdfEmitter(processor_for(BUNDLED))
    for document in [*_vector_documents()[:3], achievement_credential(7, issuer=DID)]:
        assert emitter.quads(document)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
def test_fast_rdfc_matches_pyld_on_generated_credentials(credential: dict[str, Any]) -> None:
    assert rdfc(credential, loader=BUNDLED) == reference_normalize(credential, loader=BUNDLED)


def test_shared_first_degree_hashes_fall_back_and_still_match_pyld() -> None:
    credential = achievement_credential(1, issuer=DID)
    same = {"type": ["Result"], "value": "A"}
    credential["credentialSubject"]["result"] = [same, copy.deepcopy(same) | {"value": "A "}]
    credential["credentialSubject"]["result"].append({"type": ["Result"], "value": "A"})
    twin = {
        "@context": credential["@context"],
        "type": ["VerifiableCredential"],
        "credentialSubject": [{"name": "x"}, {"name": "x"}],
    }
    for doc in (credential, twin):
        assert rdfc(doc, loader=BUNDLED) == reference_normalize(doc, loader=BUNDLED)


def _checks(result: Any, name: str) -> list[Any]:
    return [c for c in result.checks if c.name == name]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials(), st.sampled_from(SUITES))
def test_sign_then_verify_round_trips(credential: dict[str, Any], suite: str) -> None:
    signed = issue(credential, key=KEY, verification_method=VM, suite=suite, created=CREATED)
    assert isinstance(signed["proof"], list)
    result = verify(signed, resolver=OFFLINE_RESOLVER, now=NOW, validate=False)
    assert result.verified, result.to_json()
    assert _checks(result, "issuer_binding")[0].outcome is Outcome.PASSED


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    else:
        out.append(prefix)
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for p in path[:-1]:
        doc = doc[p]
    doc[path[-1]] = value


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if value == "":
        return "x"
    return value[:-1] + ("x" if value[-1] != "x" else "y")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials(), st.sampled_from(SUITES), st.data())
def test_changing_any_field_fails_the_proof_check(
    credential: dict[str, Any], suite: str, data: st.DataObject
) -> None:
    signed = issue(credential, key=KEY, verification_method=VM, suite=suite, created=CREATED)
    paths = [p for p in _paths(signed) if p[0] not in ("proof", "@context")]
    path = data.draw(st.sampled_from(paths))
    tampered = copy.deepcopy(signed)
    original: Any = tampered
    for p in path:
        original = original[p]
    _set(tampered, path, _changed(original))
    result = verify(tampered, resolver=OFFLINE_RESOLVER, now=NOW, validate=False)
    assert not result.verified
    failed = [c for c in result.checks if c.outcome is not Outcome.PASSED]
    assert any(c.name == "proof" and c.outcome is Outcome.FAILED for c in failed), (path, failed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    credentials(),
    st.sampled_from(SUITES),
    st.sampled_from(["created", "verificationMethod", "proofPurpose", "cryptosuite", "type"]),
)
def test_changing_a_proof_option_fails_the_proof_check(
    credential: dict[str, Any], suite: str, option: str
) -> None:
    signed = issue(credential, key=KEY, verification_method=VM, suite=suite, created=CREATED)
    other_key = SigningKey.from_seed(bytes(32)).public_key
    replacement = {
        "created": "2026-01-15T09:00:01Z",
        "verificationMethod": did_key_verification_method(other_key),
        "proofPurpose": "authentication",
        "cryptosuite": SUITES[1 - SUITES.index(suite)],
        "type": "Ed25519Signature2020",
    }[option]
    signed["proof"][0][option] = replacement
    result = verify(signed, resolver=OFFLINE_RESOLVER, now=NOW, validate=False)
    proof = _checks(result, "proof")
    assert proof[0].outcome is Outcome.FAILED, proof
    assert not result.verified


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials(), st.sampled_from(SUITES), st.data())
def test_changing_one_character_of_proof_value_fails(
    credential: dict[str, Any], suite: str, data: st.DataObject
) -> None:
    signed = issue(credential, key=KEY, verification_method=VM, suite=suite, created=CREATED)
    value = signed["proof"][0]["proofValue"]
    i = data.draw(st.integers(0, len(value) - 1))
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl"
    c = data.draw(st.sampled_from(alphabet).filter(lambda ch: ch != value[i]))
    signed["proof"][0]["proofValue"] = value[:i] + c + value[i + 1 :]
    result = verify(signed, resolver=OFFLINE_RESOLVER, now=NOW, validate=False)
    assert _checks(result, "proof")[0].outcome is Outcome.FAILED
    assert not result.verified
