"""The use cases through the message bus on memory adapters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from skillpass.events.v1 import holdings_pb2
from skillpass.vc.dids import OFFLINE_RESOLVER
from skillpass.vc.presentations import verify_presentation as vc_verify_presentation
from skillpass.vc.result import VerificationResult
from skillpass.wallet.adapters.memory import StaticPathwayCatalogue
from skillpass.wallet.bootstrap import memory_bus
from skillpass.wallet.domain.errors import Conflict, Gone, InvalidInput, NotFound
from skillpass.wallet.domain.holdings import OfferState, Purpose, Status, issued_holding_id
from skillpass.wallet.domain.pathways import Pathway, PathwayComponent, Rule
from skillpass.wallet.domain.queries import HoldingFilter
from skillpass.wallet.domain.verification import VerificationReport
from skillpass.wallet.service_layer import views
from skillpass.wallet.service_layer.handlers import ImportRefused
from skillpass.wallet.service_layer.messagebus import MessageBus
from skillpass.wallet.service_layer.messages import (
    AcceptOffer,
    AddIdentifier,
    CreatePresentation,
    CreateShareLink,
    DeclineOffer,
    ImportCredential,
    RecordIssuedCredential,
    RecordStatusChange,
    RegisterLearner,
    RevokeShareLink,
    SetAutoAccept,
)
from skillpass.wallet.testing import Clock, TestIssuer, email

ADA = email("ada@example.org")


def issued(credential: Mapping[str, Any], event_id: str = "e-1") -> RecordIssuedCredential:
    return RecordIssuedCredential(
        event_id=event_id,
        credential_id=str(credential["id"]),
        tenant_id="tenant-1",
        credential_json=json.dumps(credential).encode(),
    )


def revoked(credential_id: str, clock: Clock, event_id: str = "s-1") -> RecordStatusChange:
    return RecordStatusChange(
        event_id=event_id,
        credential_id=credential_id,
        purpose=Purpose.REVOCATION,
        set=True,
        reason="issued in error",
        changed_at=clock.advance(),
    )


async def published(bus: MessageBus) -> list[str]:
    batches = await bus.deps.holdings.pending(limit=100)
    return [p.event.type for b in batches for p in b.events]


async def register(bus: MessageBus, *, auto_accept: bool = False) -> None:
    await bus.handle(RegisterLearner(learner_id="ada", identifiers=(ADA,), auto_accept=auto_accept))


async def test_issued_event_becomes_an_offer_and_acceptance_a_holding(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    await register(bus)
    credential = issuer.credential(recipient=ADA)
    offer = await bus.handle(issued(credential))
    assert offer is not None
    assert offer.offer is OfferState.OFFERED

    holding = await bus.handle(AcceptOffer(learner_id="ada", holding_id=offer.id))
    assert holding.offer is OfferState.ACCEPTED
    [batch] = await bus.deps.holdings.pending(limit=10)
    [event] = batch.events
    assert event.event.type == "wallet.holding.accepted.v1"
    payload = holdings_pb2.HoldingAccepted.FromString(event.event.data)
    assert payload.learner_id == "ada"
    assert payload.credential_id == credential["id"]


async def test_revocation_updates_the_holding(
    bus: MessageBus, issuer: TestIssuer, clock: Clock
) -> None:
    await register(bus, auto_accept=True)
    credential = issuer.credential(recipient=ADA)
    await bus.handle(issued(credential))
    holding = await bus.handle(revoked(credential["id"], clock))
    assert holding is not None
    assert holding.status is Status.REVOKED
    assert holding.track.reason == "issued in error"
    counts = await views.counts(bus.deps, learner_id="ada", tenant_id=None)
    assert (counts.active, counts.revoked) == (0, 1)


async def test_a_redelivered_event_changes_nothing(
    bus: MessageBus, issuer: TestIssuer, clock: Clock
) -> None:
    await register(bus, auto_accept=True)
    credential = issuer.credential(recipient=ADA)
    first = await bus.handle(issued(credential, event_id="e-1"))
    assert first is not None
    assert await bus.handle(issued(credential, event_id="e-1")) is None
    change = revoked(credential["id"], clock, event_id="s-1")
    assert await bus.handle(change) is not None
    assert await bus.handle(change) is None
    # one acceptance event only, however often the issued event came
    assert await published(bus) == ["wallet.holding.accepted.v1"]
    after = await bus.deps.holdings.get(first.id)
    assert after is not None
    assert after.received_at == first.received_at


async def test_unmatched_credentials_wait_until_the_learner_adds_the_identifier(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    await bus.handle(RegisterLearner(learner_id="ada"))
    credential = issuer.credential(recipient=ADA)
    waiting = await bus.handle(issued(credential))
    assert waiting is not None
    assert waiting.offer is OfferState.WAITING
    added = await bus.handle(AddIdentifier(learner_id="ada", identifier=ADA))
    assert added.matched == 1
    offer = await bus.deps.holdings.get(waiting.id)
    assert offer is not None
    assert offer.offer is OfferState.OFFERED
    assert offer.learner_id == "ada"


async def test_an_identifier_belongs_to_one_learner(bus: MessageBus) -> None:
    await register(bus)
    await bus.handle(RegisterLearner(learner_id="eve"))
    with pytest.raises(Conflict):
        await bus.handle(AddIdentifier(learner_id="eve", identifier=ADA))


async def test_registering_twice_conflicts(bus: MessageBus) -> None:
    await register(bus)
    with pytest.raises(Conflict):
        await register(bus)


async def test_a_credential_to_the_learners_did_is_offered(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    registered = await bus.handle(RegisterLearner(learner_id="ada"))
    credential = issuer.credential(subject_did=registered.learner.did)
    offer = await bus.handle(issued(credential))
    assert offer is not None
    assert offer.learner_id == "ada"


async def test_declined_offers_leave_the_offer_list(bus: MessageBus, issuer: TestIssuer) -> None:
    await register(bus)
    offer = await bus.handle(issued(issuer.credential(recipient=ADA)))
    assert offer is not None
    declined = await bus.handle(DeclineOffer(learner_id="ada", holding_id=offer.id, reason="no"))
    assert declined.offer is OfferState.DECLINED
    assert await published(bus) == ["wallet.holding.declined.v1"]
    page = await views.list_holdings(
        bus.deps,
        HoldingFilter(learner_id="ada", offers=(OfferState.OFFERED,)),
        limit=None,
        cursor=None,
    )
    assert page.items == ()
    with pytest.raises(NotFound):
        await bus.handle(AcceptOffer(learner_id="ada", holding_id="h_nope"))


async def test_auto_accept_setting_applies_to_later_credentials(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    await register(bus)
    learner = await bus.handle(SetAutoAccept(learner_id="ada", enabled=True))
    assert learner.auto_accept
    holding = await bus.handle(issued(issuer.credential(recipient=ADA)))
    assert holding is not None
    assert holding.offer is OfferState.ACCEPTED


class RecordingVerifier:
    def __init__(self, verified: bool) -> None:
        self.seen: list[Mapping[str, Any]] = []
        self._verified = verified

    async def verify(self, credential: Mapping[str, Any]) -> VerificationReport:
        self.seen.append(credential)
        return VerificationReport.from_json(
            {"verified": self._verified, "checks": [{"check": "proof", "outcome": "passed"}]}
        )


async def test_import_verifies_first_and_refuses_unverifiable_credentials_with_the_report(
    clock: Clock, issuer: TestIssuer
) -> None:
    bus = memory_bus(clock=clock)  # the embedded verifier: the vc core's checks
    await bus.handle(RegisterLearner(learner_id="ada"))
    credential = issuer.credential(recipient=ADA)
    tampered = {**credential, "name": "Rocket Science PhD"}
    with pytest.raises(ImportRefused) as refused:
        await bus.handle(ImportCredential(learner_id="ada", credential=tampered))
    assert not refused.value.report.verified
    assert any(c.check == "proof" and c.outcome == "failed" for c in refused.value.report.checks)
    assert await bus.deps.holdings.accepted_of("ada") == []

    holding = await bus.handle(ImportCredential(learner_id="ada", credential=credential))
    assert holding.offer is OfferState.ACCEPTED
    assert holding.verification is not None
    assert holding.verification["verified"] is True
    with pytest.raises(Conflict):
        await bus.handle(ImportCredential(learner_id="ada", credential=credential))


async def test_import_asks_the_verifier_before_writing(clock: Clock, issuer: TestIssuer) -> None:
    verifier = RecordingVerifier(verified=False)
    bus = memory_bus(clock=clock, verifier=verifier)
    await bus.handle(RegisterLearner(learner_id="ada"))
    credential = issuer.credential(recipient=ADA)
    with pytest.raises(ImportRefused):
        await bus.handle(ImportCredential(learner_id="ada", credential=credential))
    assert verifier.seen == [credential]
    with pytest.raises(ImportRefused):  # unsigned: refused without asking anyone
        await bus.handle(ImportCredential(learner_id="ada", credential={"name": "x"}))
    assert len(verifier.seen) == 1


async def test_share_links_show_only_what_was_shared_and_die_on_revoke(
    bus: MessageBus, issuer: TestIssuer, clock: Clock
) -> None:
    await register(bus, auto_accept=True)
    shown = await bus.handle(issued(issuer.credential(recipient=ADA), event_id="a"))
    hidden = await bus.handle(issued(issuer.credential(recipient=ADA), event_id="b"))
    assert shown is not None
    assert hidden is not None
    link = await bus.handle(
        CreateShareLink(learner_id="ada", holding_ids=(shown.id,), expires_in=timedelta(days=1))
    )
    view = await views.shared(bus.deps, link.token, verify=True)
    assert [c.holding.id for c in view.credentials] == [shown.id]
    assert view.credentials[0].report is not None
    assert view.credentials[0].report.verified
    assert (await bus.deps.share_links.get(link.id)).views == 1  # type: ignore[union-attr]

    await bus.handle(RevokeShareLink(learner_id="ada", link_id=link.id))
    with pytest.raises(Gone):
        await views.shared(bus.deps, link.token, verify=False)


async def test_share_links_expire(bus: MessageBus, issuer: TestIssuer, clock: Clock) -> None:
    await register(bus, auto_accept=True)
    holding = await bus.handle(issued(issuer.credential(recipient=ADA)))
    assert holding is not None
    link = await bus.handle(
        CreateShareLink(learner_id="ada", holding_ids=(holding.id,), expires_in=timedelta(hours=1))
    )
    clock.advance(timedelta(hours=2))
    with pytest.raises(Gone):
        await views.shared(bus.deps, link.token, verify=False)


async def test_only_own_accepted_holdings_can_be_shared(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    await register(bus)
    offer = await bus.handle(issued(issuer.credential(recipient=ADA)))
    assert offer is not None
    await bus.handle(RegisterLearner(learner_id="eve"))
    with pytest.raises(Conflict):
        await bus.handle(CreateShareLink(learner_id="ada", holding_ids=(offer.id,)))
    with pytest.raises(NotFound):
        await bus.handle(CreateShareLink(learner_id="eve", holding_ids=(offer.id,)))
    with pytest.raises(InvalidInput):
        await bus.handle(CreateShareLink(learner_id="ada", holding_ids=()))


def verify_presentation(
    presentation: Mapping[str, Any], *, challenge: str, domain: str | None, clock: Clock
) -> VerificationResult:
    """The vc core's presentation verification, as a verifier would run it."""
    return vc_verify_presentation(
        presentation, resolver=OFFLINE_RESOLVER, now=clock(), challenge=challenge, domain=domain
    )


