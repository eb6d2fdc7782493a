"""Stackable pathways, event-driven: credential events through the outbox, the (in-memory) bus
and the pathway consumer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from skillpass.events.v1 import credentials_pb2 as pb
from skillpass.issuer.domain.credentials import StatusAction
from skillpass.issuer.domain.pathways import Rule, RuleKind, stacked_credential_uuid
from skillpass.issuer.domain.recipients import recipient_key
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer import views
from skillpass.issuer.service_layer.handlers import Dependencies
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.service_layer.pathway_events import pathway_consumer
from skillpass.issuer.testing import (
    FIXED_NOW,
    ForgetfulOutbox,
    assert_verifies,
    deliver_all,
    email,
    published_for,
    sample_definition,
    sample_profile,
    verify_with,
)
from skillpass.platform.bus.memory import MemoryEventBus
from skillpass.platform.consumer import EventConsumer
from skillpass.platform.events import CREDENTIALS_TOPIC
from skillpass.platform.relay import OutboxRelay

LEARNER = email("grace@example.org")


@pytest.fixture
def event_bus() -> MemoryEventBus:
    return MemoryEventBus()


@pytest.fixture
async def consumer(bus: MessageBus, event_bus: MemoryEventBus) -> AsyncIterator[EventConsumer]:
    consumer = pathway_consumer(bus, event_bus, group="issuer-pathways", poll_timeout=0.01)
    await consumer.start()
    yield consumer
    await consumer.stop()


async def setup_pathway(
    bus: MessageBus, rule_kind: RuleKind = RuleKind.ALL_OF, **rule: object
) -> tuple[str, list[str], str]:
    tenant = await bus.handle(c.CreateTenant(slug="uni", profile=sample_profile()))
    components = [
        (
            await bus.handle(
                c.CreateAchievement(
                    tenant_id=tenant.id, definition=sample_definition(f"Part {n}", 4)
                )
            )
        ).id
        for n in range(3)
    ]
    target = await bus.handle(
        c.CreateAchievement(tenant_id=tenant.id, definition=sample_definition("Certificate"))
    )
    pathway = await bus.handle(
        c.CreatePathway(
            tenant_id=tenant.id,
            name="Professional certificate",
            target_achievement_id=target.id,
            rule=Rule(kind=rule_kind, components=tuple(components), **rule),  # type: ignore[arg-type]
        )
    )
    return pathway.id, components, tenant.id


async def issue_to(bus: MessageBus, tenant_id: str, achievement_id: str) -> str:
    result = await bus.handle(
        c.IssueCredential(
            tenant_id=tenant_id,
            request=c.IssueRequest(achievement_id=achievement_id, recipient=LEARNER),
        )
    )
    return str(result.record.id)


def issued_events(event_bus: MemoryEventBus) -> list[pb.CredentialIssued]:
    return [
        pb.CredentialIssued.FromString(r.value)
        for r in event_bus.broker.records(CREDENTIALS_TOPIC)
        if r.header("ce_type") == b"issuer.credential.issued.v1"
    ]


async def test_completed_pathway_issues_exactly_one_stacked_credential_despite_redelivery(
    bus: MessageBus, deps: Dependencies, event_bus: MemoryEventBus, consumer: EventConsumer
) -> None:
    pathway_id, components, tenant_id = await setup_pathway(bus)
    sources = [await issue_to(bus, tenant_id, a) for a in components]
    # The relay "crashes" between publishing and removing: every event is published twice.
    relay = OutboxRelay(event_bus, [ForgetfulOutbox(deps.credentials)])
    await deliver_all(relay, consumer)
    # ... and a second consumer group member re-reads everything from the start.
    replay = pathway_consumer(bus, event_bus, group="issuer-pathways-replay", poll_timeout=0.01)
    await replay.start()
    try:
        await deliver_all(relay, replay)
    finally:
        await replay.stop()

    stacked = [e for e in issued_events(event_bus) if e.HasField("pathway_id")]
    key = recipient_key(LEARNER, pepper=deps.pepper)
    assert {e.credential_id for e in stacked} == {
        f"urn:uuid:{stacked_credential_uuid(pathway_id, key)}"
    }
    (event, *_) = stacked
    assert sorted(event.source_credential_ids) == sorted(sources)
    credential = json.loads(event.credential_json)
    assert sorted(e["id"] for e in credential["evidence"]) == sorted(sources)
    # The stacked credential names the same learner (a component's identity object).
    identity = credential["credentialSubject"]["identifier"][0]
    assert identity["identityType"] == "emailAddress"
    assert_verifies(verify_with(await published_for(deps, credential), credential, FIXED_NOW))


async def test_no_stacked_credential_before_the_rule_is_met(
    bus: MessageBus, deps: Dependencies, event_bus: MemoryEventBus, consumer: EventConsumer
) -> None:
    pathway_id, components, tenant_id = await setup_pathway(bus)
    for a in components[:2]:
        await issue_to(bus, tenant_id, a)
    await deliver_all(OutboxRelay(event_bus, [deps.credentials]), consumer)
    assert not any(e.HasField("pathway_id") for e in issued_events(event_bus))

    pathway = await deps.pathways.get(pathway_id)
    assert pathway is not None
    view = await views.pathway_progress(deps, pathway, LEARNER)
    assert view.progress.missing == (components[2],)
    assert view.stacked_credential_id is None


async def test_a_revoked_component_stops_counting(
    bus: MessageBus, deps: Dependencies, event_bus: MemoryEventBus, consumer: EventConsumer
) -> None:
    _, components, tenant_id = await setup_pathway(bus, RuleKind.N_OF, n=2)
    first = await issue_to(bus, tenant_id, components[0])
    await bus.handle(
        c.ChangeStatus(credential_id=first, tenant_id=None, action=StatusAction.REVOKE)
    )
    await issue_to(bus, tenant_id, components[1])
    relay = OutboxRelay(event_bus, [deps.credentials])
    await deliver_all(relay, consumer)
    assert not any(e.HasField("pathway_id") for e in issued_events(event_bus))

    await issue_to(bus, tenant_id, components[2])
    await deliver_all(relay, consumer)
    assert sum(e.HasField("pathway_id") for e in issued_events(event_bus)) == 1


async def test_reinstating_a_suspended_component_completes_the_pathway(
    bus: MessageBus, deps: Dependencies, event_bus: MemoryEventBus, consumer: EventConsumer
) -> None:
    _, components, tenant_id = await setup_pathway(bus, RuleKind.CREDITS, credits=8)
    first = await issue_to(bus, tenant_id, components[0])
    await bus.handle(
        c.ChangeStatus(credential_id=first, tenant_id=None, action=StatusAction.SUSPEND)
    )
    await issue_to(bus, tenant_id, components[1])
    relay = OutboxRelay(event_bus, [deps.credentials])
    await deliver_all(relay, consumer)
    assert not any(e.HasField("pathway_id") for e in issued_events(event_bus))
    await bus.handle(
        c.ChangeStatus(credential_id=first, tenant_id=None, action=StatusAction.REINSTATE)
    )
    await deliver_all(relay, consumer)
    assert sum(e.HasField("pathway_id") for e in issued_events(event_bus)) == 1


async def test_partner_tenant_components_count_when_accepted(
    bus: MessageBus, deps: Dependencies, event_bus: MemoryEventBus, consumer: EventConsumer
) -> None:
    own = await bus.handle(c.CreateTenant(slug="own", profile=sample_profile("Own")))
    partner = await bus.handle(c.CreateTenant(slug="partner", profile=sample_profile("Partner")))
    mine = await bus.handle(
        c.CreateAchievement(tenant_id=own.id, definition=sample_definition("Mine"))
    )
    theirs = await bus.handle(
        c.CreateAchievement(tenant_id=partner.id, definition=sample_definition("Theirs"))
    )
    target = await bus.handle(
        c.CreateAchievement(tenant_id=own.id, definition=sample_definition("Joint"))
    )
    await bus.handle(
        c.CreatePathway(
            tenant_id=own.id,
            name="Joint",
            target_achievement_id=target.id,
            rule=Rule(kind=RuleKind.ALL_OF, components=(mine.id, theirs.id)),
            accepted_issuers=(partner.did,),
        )
    )
    await issue_to(bus, own.id, mine.id)
    await issue_to(bus, partner.id, theirs.id)
    await deliver_all(OutboxRelay(event_bus, [deps.credentials]), consumer)
    (stacked,) = [e for e in issued_events(event_bus) if e.HasField("pathway_id")]
    assert stacked.issuer_did == own.did


async def test_a_pathway_with_unaccepted_partner_components_is_refused(bus: MessageBus) -> None:
    from skillpass.issuer.service_layer.errors import RequestRejectedError

    own = await bus.handle(c.CreateTenant(slug="own", profile=sample_profile("Own")))
    partner = await bus.handle(c.CreateTenant(slug="partner", profile=sample_profile("Partner")))
    theirs = await bus.handle(
        c.CreateAchievement(tenant_id=partner.id, definition=sample_definition("Theirs"))
    )
    target = await bus.handle(
        c.CreateAchievement(tenant_id=own.id, definition=sample_definition("Joint"))
    )
    with pytest.raises(RequestRejectedError) as caught:
        await bus.handle(
            c.CreatePathway(
                tenant_id=own.id,
                name="Joint",
                target_achievement_id=target.id,
                rule=Rule(kind=RuleKind.ALL_OF, components=(theirs.id,)),
            )
        )
    assert caught.value.code == "issuer-not-accepted"
