"""The trust check: registered, lapsed, unregistered (warning or failure), and DCC import."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skillpass.vc.result import Outcome
from skillpass.verifier.domain.trust import (
    RegistryFormatError,
    TrustedIssuer,
    TrustPolicy,
    parse_dcc_registry,
    trust_check,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DID = "did:web:uni.example:issuers:cs"


def test_registered_issuer_passes_trust() -> None:
    entry = TrustedIssuer(did=DID, name="CS Faculty")
    check, warning = trust_check(DID, entries=[entry], policy=TrustPolicy(), now=NOW)
    assert check.outcome is Outcome.PASSED
    assert warning is None


def test_unregistered_issuer_is_a_warning_by_default() -> None:
    check, warning = trust_check(DID, entries=[], policy=TrustPolicy(), now=NOW)
    assert check.outcome is Outcome.SKIPPED
    assert warning is not None
    assert "not in any trusted registry" in warning


def test_unregistered_issuer_fails_when_policy_requires_registration() -> None:
    policy = TrustPolicy(require_registered_issuer=True)
    check, warning = trust_check(DID, entries=[], policy=policy, now=NOW)
    assert check.outcome is Outcome.FAILED
    assert warning is None


def test_lapsed_accreditation_does_not_count() -> None:
    entry = TrustedIssuer(did=DID, name="CS", valid_until=datetime(2025, 1, 1, tzinfo=UTC))
    policy = TrustPolicy(require_registered_issuer=True)
    check, _ = trust_check(DID, entries=[entry], policy=policy, now=NOW)
    assert check.outcome is Outcome.FAILED
    assert "registered, but not at" in check.reason


def test_another_tenants_registry_is_not_consulted() -> None:
    entry = TrustedIssuer(did=DID, name="CS", scope="tenant-b")
    policy = TrustPolicy(require_registered_issuer=True, scopes=("global", "tenant-a"))
    check, _ = trust_check(DID, entries=[entry], policy=policy, now=NOW)
    assert check.outcome is Outcome.FAILED


def test_dcc_registry_imports_every_entry() -> None:
    document = {
        "meta": {"created": "2020-12-02T02:32:16+0000"},
        "entries": {
            "did:key:z6Mktpn6cXks1PBKLMgZH2VaahvCtBMF6K8eCa7HzrnuYLZv": {
                "name": "Example University 1",
                "location": "Cambridge, MA, USA",
                "url": "https://openlearning.mit.edu",
            },
            "did:web:keys.jff.org:plugfest1": {"name": "JFF Plugfest 1"},
        },
    }
    issuers = parse_dcc_registry(document, registry_name="DCC Sandbox")
    assert [(i.did, i.name, i.url) for i in issuers] == [
        (
            "did:key:z6Mktpn6cXks1PBKLMgZH2VaahvCtBMF6K8eCa7HzrnuYLZv",
            "Example University 1",
            "https://openlearning.mit.edu",
        ),
        ("did:web:keys.jff.org:plugfest1", "JFF Plugfest 1", None),
    ]
    assert {i.registry for i in issuers} == {"DCC Sandbox"}


@pytest.mark.parametrize(
    "document",
    [{}, {"entries": []}, {"entries": {"not-a-did": {"name": "x"}}}, {"entries": {"did:x:1": {}}}],
)
def test_malformed_dcc_registry_is_rejected(document: dict[str, object]) -> None:
    with pytest.raises(RegistryFormatError):
        parse_dcc_registry(document, registry_name="bad")