async def test_a_presentation_verifies_with_the_challenge_and_fails_without_it(
    bus: MessageBus, issuer: TestIssuer, clock: Clock
) -> None:
    await register(bus, auto_accept=True)
    await bus.handle(issued(issuer.credential(recipient=ADA)))
    learner = await bus.deps.learners.get("ada")
    assert learner is not None
    vp = await bus.handle(
        CreatePresentation(learner_id="ada", challenge="nonce-123", domain="employer.example")
    )
    assert vp["holder"] == learner.did
    assert len(vp["verifiableCredential"]) == 1
    [proof] = vp["proof"]
    assert proof["proofPurpose"] == "authentication"
    assert proof["verificationMethod"].startswith(learner.did)
    verified = verify_presentation(
        vp, challenge="nonce-123", domain="employer.example", clock=clock
    )
    assert verified.verified, verified.to_json()
    assert verified.check("holder_binding") is not None
    assert not verify_presentation(vp, challenge="another", domain=None, clock=clock).verified
    assert not verify_presentation(
        vp, challenge="nonce-123", domain="elsewhere.example", clock=clock
    ).verified
    replayed = {**vp, "proof": [{**proof, "challenge": "another"}]}
    assert not verify_presentation(replayed, challenge="another", domain=None, clock=clock).verified

    without = await bus.handle(CreatePresentation(learner_id="ada"))
    assert "challenge" not in without["proof"][0]
    refused = verify_presentation(without, challenge="nonce-123", domain=None, clock=clock)
    assert not refused.verified
    assert any(c.name == "proof" for c in refused.failures())


