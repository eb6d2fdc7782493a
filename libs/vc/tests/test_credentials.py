"""issue/verify behaviour: proof arrays and sets, VC 1.1 input, safe mode, contexts, purposes,
issuer binding, status without a source, presentations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from skillpass.vc.credentials import IssueError, issue, verify
from skillpass.vc.dids import OFFLINE_RESOLVER, did_key_verification_method
from skillpass.vc.keys import SigningKey
from skillpass.vc.presentations import sign_presentation, verify_presentation
from skillpass.vc.proofs import DATA_INTEGRITY_V2, format_datetime
from skillpass.vc.result import Outcome
from skillpass.vc.samples import achievement_credential

KEY = SigningKey.from_seed(bytes(range(32)))
DID = f"did:key:{KEY.public_key.multibase}"
VM = did_key_verification_method(KEY.public_key)
OTHER = SigningKey.from_seed(bytes([9]) * 32)
CREATED = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
VC1 = "https://www.w3.org/2018/credentials/v1"


def _outcome(result: Any, name: str) -> Outcome:
    check = result.check(name)
    assert check is not None, name
    return check.outcome  # type: ignore[no-any-return]


def _vc11() -> dict[str, Any]:
    return {
        "@context": [VC1],
        "id": "urn:uuid:4a3c5a3e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_an_issued_ob3_credential_verifies_with_every_check(suite: str) -> None:
    signed = issue(
        achievement_credential(3, issuer=DID),
        key=KEY,
        verification_method=VM,
        suite=suite,
        created=CREATED,
    )
    assert isinstance(signed["proof"], list)
    assert len(signed["proof"]) == 1
    result = verify(signed, resolver=OFFLINE_RESOLVER, now=NOW)
    assert result.verified, result.to_json()
    for name in ("context", "proof", "issuer_binding", "data_model", "validity_period", "schema"):
        assert _outcome(result, name) is Outcome.PASSED, name


def test_shared_passed_checks_say_the_same_and_cannot_be_changed() -> None:
    # passed proof / issuer_binding checks are shared between verifications (verify's fast
    # path): each must still describe its own credential, and no caller may alter one
    results = [
        verify(
            issue(
                achievement_credential(n, issuer=DID),
                key=KEY,
                verification_method=VM,
                suite="eddsa-jcs-2022",
                created=CREATED,
            ),
            resolver=OFFLINE_RESOLVER,
            now=NOW,
            check_status=False,
        ).to_json()
        for n in (1, 2)
    ]
    assert results[0] == results[1]
    assert results[0]["verified"]
    first = verify(
        issue(
            achievement_credential(3, issuer=DID),
            key=KEY,
            verification_method=VM,
            suite="eddsa-jcs-2022",
            created=CREATED,
        ),
        resolver=OFFLINE_RESOLVER,
        now=NOW,
    )
    for name in ("proof", "issuer_binding", "context"):
        check = first.check(name)
        assert check is not None
        with pytest.raises(TypeError):
            check.detail["x"] = 1  # type: ignore[index]
    proof = first.check("proof")
    assert proof is not None
    assert dict(proof.detail) == {
        "index": 0,
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": VM,
    }


def test_vc11_input_gets_the_data_integrity_context_and_verifies() -> None:
    signed = issue(
        _vc11(), key=KEY, verification_method=VM, suite="eddsa-rdfc-2022", created=CREATED
    )
    assert signed["@context"] == [VC1, DATA_INTEGRITY_V2]
    assert verify(signed, resolver=OFFLINE_RESOLVER, now=NOW).verified


def test_issue_does_not_modify_its_input() -> None:
    credential = _vc11()
    issue(credential, key=KEY, verification_method=VM, suite="eddsa-jcs-2022", created=CREATED)
    assert credential == _vc11()


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_safe_mode_refuses_undefined_terms_by_name(suite: str) -> None:
    credential = _vc11()
    credential["credentialSubject"]["favouriteColour"] = "green"
    with pytest.raises(IssueError, match="favouriteColour"):
        issue(credential, key=KEY, verification_method=VM, suite=suite, created=CREATED)


def test_issue_refuses_unknown_contexts_and_verify_reports_them() -> None:
    credential = achievement_credential(1, issuer=DID)
    credential["@context"].append("https://unknown.example/context.json")
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        with pytest.raises(IssueError, match=r"unknown\.example"):
            issue(credential, key=KEY, verification_method=VM, suite=suite, created=CREATED)
    signed = issue(
        achievement_credential(1, issuer=DID),
        key=KEY,
        verification_method=VM,
        suite="eddsa-rdfc-2022",
        created=CREATED,
    )
    signed["@context"] = [*signed["@context"], "https://unknown.example/context.json"]
    result = verify(signed, resolver=OFFLINE_RESOLVER, now=NOW)
    assert _outcome(result, "context") is Outcome.FAILED
    assert _outcome(result, "proof") is Outcome.FAILED
    assert not result.verified


@pytest.mark.parametrize("suite", ["Ed25519Signature2020", "nope"])
def test_issue_refuses_suites_it_cannot_sign_with(suite: str) -> None:
    with pytest.raises(IssueError):
        issue(_vc11(), key=KEY, verification_method=VM, suite=suite, created=CREATED)


def test_naive_datetimes_are_misuse() -> None:
    with pytest.raises(IssueError):
        format_datetime(datetime(2026, 1, 1))


def test_second_signature_makes_a_proof_set_and_both_verify() -> None:
    first = issue(
        achievement_credential(2, issuer=DID),
        key=KEY,
        verification_method=VM,
        suite="eddsa-rdfc-2022",
        created=CREATED,
    )
    both = issue(
        first,
        key=OTHER,
        verification_method=did_key_verification_method(OTHER.public_key),
        suite="eddsa-jcs-2022",
        created=CREATED,
    )
    assert len(both["proof"]) == 2
    result = verify(both, resolver=OFFLINE_RESOLVER, now=NOW, validate=False)
    proofs = [c for c in result.checks if c.name == "proof"]
    assert [c.outcome for c in proofs] == [Outcome.PASSED, Outcome.PASSED]
    # the second key's controller is not the issuer
    assert _outcome(result, "issuer_binding") is Outcome.FAILED


def test_proof_chain_signed_here_verifies() -> None:
    first = issue(
        achievement_credential(4, issuer=DID),
        key=KEY,
        verification_method=VM,
        suite="eddsa-rdfc-2022",
        created=CREATED,
        proof_options={"id": "urn:p:1"},
    )
    chained = issue(
        first,
        key=KEY,
        verification_method=VM,
        suite="eddsa-jcs-2022",
        created=CREATED,
        proof_options={"previousProof": "urn:p:1"},
    )
    result = verify(chained, resolver=OFFLINE_RESOLVER, now=NOW, validate=False)
    assert result.verified, result.to_json()
    chained["proof"][0]["created"] = "2026-01-15T09:00:01Z"  # breaks both proofs
    result = verify(chained, resolver=OFFLINE_RESOLVER, now=NOW, validate=False)
    assert [c.outcome for c in result.checks if c.name == "proof"] == [Outcome.FAILED] * 2


def test_a_wrong_purpose_and_an_expired_proof_fail() -> None:
    signed = issue(
        achievement_credential(5, issuer=DID),
        key=KEY,
        verification_method=VM,
        suite="eddsa-jcs-2022",
        created=CREATED,
        proof_purpose="authentication",
    )
    result = verify(signed, resolver=OFFLINE_RESOLVER, now=NOW)
    check = result.check("proof")
    assert check is not None
    assert check.outcome is Outcome.FAILED
    assert "proofPurpose" in check.reason
    expiring = issue(
        achievement_credential(5, issuer=DID),
        key=KEY,
        verification_method=VM,
        suite="eddsa-jcs-2022",
        created=CREATED,
        proof_options={"expires": NOW - timedelta(days=1)},
    )
    result = verify(expiring, resolver=OFFLINE_RESOLVER, now=NOW)
    assert "expired" in result.check("proof").reason  # type: ignore[union-attr]


def test_missing_proof_and_non_object_are_results_not_exceptions() -> None:
    result = verify(achievement_credential(6, issuer=DID), resolver=OFFLINE_RESOLVER, now=NOW)
    assert _outcome(result, "proof") is Outcome.FAILED
    assert not verify([], resolver=OFFLINE_RESOLVER, now=NOW).verified  # type: ignore[arg-type]


def test_unresolvable_verification_method_fails_the_proof() -> None:
    signed = issue(
        achievement_credential(7, issuer="did:web:uni.example"),
        key=KEY,
        verification_method="did:web:uni.example#key-1",
        suite="eddsa-jcs-2022",
        created=CREATED,
    )
    result = verify(signed, resolver=OFFLINE_RESOLVER, now=NOW)
    check = result.check("proof")
    assert check is not None
    assert check.outcome is Outcome.FAILED
    assert "could not be resolved" in check.reason


def test_status_without_a_source_is_an_error_not_a_pass() -> None:
    credential = achievement_credential(8, issuer=DID)
    credential["credentialStatus"] = {
        "id": "https://uni.example/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://uni.example/status/1",
    }
    signed = issue(
        credential, key=KEY, verification_method=VM, suite="eddsa-jcs-2022", created=CREATED
    )
    result = verify(signed, resolver=OFFLINE_RESOLVER, now=NOW)
    assert _outcome(result, "status") is Outcome.ERROR
    assert not result.verified
    offline = verify(signed, resolver=OFFLINE_RESOLVER, now=NOW, check_status=False)
    assert _outcome(offline, "status") is Outcome.SKIPPED
    assert offline.verified


def test_presentation_with_challenge_and_domain() -> None:
    credential = issue(
        achievement_credential(9, issuer=DID),
        key=KEY,
        verification_method=VM,
        suite="eddsa-rdfc-2022",
        created=CREATED,
    )
    holder = OTHER
    holder_vm = did_key_verification_method(holder.public_key)
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_vm.split("#")[0],
        "verifiableCredential": [credential],
    }
    signed = sign_presentation(
        presentation,
        key=holder,
        verification_method=holder_vm,
        suite="eddsa-rdfc-2022",
        created=CREATED,
        challenge="c-123",
        domain="verifier.example",
    )
    ok = verify_presentation(
        signed,
        resolver=OFFLINE_RESOLVER,
        now=NOW,
        challenge="c-123",
        domain="verifier.example",
        check_status=False,
    )
    assert ok.verified, ok.to_json()
    replay = verify_presentation(
        signed,
        resolver=OFFLINE_RESOLVER,
        now=NOW,
        challenge="other",
        domain="verifier.example",
        check_status=False,
    )
    assert not replay.verified
