from __future__ import annotations

from dataclasses import replace

from skillpass.wallet.domain import holdings as lifecycle
from skillpass.wallet.domain.holdings import Holding, OfferState
from skillpass.wallet.domain.identities import recipient_of
from skillpass.wallet.domain.pathways import Pathway, PathwayComponent, Rule, progress
from skillpass.wallet.testing import FIXED_NOW, TestIssuer, email


def held(issuer: TestIssuer, achievement: str, credits: int | None = None) -> Holding:
    credential = issuer.credential(
        recipient=email("ada@example.org"), achievement_id=achievement, credits=credits
    )
    holding, _ = lifecycle.receive_issued(
        None,
        credential=credential,
        tenant_id="t",
        recipient=recipient_of(credential),
        learner=None,
        pathway_id=None,
        source_credential_ids=(),
        now=FIXED_NOW,
    )
    return replace(holding, offer=OfferState.ACCEPTED, learner_id="ada")


def pathway(rule: Rule, **kwargs: object) -> Pathway:
    return Pathway(
        id="p",
        tenant_id="t",
        name="Stack",
        target_achievement_id="urn:target",
        rule=rule,
        components=tuple(PathwayComponent(achievement_id=f"urn:{n}", credits=3) for n in "abcd"),
        **kwargs,  # type: ignore[arg-type]
    )


def test_n_of_completes_with_enough_components(issuer: TestIssuer) -> None:
    holdings = [held(issuer, "urn:a"), held(issuer, "urn:c")]
    assert progress(pathway(Rule.N_OF, required_count=2), holdings).completed
    assert not progress(pathway(Rule.N_OF, required_count=3), holdings).completed


def test_credits_come_from_the_credential_else_the_component(issuer: TestIssuer) -> None:
    holdings = [held(issuer, "urn:a", credits=10), held(issuer, "urn:b")]
    result = progress(pathway(Rule.MIN_CREDITS, required_credits=12), holdings)
    # the sample credential's achievement offers 5 credits when the subject states none
    assert result.credits_earned == 15
    assert result.completed


def test_components_from_issuers_the_pathway_does_not_accept_do_not_count(
    issuer: TestIssuer,
) -> None:
    holdings = [held(issuer, "urn:a")]
    strict = pathway(Rule.ALL_OF, accepted_issuers=("did:web:elsewhere",))
    assert progress(strict, holdings).held == ()


def test_holding_the_stacked_credential_completes_the_pathway(issuer: TestIssuer) -> None:
    result = progress(pathway(Rule.ALL_OF), [held(issuer, "urn:target")])
    assert result.completed
    assert result.stacked_holding_id is not None


def test_components_are_matched_by_the_issuers_catalogue_id_too(issuer: TestIssuer) -> None:
    holding = replace(
        held(issuer, "https://issuer.example/achievements/b"), achievement_ref="urn:b"
    )
    result = progress(pathway(Rule.N_OF, required_count=1), [holding])
    assert [c.component.achievement_id for c in result.held] == ["urn:b"]
    assert result.completed