async def test_pathway_progress_shows_held_and_missing_components(
    bus: MessageBus, issuer: TestIssuer, catalogue: StaticPathwayCatalogue, clock: Clock
) -> None:
    await register(bus, auto_accept=True)
    first = issuer.credential(recipient=ADA, achievement_id="https://a.example/1", credits=5)
    second = issuer.credential(recipient=ADA, achievement_id="https://a.example/2", credits=5)
    await bus.handle(issued(first, event_id="1"))
    await bus.handle(issued(second, event_id="2"))
    catalogue.publish(
        Pathway(
            id="p1",
            tenant_id="tenant-1",
            name="Data certificate",
            target_achievement_id="https://a.example/cert",
            rule=Rule.ALL_OF,
            components=tuple(
                PathwayComponent(achievement_id=f"https://a.example/{n}", credits=5)
                for n in (1, 2, 3)
            ),
        )
    )
    [progress] = await views.pathway_progress(bus.deps, learner_id="ada")
    assert [c.component.achievement_id for c in progress.held] == [
        "https://a.example/1",
        "https://a.example/2",
    ]
    assert [c.component.achievement_id for c in progress.missing] == ["https://a.example/3"]
    assert progress.credits_earned == 10
    assert not progress.completed

    await bus.handle(revoked(second["id"], clock))
    [progress] = await views.pathway_progress(bus.deps, learner_id="ada")
    assert len(progress.missing) == 2  # a revoked component stops counting


async def test_status_change_for_an_unknown_credential_waits_for_it(
    bus: MessageBus, issuer: TestIssuer, clock: Clock
) -> None:
    await register(bus)
    credential = issuer.credential(recipient=ADA)
    await bus.handle(revoked(credential["id"], clock))
    holding = await bus.handle(issued(credential))
    assert holding is not None
    assert holding.status is Status.REVOKED
    assert holding.id == issued_holding_id(credential["id"])
