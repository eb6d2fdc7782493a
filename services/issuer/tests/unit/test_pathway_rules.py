"""Pathway rules and progress, purely."""

from __future__ import annotations

import pytest

from skillpass.issuer.domain.credentials import CredentialState
from skillpass.issuer.domain.pathways import (
    Holding,
    InvalidPathway,
    Pathway,
    RecipientHoldings,
    Rule,
    RuleKind,
    evaluate,
    new_pathway,
    stacked_credential_uuid,
)
from skillpass.issuer.testing import FIXED_NOW

OWN = "did:web:issuer.test:issuers:own"
PARTNER = "did:web:issuer.test:issuers:partner"


def pathway(rule: Rule, accepted: tuple[str, ...] = ()) -> Pathway:
    return new_pathway(
        pathway_id="p1",
        tenant_id="own",
        issuer_did=OWN,
        name="Stack",
        target_achievement_id="target",
        rule=rule,
        accepted_issuers=accepted,
        now=FIXED_NOW,
    )


def holdings(*items: tuple[str, str, float, CredentialState]) -> RecipientHoldings:
    h = RecipientHoldings(recipient_key="learner")
    for n, (achievement, issuer, credits, state) in enumerate(items):
        h = h.with_holding(
            Holding(
                credential_id=f"urn:uuid:{n}",
                achievement_id=achievement,
                issuer_did=issuer,
                credits=credits,
                state=state,
                subject=None,
                issued_at=FIXED_NOW,
            )
        )
    return h


ACTIVE = CredentialState.ACTIVE


def test_all_of_completes_only_with_every_component() -> None:
    p = pathway(Rule(kind=RuleKind.ALL_OF, components=("a", "b", "c")))
    partial = evaluate(p, holdings(("a", OWN, 1, ACTIVE), ("b", OWN, 1, ACTIVE)))
    assert not partial.complete
    assert partial.missing == ("c",)
    assert partial.still_needed == {"components": 1}
    done = evaluate(
        p, holdings(("a", OWN, 1, ACTIVE), ("b", OWN, 1, ACTIVE), ("c", OWN, 1, ACTIVE))
    )
    assert done.complete


def test_n_of_completes_with_n_distinct_components() -> None:
    p = pathway(Rule(kind=RuleKind.N_OF, components=("a", "b", "c"), n=2))
    assert not evaluate(p, holdings(("a", OWN, 1, ACTIVE), ("a", OWN, 1, ACTIVE))).complete
    assert evaluate(p, holdings(("a", OWN, 1, ACTIVE), ("c", OWN, 1, ACTIVE))).complete


def test_credits_rule_sums_the_best_credential_per_component() -> None:
    p = pathway(Rule(kind=RuleKind.CREDITS, components=("a", "b"), credits=10))
    progress = evaluate(
        p, holdings(("a", OWN, 5, ACTIVE), ("a", OWN, 6, ACTIVE), ("b", OWN, 3, ACTIVE))
    )
    assert progress.credits_earned == 9
    assert progress.still_needed == {"credits": 1}
    assert evaluate(p, holdings(("a", OWN, 6, ACTIVE), ("b", OWN, 4, ACTIVE))).complete


@pytest.mark.parametrize("state", [CredentialState.REVOKED, CredentialState.SUSPENDED])
def test_revoked_or_suspended_components_stop_counting(state: CredentialState) -> None:
    p = pathway(Rule(kind=RuleKind.ALL_OF, components=("a", "b")))
    assert not evaluate(p, holdings(("a", OWN, 1, ACTIVE), ("b", OWN, 1, state))).complete


def test_partner_components_count_only_from_accepted_issuers() -> None:
    rule = Rule(kind=RuleKind.ALL_OF, components=("a", "b"))
    held = holdings(("a", OWN, 1, ACTIVE), ("b", PARTNER, 1, ACTIVE))
    assert not evaluate(pathway(rule), held).complete
    assert evaluate(pathway(rule, (PARTNER,)), held).complete


def test_invalid_rules_are_refused() -> None:
    with pytest.raises(InvalidPathway):
        pathway(Rule(kind=RuleKind.N_OF, components=("a", "b"), n=3))
    with pytest.raises(InvalidPathway):
        pathway(Rule(kind=RuleKind.CREDITS, components=("a",), credits=0))
    with pytest.raises(InvalidPathway):
        pathway(Rule(kind=RuleKind.ALL_OF, components=("a", "target")))


def test_stacked_credential_id_is_fixed_per_pathway_and_recipient() -> None:
    assert stacked_credential_uuid("p1", "k") == stacked_credential_uuid("p1", "k")
    assert stacked_credential_uuid("p1", "k") != stacked_credential_uuid("p1", "k2")
