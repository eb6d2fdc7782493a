from __future__ import annotations

from datetime import timedelta

import pytest

from skillpass.wallet.domain import holdings as lifecycle
from skillpass.wallet.domain.errors import Conflict, NotFound
from skillpass.wallet.domain.holdings import (
    HoldingAccepted,
    HoldingDeclined,
    OfferState,
    Purpose,
    Status,
    StatusChange,
)
from skillpass.wallet.domain.identities import recipient_of
from skillpass.wallet.domain.learners import Learner
from skillpass.wallet.testing import FIXED_NOW, TestIssuer, email

ADA = email("ada@example.org")


def learner(*, auto_accept: bool = False) -> Learner:
    return Learner(
        id="ada",
        did="did:key:z6Mkada",
        sealed_key=b"sealed",
        identifiers=(ADA,),
        auto_accept=auto_accept,
        created_at=FIXED_NOW,
    )


def offered(issuer: TestIssuer, *, auto_accept: bool = False) -> lifecycle.Transition:
    credential = issuer.credential(recipient=ADA)
    return lifecycle.receive_issued(
        None,
        credential=credential,
        tenant_id="t1",
        recipient=recipient_of(credential),
        learner=learner(auto_accept=auto_accept),
        pathway_id=None,
        source_credential_ids=(),
        now=FIXED_NOW,
    )


def change(purpose: Purpose, set_: bool, minutes: int, reason: str = "") -> StatusChange:
    return StatusChange(
        purpose=purpose, set=set_, reason=reason, changed_at=FIXED_NOW + timedelta(minutes=minutes)
    )


def test_an_issued_credential_for_a_known_learner_becomes_a_pending_offer(
    issuer: TestIssuer,
) -> None:
    holding, events = offered(issuer)
    assert holding.offer is OfferState.OFFERED
    assert holding.learner_id == "ada"
    assert events == ()


def test_an_issued_credential_for_nobody_known_waits(issuer: TestIssuer) -> None:
    credential = issuer.credential(recipient=ADA)
    holding, _ = lifecycle.receive_issued(
        None,
        credential=credential,
        tenant_id="t1",
        recipient=recipient_of(credential),
        learner=None,
        pathway_id=None,
        source_credential_ids=(),
        now=FIXED_NOW,
    )
    assert holding.offer is OfferState.WAITING
    assert holding.learner_id is None


def test_accepting_an_offer_makes_a_holding_and_an_event(issuer: TestIssuer) -> None:
    holding, _ = offered(issuer)
    accepted, events = lifecycle.accept(holding, learner(), now=FIXED_NOW)
    assert accepted.offer is OfferState.ACCEPTED
    assert accepted.learner_did == "did:key:z6Mkada"
    assert events == (
        HoldingAccepted(
            holding_id=holding.id,
            credential_id=holding.credential_id,
            learner_id="ada",
            learner_did="did:key:z6Mkada",
            tenant_id="t1",
            accepted_at=FIXED_NOW,
        ),
    )
    assert lifecycle.accept(accepted, learner(), now=FIXED_NOW) == (accepted, ())


def test_auto_accept_accepts_on_arrival(issuer: TestIssuer) -> None:
    holding, events = offered(issuer, auto_accept=True)
    assert holding.offer is OfferState.ACCEPTED
    assert isinstance(events[0], HoldingAccepted)


def test_declining_an_offer_emits_declined_and_cannot_then_be_accepted(
    issuer: TestIssuer,
) -> None:
    holding, _ = offered(issuer)
    declined, events = lifecycle.decline(holding, "ada", reason="not mine", now=FIXED_NOW)
    assert declined.offer is OfferState.DECLINED
    assert isinstance(events[0], HoldingDeclined)
    with pytest.raises(Conflict):
        lifecycle.accept(declined, learner(), now=FIXED_NOW)


def test_another_learner_cannot_accept_someone_elses_offer(issuer: TestIssuer) -> None:
    holding, _ = offered(issuer)
    other = Learner(id="eve", did="did:key:z6Mkeve", sealed_key=b"", created_at=FIXED_NOW)
    with pytest.raises(NotFound):
        lifecycle.accept(holding, other, now=FIXED_NOW)


def test_revocation_updates_status_reason_and_time(issuer: TestIssuer) -> None:
    holding, _ = offered(issuer)
    revoked = lifecycle.change_status(holding, change(Purpose.REVOCATION, True, 5, "fraud"))
    assert revoked.status is Status.REVOKED
    assert revoked.track.reason == "fraud"
    assert revoked.track.revoked_at == FIXED_NOW + timedelta(minutes=5)


def test_a_stale_status_event_is_ignored(issuer: TestIssuer) -> None:
    holding, _ = offered(issuer)
    suspended = lifecycle.change_status(holding, change(Purpose.SUSPENSION, True, 10, "audit"))
    stale = lifecycle.change_status(suspended, change(Purpose.SUSPENSION, False, 5))
    assert stale.status is Status.SUSPENDED
    reinstated = lifecycle.change_status(suspended, change(Purpose.SUSPENSION, False, 15))
    assert reinstated.status is Status.ACTIVE


def test_revocation_is_final(issuer: TestIssuer) -> None:
    holding, _ = offered(issuer)
    revoked = lifecycle.change_status(holding, change(Purpose.REVOCATION, True, 5))
    again = lifecycle.change_status(revoked, change(Purpose.REVOCATION, False, 20))
    assert again.status is Status.REVOKED
    assert lifecycle.change_status(revoked, change(Purpose.SUSPENSION, False, 30)).status is (
        Status.REVOKED
    )


def test_a_status_change_before_the_credential_is_kept_for_it(issuer: TestIssuer) -> None:
    credential = issuer.credential(recipient=ADA)
    holding_id = lifecycle.issued_holding_id(credential["id"])
    early = lifecycle.change_status(
        lifecycle.status_placeholder(holding_id, now=FIXED_NOW),
        change(Purpose.SUSPENSION, True, 1, "hold"),
    )
    holding, _ = lifecycle.receive_issued(
        early,
        credential=credential,
        tenant_id="t1",
        recipient=recipient_of(credential),
        learner=learner(),
        pathway_id=None,
        source_credential_ids=(),
        now=FIXED_NOW,
    )
    assert holding.status is Status.SUSPENDED
    assert holding.offer is OfferState.OFFERED
