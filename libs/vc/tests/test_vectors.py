"""The W3C vc-di-eddsa test vectors, reproduced byte for byte (canonical forms, hashes,
signature, proofValue), and the legacy / proof-set / proof-chain files verified."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from skillpass.vc.canonical import jcs, rdfc
from skillpass.vc.credentials import issue, verify
from skillpass.vc.cryptosuites import Suite
from skillpass.vc.dids import OFFLINE_RESOLVER
from skillpass.vc.keys import SigningKey
from skillpass.vc.loader import BUNDLED
from skillpass.vc.result import Outcome

VECTORS = Path(__file__).parent / "vectors"
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
NOW = datetime(2025, 6, 1, tzinfo=UTC)
PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
VM = f"did:key:{PUBLIC}#{PUBLIC}"


def text(name: str) -> str:
    return (VECTORS / name).read_text("utf-8")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text(name))
    return data


RDFC_CASES = [
    pytest.param("unsigned.json", "eddsa-rdfc-2022", "DataInt", id="rdfc-alumni"),
    pytest.param("employmentAuth.json", "eddsa-rdfc-2022/employ", "DataInt", id="rdfc-employ"),
]


def _key() -> SigningKey:
    return SigningKey.from_secret_key_multibase(load("keyPair.json")["privateKeyMultibase"])


@pytest.mark.parametrize(("unsigned", "folder", "tag"), RDFC_CASES)
def test_rdfc_vector_reproduced_byte_for_byte(unsigned: str, folder: str, tag: str) -> None:
    document = load(unsigned)
    config = load(f"{folder}/proofConfig{tag}.json")
    canon_doc = rdfc(document, loader=BUNDLED)
    canon_proof = rdfc(config, loader=BUNDLED)
    assert canon_doc == text(f"{folder}/canonDoc{tag}.txt")
    assert canon_proof == text(f"{folder}/proofCanon{tag}.txt")
    doc_hash = hashlib.sha256(canon_doc.encode()).hexdigest()
    proof_hash = hashlib.sha256(canon_proof.encode()).hexdigest()
    assert doc_hash == text(f"{folder}/docHash{tag}.txt").strip()
    assert proof_hash == text(f"{folder}/proofHash{tag}.txt").strip()
    assert proof_hash + doc_hash == text(f"{folder}/combinedHash{tag}.txt").strip()
    signature = _key().sign(bytes.fromhex(proof_hash + doc_hash))
    assert signature.hex() == text(f"{folder}/sigHex{tag}.txt").strip()

    signed = issue(
        document, key=_key(), verification_method=VM, suite=Suite.EDDSA_RDFC_2022, created=CREATED
    )
    expected = load(f"{folder}/signed{tag}.json")
    proof_value = signed["proof"][0]["proofValue"]
    assert proof_value == text(f"{folder}/sigBTC58{tag}.txt").strip()
    assert signed["proof"] == [expected["proof"]]  # the proof is emitted as an array
    assert {k: v for k, v in signed.items() if k != "proof"} == {
        k: v for k, v in expected.items() if k != "proof"
    }


def test_jcs_vector_reproduced_byte_for_byte() -> None:
    document = load("unsigned.json")
    config = load("eddsa-jcs-2022/proofConfigJCS.json")
    canon_doc = jcs(document)
    canon_proof = jcs(config)
    assert canon_doc.decode() == text("eddsa-jcs-2022/canonDocJCS.txt").rstrip("\n")
    assert canon_proof.decode() == text("eddsa-jcs-2022/proofCanonJCS.txt").rstrip("\n")
    doc_hash = hashlib.sha256(canon_doc).hexdigest()
    proof_hash = hashlib.sha256(canon_proof).hexdigest()
    assert doc_hash == text("eddsa-jcs-2022/docHashJCS.txt").strip()
    assert proof_hash == text("eddsa-jcs-2022/proofHashJCS.txt").strip()
    assert proof_hash + doc_hash == text("eddsa-jcs-2022/combinedHashJCS.txt").strip()
    assert (
        _key().sign(bytes.fromhex(proof_hash + doc_hash)).hex()
        == text("eddsa-jcs-2022/sigHexJCS.txt").strip()
    )

    signed = issue(
        document, key=_key(), verification_method=VM, suite="eddsa-jcs-2022", created=CREATED
    )
    expected = load("eddsa-jcs-2022/signedJCS.json")
    assert signed["proof"][0]["proofValue"] == text("eddsa-jcs-2022/sigBTC58JCS.txt").strip()
    assert signed["proof"] == [expected["proof"]]


def test_ed25519signature2020_canonical_proof_and_hashes() -> None:
    config = load("Ed25519Signature2020/proofConfigEdSig.json")
    signed = load("Ed25519Signature2020/signedEdSig.json")
    document = {k: v for k, v in signed.items() if k != "proof"}
    canon_proof = rdfc(config, loader=BUNDLED)
    assert canon_proof == text("Ed25519Signature2020/proofCanonEdSig.txt")
    assert rdfc(document, loader=BUNDLED) == text("Ed25519Signature2020/canonDocEdSig.txt")
    assert (
        hashlib.sha256(canon_proof.encode()).hexdigest()
        == text("Ed25519Signature2020/proofHashEdSig.txt").strip()
    )


SIGNED_FILES = [
    "eddsa-rdfc-2022/signedDataInt.json",
    "eddsa-rdfc-2022/employ/signedDataInt.json",
    "eddsa-jcs-2022/signedJCS.json",
    "Ed25519Signature2020/signedEdSig.json",
    "proof-set-chain/signedProofSet1.json",
    "proof-set-chain/signedProofSet2.json",
    "proof-set-chain/signedProofChain1.json",
    "proof-set-chain/signedProofChain2.json",
]


@pytest.mark.parametrize("name", SIGNED_FILES)
def test_every_proof_of_the_signed_vectors_verifies(name: str) -> None:
    document = load(name)
    result = verify(document, resolver=OFFLINE_RESOLVER, now=NOW)
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    proof_checks = [c for c in result.checks if c.name == "proof"]
    assert len(proof_checks) == len(proofs)
    assert all(c.outcome is Outcome.PASSED for c in proof_checks), proof_checks
    assert result.check("context") is not None
    assert result.check("context").outcome is Outcome.PASSED  # type: ignore[union-attr]


@pytest.mark.parametrize("name", SIGNED_FILES)
def test_w3c_vector_issuer_is_not_the_key_controller(name: str) -> None:
    # The W3C issuer (https://vc.example/issuers/5678 or another DID) does not control the key:
    # the signature is valid, the issuer binding is not, so the credential is not verified.
    result = verify(load(name), resolver=OFFLINE_RESOLVER, now=NOW)
    binding = result.check("issuer_binding")
    assert binding is not None
    assert binding.outcome is Outcome.FAILED
    assert not result.verified


def _chain() -> dict[str, Any]:
    return load("proof-set-chain/signedProofChain2.json")


def test_chain_with_missing_previous_proof_fails() -> None:
    doc = _chain()
    doc["proof"] = [
        p for p in doc["proof"] if p.get("id") != "urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23"
    ]
    result = verify(doc, resolver=OFFLINE_RESOLVER, now=NOW)
    failed = [c for c in result.checks if c.name == "proof" and c.outcome is Outcome.FAILED]
    assert len(failed) == 1
    assert "previousProof" in failed[0].reason


@pytest.mark.parametrize("bad", [42, [], [42], {"id": "x"}])
def test_chain_with_malformed_previous_proof_fails(bad: Any) -> None:
    doc = _chain()
    doc["proof"][3]["previousProof"] = bad
    result = verify(doc, resolver=OFFLINE_RESOLVER, now=NOW)
    assert result.checks[4].name == "proof"
    assert result.checks[4].outcome is Outcome.FAILED
    assert "previousProof" in result.checks[4].reason


def test_secret_key_in_64_byte_form_signs_the_same() -> None:
    from skillpass.vc.multibase import ED25519_PRIV_HEADER, decode_base58btc, encode_base58btc

    seed = decode_base58btc(SECRET)[2:]
    key = SigningKey.from_secret_key_multibase(SECRET)
    long_form = encode_base58btc(ED25519_PRIV_HEADER + seed + key.public_key.raw)
    assert long_form.startswith("zrv")
    other = SigningKey.from_secret_key_multibase(long_form)
    assert other.sign(b"m") == key.sign(b"m")
