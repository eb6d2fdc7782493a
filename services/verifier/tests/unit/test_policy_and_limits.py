"""Requested checks, registry scopes per caller, the rate limiter, and registry aggregate rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skillpass.vc.result import Check, Outcome
from skillpass.verifier.adapters.rate_limit import RateLimiter
from skillpass.verifier.domain.policy import (
    UnknownCheckError,
    VerificationPolicy,
    requested_checks,
)
from skillpass.verifier.domain.trust import InvalidTrustEntryError, TrustedIssuer, TrustRegistry


def test_aliases_expand_and_proof_is_always_requested() -> None:
    assert requested_checks(["status", "expiration"]) == {
        "proof",
        "status",
        "status.revocation",
        "status.suspension",
        "validity_period",
    }


def test_unknown_check_names_are_refused() -> None:
    with pytest.raises(UnknownCheckError):
        requested_checks(["telepathy"])


def test_only_requested_checks_can_fail() -> None:
    policy = VerificationPolicy(checks=requested_checks(["proof"]))
    [proof, schema] = policy.apply([Check.passed("proof", "ok"), Check.failed("schema", "bad")])
    assert proof.outcome is Outcome.PASSED
    assert schema.outcome is Outcome.SKIPPED
    assert schema.reason == "not requested (failed: bad)"


def test_a_tenant_caller_counts_the_global_and_its_own_registry() -> None:
    anonymous = VerificationPolicy.for_caller(
        tenant=None, require_registered_issuer=False, require_challenge=True
    )
    acme = VerificationPolicy.for_caller(
        tenant="acme", require_registered_issuer=True, require_challenge=True
    )
    assert anonymous.trust.scopes == ("global",)
    assert acme.trust.scopes == ("global", "acme")
    assert acme.trust.require_registered_issuer


def test_rate_limiter_allows_a_burst_then_refills() -> None:
    now = 0.0
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now)
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is None
    wait = limiter.acquire("a")
    assert wait == pytest.approx(1.0)
    assert limiter.acquire("b") is None  # callers are limited separately
    now = 1.0
    assert limiter.acquire("a") is None


def test_rate_limiter_forgets_the_longest_idle_caller() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, clock=lambda: 0.0, max_callers=2)
    for caller in ("a", "b", "c"):
        assert limiter.acquire(caller) is None
    assert limiter.acquire("a") is None  # forgotten, so it starts with a full bucket again
    assert limiter.acquire("c") is not None


@pytest.mark.parametrize(
    ("did", "name", "valid_from", "valid_until"),
    [
        ("https://uni.example", "x", None, None),
        ("did:web:x#key", "x", None, None),
        ("did:web:x", " ", None, None),
        ("did:web:x", "x", datetime(2027, 1, 1), None),
        ("did:web:x", "x", datetime(2027, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_invalid_registry_entries_are_refused(
    did: str, name: str, valid_from: datetime | None, valid_until: datetime | None
) -> None:
    with pytest.raises(InvalidTrustEntryError):
        TrustedIssuer(did=did, name=name, valid_from=valid_from, valid_until=valid_until)


def test_an_entry_takes_the_scope_of_the_registry_it_is_put_in() -> None:
    registry = TrustRegistry("acme").put(TrustedIssuer(did="did:web:x", name="X"))
    assert registry.issuers["did:web:x"].scope == "acme"
