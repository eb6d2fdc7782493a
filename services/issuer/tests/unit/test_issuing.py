"""Issuing through the message bus on in-memory adapters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from skillpass.events.v1 import credentials_pb2 as pb
from skillpass.issuer.domain.credentials import Evidence, ResultValue, StatusAction, Suite
from skillpass.issuer.domain.recipients import DidRecipient, identity_hash
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer.errors import (
    RequestConflictError,
    RequestRejectedError,
    UnknownResourceError,
)
from skillpass.issuer.service_layer.handlers import Dependencies, IssueResult
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.testing import (
    FIXED_NOW,
    FixedClock,
    assert_verifies,
    email,
    problems,
    published_for,
    tenant_with_achievement,
    verify_with,
)
from skillpass.vc.result import Outcome
from skillpass.vc.validation import validate_for_issue


async def issue(bus: MessageBus, tenant_id: str, achievement_id: str, **kw: Any) -> IssueResult:
    request = c.IssueRequest(
        achievement_id=achievement_id,
        recipient=kw.pop("recipient", email("Ada@Example.org")),
        **{
            k: kw.pop(k)
            for k in list(kw)
            if k in {"evidence", "results", "valid_until", "valid_from", "fingerprint"}
        },
    )
    result: IssueResult = await bus.handle(
        c.IssueCredential(tenant_id=tenant_id, request=request, **kw)
    )
    return result


async def test_issued_credential_is_an_ob3_achievement_credential_that_verifies(
    bus: MessageBus, deps: Dependencies
) -> None:
    cat = await tenant_with_achievement(bus)
    result = await issue(
        bus,
        cat.tenant.id,
        cat.achievement.id,
        evidence=(Evidence(id="https://portfolio.example/ada/project", narrative="Final project"),),
        results=(ResultValue(result_description="grade", value="A"),),
        valid_until=FIXED_NOW + timedelta(days=365),
    )
    vc = result.record.credential
    assert vc["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert vc["@context"][1] == "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    assert vc["id"].startswith("urn:uuid:")
    assert vc["issuer"]["id"] == "did:web:issuer.skillpass.test:issuers:example-tech"
    assert vc["credentialSubject"]["achievement"]["version"] == "1"
    assert [s["statusPurpose"] for s in vc["credentialStatus"]] == ["revocation", "suspension"]
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    assert [
        p for p in validate_for_issue(unsigned, now=FIXED_NOW) if "credentialStatus" not in p
    ] == []
    assert (
        validate_for_issue(
            {**unsigned, "credentialStatus": vc["credentialStatus"][0]}, now=FIXED_NOW
        )
        == []
    )

    published = await published_for(deps, vc)
    report = verify_with(published, vc, FIXED_NOW)
    assert_verifies(report)
    assert report.check("status.revocation").outcome is Outcome.PASSED  # type: ignore[union-attr]


async def test_email_recipient_appears_only_as_a_salted_hash(bus: MessageBus) -> None:
    cat = await tenant_with_achievement(bus)
    result = await issue(bus, cat.tenant.id, cat.achievement.id)
    identity = result.record.credential["credentialSubject"]["identifier"][0]
    assert identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    assert identity["identityHash"] == identity_hash("ada@example.org", identity["salt"])
    assert "ada@example.org" not in str(result.record.credential).lower()


async def test_did_recipient_is_the_credential_subject_id(bus: MessageBus) -> None:
    cat = await tenant_with_achievement(bus)
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    result = await issue(bus, cat.tenant.id, cat.achievement.id, recipient=DidRecipient(did=did))
    assert result.record.credential["credentialSubject"]["id"] == did


async def test_issue_writes_the_issued_event_with_the_credential(
    bus: MessageBus, deps: Dependencies
) -> None:
    cat = await tenant_with_achievement(bus)
    result = await issue(bus, cat.tenant.id, cat.achievement.id)
    (batch,) = await deps.credentials.pending(limit=10)
    (pending,) = batch.events
    assert pending.topic == "issuer.credentials.v1"
    assert pending.event.type == "issuer.credential.issued.v1"
    assert pending.event.subject == result.record.id
    payload = pb.CredentialIssued.FromString(pending.event.data)
    assert payload.credential_id == result.record.id
    assert payload.achievement_version == "1"
    assert payload.recipient.WhichOneof("identity") == "hashed"
    assert b"ada@example.org" not in pending.event.data.lower()


async def test_retry_with_the_same_idempotency_key_returns_the_same_credential(
    bus: MessageBus, deps: Dependencies
) -> None:
    cat = await tenant_with_achievement(bus)
    first = await issue(
        bus, cat.tenant.id, cat.achievement.id, idempotency_key="k-1", fingerprint="f"
    )
    again = await issue(
        bus, cat.tenant.id, cat.achievement.id, idempotency_key="k-1", fingerprint="f"
    )
    assert again.replayed
    assert not first.replayed
    assert again.record.credential == first.record.credential
    assert len(await deps.credentials.pending(limit=10)) == 1


async def test_idempotency_key_reused_for_another_request_is_refused(bus: MessageBus) -> None:
    cat = await tenant_with_achievement(bus)
    await issue(bus, cat.tenant.id, cat.achievement.id, idempotency_key="k-1", fingerprint="f1")
    with pytest.raises(RequestConflictError) as caught:
        await issue(bus, cat.tenant.id, cat.achievement.id, idempotency_key="k-1", fingerprint="f2")
    assert caught.value.code == "idempotency-key-reused"


async def test_unknown_achievement_is_refused_and_nothing_is_written(
    bus: MessageBus, deps: Dependencies
) -> None:
    cat = await tenant_with_achievement(bus)
    with pytest.raises(UnknownResourceError) as caught:
        await issue(bus, cat.tenant.id, "no-such-achievement")
    assert caught.value.code == "unknown-achievement"
    assert await deps.credentials.pending(limit=10) == []


async def test_achievement_of_another_tenant_is_unknown(bus: MessageBus) -> None:
    one = await tenant_with_achievement(bus, "one")
    two = await tenant_with_achievement(bus, "two")
    with pytest.raises(UnknownResourceError):
        await issue(bus, one.tenant.id, two.achievement.id)


async def test_dates_out_of_order_are_refused(bus: MessageBus, deps: Dependencies) -> None:
    cat = await tenant_with_achievement(bus)
    with pytest.raises(RequestRejectedError) as caught:
        await issue(
            bus,
            cat.tenant.id,
            cat.achievement.id,
            valid_from=FIXED_NOW + timedelta(days=2),
            valid_until=FIXED_NOW + timedelta(days=1),
        )
    assert caught.value.code == "dates-out-of-order"
    assert await deps.credentials.pending(limit=10) == []


async def test_unknown_tenant_is_refused(bus: MessageBus) -> None:
    with pytest.raises(UnknownResourceError) as caught:
        await issue(bus, "nobody", "x")
    assert caught.value.code == "unknown-tenant"


async def test_jcs_suite_on_request(bus: MessageBus, deps: Dependencies) -> None:
    cat = await tenant_with_achievement(bus)
    result = await issue(bus, cat.tenant.id, cat.achievement.id, suite=Suite.EDDSA_JCS_2022)
    (proof,) = result.record.credential["proof"]
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    report = verify_with(
        await published_for(deps, result.record.credential), result.record.credential, FIXED_NOW
    )
    assert_verifies(report)


async def test_revocation_changes_the_served_list_and_the_verifier_sees_it(
    bus: MessageBus, deps: Dependencies, clock: FixedClock
) -> None:
    cat = await tenant_with_achievement(bus)
    vc = (await issue(bus, cat.tenant.id, cat.achievement.id)).record.credential
    before = await published_for(deps, vc)
    assert_verifies(verify_with(before, vc, FIXED_NOW))

    clock.advance(timedelta(minutes=1))
    await bus.handle(
        c.ChangeStatus(
            credential_id=vc["id"],
            tenant_id=cat.tenant.id,
            action=StatusAction.REVOKE,
            reason="fraud",
        )
    )
    after = await published_for(deps, vc)
    report = verify_with(after, vc, clock.now())
    assert any(p.startswith("status.revocation") for p in problems(report))
    check = report.check("status.revocation")
    assert check is not None
    assert check.outcome is Outcome.FAILED


async def test_suspension_then_reinstatement(bus: MessageBus, deps: Dependencies) -> None:
    cat = await tenant_with_achievement(bus)
    vc = (await issue(bus, cat.tenant.id, cat.achievement.id)).record.credential
    await bus.handle(
        c.ChangeStatus(
            credential_id=vc["id"], tenant_id=None, action=StatusAction.SUSPEND, reason="audit"
        )
    )
    suspended = verify_with(await published_for(deps, vc), vc, FIXED_NOW)
    assert suspended.check("status.suspension").outcome is Outcome.FAILED  # type: ignore[union-attr]
    await bus.handle(
        c.ChangeStatus(
            credential_id=vc["id"], tenant_id=None, action=StatusAction.REINSTATE, reason="ok"
        )
    )
    assert_verifies(verify_with(await published_for(deps, vc), vc, FIXED_NOW))


async def test_revocation_is_final(bus: MessageBus) -> None:
    cat = await tenant_with_achievement(bus)
    vc = (await issue(bus, cat.tenant.id, cat.achievement.id)).record.credential
    await bus.handle(
        c.ChangeStatus(credential_id=vc["id"], tenant_id=None, action=StatusAction.REVOKE)
    )
    with pytest.raises(RequestConflictError) as caught:
        await bus.handle(
            c.ChangeStatus(credential_id=vc["id"], tenant_id=None, action=StatusAction.REINSTATE)
        )
    assert caught.value.code == "already-revoked"


async def test_status_list_is_resigned_only_when_it_changes(
    bus: MessageBus, deps: Dependencies, clock: FixedClock
) -> None:
    from skillpass.issuer.service_layer.views import published_status_list

    cat = await tenant_with_achievement(bus)
    vc = (await issue(bus, cat.tenant.id, cat.achievement.id)).record.credential
    list_id = vc["credentialStatus"][0]["statusListCredential"].rsplit("/", 1)[1]
    first = await published_status_list(deps, list_id)
    clock.advance(timedelta(minutes=1))
    await issue(bus, cat.tenant.id, cat.achievement.id)  # a new credential sets no bit
    assert (await published_status_list(deps, list_id)).etag == first.etag
    await bus.handle(
        c.ChangeStatus(credential_id=vc["id"], tenant_id=None, action=StatusAction.REVOKE)
    )
    assert (await published_status_list(deps, list_id)).etag != first.etag


async def test_key_rotation_leaves_old_credentials_verifiable(
    bus: MessageBus, deps: Dependencies
) -> None:
    cat = await tenant_with_achievement(bus)
    old = (await issue(bus, cat.tenant.id, cat.achievement.id)).record.credential
    rotated = await bus.handle(c.RotateIssuerKey(tenant_id=cat.tenant.id))
    new = (await issue(bus, cat.tenant.id, cat.achievement.id)).record.credential
    assert old["proof"][0]["verificationMethod"].endswith("#key-1")
    assert new["proof"][0]["verificationMethod"].endswith("#key-2")
    assert [k.state.value for k in rotated.keys] == ["retired", "active"]
    for vc in (old, new):
        report = verify_with(await published_for(deps, vc), vc, FIXED_NOW)
        assert_verifies(report)


async def test_updating_an_achievement_makes_a_new_version_and_old_credentials_keep_theirs(
    bus: MessageBus, deps: Dependencies
) -> None:
    from skillpass.issuer.testing import sample_definition

    cat = await tenant_with_achievement(bus)
    old = (await issue(bus, cat.tenant.id, cat.achievement.id)).record
    updated = await bus.handle(
        c.UpdateAchievement(
            tenant_id=cat.tenant.id,
            achievement_id=cat.achievement.id,
            definition=sample_definition("Data Analysis Fundamentals II"),
        )
    )
    assert updated.version == 2
    new = (await issue(bus, cat.tenant.id, cat.achievement.id)).record
    assert (old.achievement_version, new.achievement_version) == (1, 2)
    stored = await deps.credentials.get(old.id)
    assert stored is not None
    assert stored.credential["credentialSubject"]["achievement"]["version"] == "1"
    v1 = await deps.achievements.get_version(cat.achievement.id, 1)
    assert v1 is not None
    assert v1.definition.name == "Data Analysis Fundamentals"
