"""Verifying one credential through the bus on in-memory adapters: each check fails for its own
reason, and good input passes. Documents come from memory; the core is the real one."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from skillpass.events.v1 import verifications_pb2 as pb
from skillpass.platform.store.memory import MemoryAggregateStore
from skillpass.vc.result import Outcome
from skillpass.verifier.adapters.memory import StaticDocuments
from skillpass.verifier.domain.policy import requested_checks
from skillpass.verifier.domain.report import Requester, VerificationReport
from skillpass.verifier.domain.trust import TrustedIssuer
from skillpass.verifier.service_layer.event_payloads import verification_completed
from skillpass.verifier.service_layer.handlers import MessageBus
from skillpass.verifier.service_layer.messages import (
    PutTrustedIssuer,
    VerifyCredential,
    VerifyOptions,
)
from skillpass.verifier.testing import FIXED_NOW, TestIssuer, key_for


async def verify(bus: MessageBus, credential: dict[str, Any], **options: Any) -> VerificationReport:
    return await bus.handle(
        VerifyCredential(credential=credential, options=VerifyOptions(**options))
    )


def outcome(report: VerificationReport, name: str) -> Outcome:
    checks = [c for c in report.credentials[0].result.checks if c.name == name]
    assert checks, f"no {name} check in {report.credentials[0].result.checks}"
    worst = [Outcome.FAILED, Outcome.ERROR, Outcome.SKIPPED, Outcome.PASSED]
    return min((c.outcome for c in checks), key=worst.index)


def reason(report: VerificationReport, name: str) -> str:
    return next(c.reason for c in report.credentials[0].result.checks if c.name == name)


async def test_good_credential_passes_every_check(bus: MessageBus, issuer: TestIssuer) -> None:
    report = await verify(bus, issuer.credential())
    assert report.verified, report.failures()
    for name in ("proof", "context", "issuer_binding", "data_model", "validity_period"):
        assert outcome(report, name) is Outcome.PASSED
    assert outcome(report, "schema") is Outcome.PASSED
    assert outcome(report, "status.revocation") is Outcome.PASSED


async def test_tampered_field_fails_proof(bus: MessageBus, issuer: TestIssuer) -> None:
    credential = issuer.credential()
    credential["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    report = await verify(bus, credential)
    assert not report.verified
    assert outcome(report, "proof") is Outcome.FAILED
    assert "signature does not match" in reason(report, "proof")


async def test_credential_signed_with_another_key_fails_proof(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    forger = TestIssuer(did=issuer.did, key=key_for("forger"), base_url=issuer.base_url)
    report = await verify(bus, forger.credential())
    assert outcome(report, "proof") is Outcome.FAILED
    assert "signature does not match" in reason(report, "proof")


async def test_expired_credential_fails_validity_period(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    credential = issuer.credential(valid_until="2027-01-01T00:00:00Z")
    report = await verify(bus, credential)
    assert outcome(report, "proof") is Outcome.PASSED
    assert outcome(report, "validity_period") is Outcome.FAILED
    assert "expired" in reason(report, "validity_period")


async def test_not_yet_valid_credential_fails_validity_period(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    credential = issuer.credential(valid_from="2028-01-01T00:00:00Z")
    report = await verify(bus, credential)
    assert outcome(report, "validity_period") is Outcome.FAILED
    assert "not yet valid" in reason(report, "validity_period")


async def test_revoked_credential_fails_revocation(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    credential = issuer.credential(index=42)
    issuer.revoked.add(42)
    documents.status_lists[issuer.list_url("revocation")] = issuer.status_list("revocation")
    report = await verify(bus, credential)
    assert not report.verified
    assert outcome(report, "status.revocation") is Outcome.FAILED
    assert reason(report, "status.revocation") == "revoked"


async def test_suspended_credential_fails_suspension(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    credential = issuer.credential(index=7, status=("suspension",))
    issuer.suspended.add(7)
    documents.status_lists[issuer.list_url("suspension")] = issuer.status_list("suspension")
    report = await verify(bus, credential)
    assert outcome(report, "status.suspension") is Outcome.FAILED
    assert reason(report, "status.suspension") == "suspended"


async def test_unreachable_status_list_is_an_error_not_a_pass(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    del documents.status_lists[issuer.list_url("revocation")]
    report = await verify(bus, issuer.credential())
    assert not report.verified
    assert outcome(report, "status.revocation") is Outcome.ERROR
    assert "could not be retrieved" in reason(report, "status.revocation")
    assert any(issuer.list_url("revocation") in w for w in report.warnings())


async def test_tampered_status_list_is_an_error_not_a_pass(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    credential = issuer.credential(index=42)
    issuer.revoked.add(42)
    revoked_list = issuer.status_list("revocation")
    issuer.revoked.clear()
    cleared = issuer.status_list("revocation")
    # Someone with access to the list's host swaps in the cleared bits under the old proof.
    revoked_list["credentialSubject"]["encodedList"] = cleared["credentialSubject"]["encodedList"]
    documents.status_lists[issuer.list_url("revocation")] = revoked_list
    report = await verify(bus, credential)
    assert outcome(report, "status.revocation") is Outcome.ERROR
    assert "proof failed" in reason(report, "status.revocation")


async def test_expired_status_list_is_an_error(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    documents.status_lists[issuer.list_url("revocation")] = issuer.status_list(
        "revocation", valid_until=FIXED_NOW - timedelta(days=1)
    )
    report = await verify(bus, issuer.credential())
    assert outcome(report, "status.revocation") is Outcome.ERROR
    assert "expired" in reason(report, "status.revocation")


async def test_malformed_status_list_is_an_error(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    documents.status_lists[issuer.list_url("revocation")] = {"hello": "world"}
    report = await verify(bus, issuer.credential())
    assert outcome(report, "status.revocation") is Outcome.ERROR


async def test_status_list_signed_by_someone_else_is_an_error(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    impostor = TestIssuer.at("https://evil.example", "uni")
    forged = impostor.status_list("revocation")
    forged["id"] = issuer.list_url("revocation")
    documents.dids[impostor.did] = impostor.did_document()
    documents.status_lists[issuer.list_url("revocation")] = forged
    report = await verify(bus, issuer.credential())
    assert outcome(report, "status.revocation") is Outcome.ERROR


async def test_unknown_context_fails_context_and_is_never_fetched(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    unsigned = copy.deepcopy(issuer.credential())
    unsigned.pop("proof")
    unsigned["@context"].append("https://evil.example/context.jsonld")
    with pytest.raises(ValueError, match="context"):
        issuer.sign(unsigned)  # the core refuses to sign it; a foreign issuer might not
    credential = {**issuer.credential(), "@context": unsigned["@context"]}
    report = await verify(bus, credential)
    assert outcome(report, "context") is Outcome.FAILED
    assert "evil.example/context.jsonld" in reason(report, "context")
    assert not any("context.jsonld" in r for r in documents.requests)


async def test_unresolvable_issuer_did_fails_proof(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    del documents.dids[issuer.did]
    report = await verify(bus, issuer.credential())
    assert outcome(report, "proof") is Outcome.FAILED
    assert "could not be resolved" in reason(report, "proof")


async def test_unregistered_issuer_is_a_warning_by_default(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    report = await verify(bus, issuer.credential())
    assert report.verified
    assert outcome(report, "trust") is Outcome.SKIPPED
    assert any("not in any trusted registry" in w for w in report.warnings())


async def test_unregistered_issuer_fails_when_the_caller_requires_registration(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    report = await verify(bus, issuer.credential(), require_registered_issuer=True)
    assert not report.verified
    assert outcome(report, "trust") is Outcome.FAILED


async def test_registered_issuer_passes_trust(bus: MessageBus, issuer: TestIssuer) -> None:
    await bus.handle(PutTrustedIssuer(entry=TrustedIssuer(did=issuer.did, name="Uni")))
    report = await verify(bus, issuer.credential(), require_registered_issuer=True)
    assert report.verified
    assert outcome(report, "trust") is Outcome.PASSED


async def test_tenant_registry_counts_only_for_that_tenants_callers(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    entry = TrustedIssuer(did=issuer.did, name="Uni", scope="acme")
    await bus.handle(PutTrustedIssuer(entry=entry))
    credential = issuer.credential()
    options = VerifyOptions(require_registered_issuer=True)
    mine = await bus.handle(
        VerifyCredential(credential=credential, options=options, requester=Requester(tenant="acme"))
    )
    theirs = await bus.handle(
        VerifyCredential(credential=credential, options=options, requester=Requester(tenant="b"))
    )
    assert mine.verified
    assert not theirs.verified


async def test_checks_not_requested_are_reported_as_skipped(
    bus: MessageBus, issuer: TestIssuer
) -> None:
    report = await verify(
        bus, issuer.credential(valid_until="2027-01-01T00:00:00Z"), checks=requested_checks([])
    )
    assert report.verified
    assert outcome(report, "validity_period") is Outcome.SKIPPED
    assert "not requested" in reason(report, "validity_period")


async def test_report_is_stored_with_its_completed_event(
    bus: MessageBus, issuer: TestIssuer, verification_store: MemoryAggregateStore
) -> None:
    credential = issuer.credential()
    report = await verify(bus, credential)
    stored = await bus.deps.verifications.get(report.id)
    assert stored == report
    [batch] = await verification_store.pending(limit=10)
    [pending] = batch.events
    assert pending.topic == "verifier.verifications.v1"
    assert pending.event.type == "verifier.verification.completed.v1"
    assert pending.event.subject == report.id
    payload = pb.VerificationCompleted.FromString(pending.event.data)
    assert payload.verification_id == report.id
    assert payload.verified
    assert list(payload.credential_ids) == [credential["id"]]
    assert list(payload.issuer_dids) == [issuer.did]
    trust = next(c for c in payload.checks if c.name == "trust")
    assert trust.outcome == pb.CHECK_OUTCOME_WARNING


async def test_status_list_error_is_sent_as_an_error_check(
    bus: MessageBus, issuer: TestIssuer, documents: StaticDocuments
) -> None:
    documents.status_lists.clear()
    report = await verify(bus, issuer.credential())
    checks = {c.name: c for c in verification_completed(report).checks}
    assert checks["status.revocation"].outcome == pb.CHECK_OUTCOME_ERROR
    assert checks["status.revocation"].reason


async def test_a_credential_the_core_cannot_read_is_a_result_not_a_crash(bus: MessageBus) -> None:
    report = await verify(bus, {"proof": 5, "issuer": ["x"], "credentialStatus": "nope"})
    assert not report.verified
    assert report.credentials[0].result.failures()
