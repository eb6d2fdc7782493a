"""Verifying presentations: holder binding, challenge, domain, and each credential in full."""

from __future__ import annotations

from typing import Any

from skillpass.vc.result import Outcome, VerificationResult
from skillpass.verifier.adapters.memory import StaticDocuments
from skillpass.verifier.domain.report import VerificationReport
from skillpass.verifier.service_layer.handlers import MessageBus
from skillpass.verifier.service_layer.messages import VerifyOptions, VerifyPresentation
from skillpass.verifier.testing import TestHolder, TestIssuer

CHALLENGE = "c0ffee-1234"
DOMAIN = "jobs.example"


async def verify(
    bus: MessageBus, presentation: dict[str, Any], *, signed: bool = True, **options: Any
) -> VerificationReport:
    return await bus.handle(
        VerifyPresentation(
            presentation=presentation, options=VerifyOptions(**options), signed=signed
        )
    )


def outcome(result: VerificationResult | None, name: str) -> Outcome:
    assert result is not None
    found = [c.outcome for c in result.checks if c.name == name]
    assert found, f"no {name} check"
    return Outcome.FAILED if Outcome.FAILED in found else found[0]


async def test_good_presentation_passes(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder
) -> None:
    vp = holder.present([issuer.credential(subject=holder.did)], challenge=CHALLENGE, domain=DOMAIN)
    report = await verify(bus, vp, challenge=CHALLENGE, domain=DOMAIN)
    assert report.verified, report.failures()
    for name in ("proof", "holder_binding", "challenge", "domain"):
        assert outcome(report.presentation, name) is Outcome.PASSED
    assert outcome(report.credentials[0].result, "subject_binding") is Outcome.PASSED
    assert report.credentials[0].verified


async def test_presentation_without_a_challenge_fails(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder
) -> None:
    vp = holder.present([issuer.credential(subject=holder.did)])
    report = await verify(bus, vp)
    assert not report.verified
    assert outcome(report.presentation, "challenge") is Outcome.FAILED
    assert outcome(report.presentation, "proof") is Outcome.PASSED


async def test_presentation_without_the_expected_challenge_fails(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder
) -> None:
    vp = holder.present([issuer.credential(subject=holder.did)])
    report = await verify(bus, vp, challenge=CHALLENGE)
    assert outcome(report.presentation, "challenge") is Outcome.FAILED


async def test_presentation_for_another_challenge_fails(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder
) -> None:
    vp = holder.present([issuer.credential(subject=holder.did)], challenge="old-one")
    report = await verify(bus, vp, challenge=CHALLENGE)
    assert not report.verified
    assert outcome(report.presentation, "challenge") is Outcome.FAILED


async def test_presentation_for_another_domain_fails(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder
) -> None:
    vp = holder.present(
        [issuer.credential(subject=holder.did)], challenge=CHALLENGE, domain="evil.example"
    )
    report = await verify(bus, vp, challenge=CHALLENGE, domain=DOMAIN)
    assert outcome(report.presentation, "domain") is Outcome.FAILED


async def test_presentation_signed_with_another_holders_key_fails_holder_binding(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder
) -> None:
    eve = TestHolder.named("eve")
    vp = holder.present(
        [issuer.credential(subject=holder.did)], challenge=CHALLENGE, signed_by=eve.key
    )
    report = await verify(bus, vp, challenge=CHALLENGE)
    assert not report.verified
    assert outcome(report.presentation, "proof") is Outcome.PASSED  # eve's signature is valid
    assert outcome(report.presentation, "holder_binding") is Outcome.FAILED
    assert report.presentation is not None
    binding = next(c for c in report.presentation.checks if c.name == "holder_binding")
    assert eve.did in binding.reason


async def test_someone_elses_credential_fails_subject_binding(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder
) -> None:
    eve = TestHolder.named("eve")
    vp = eve.present([issuer.credential(subject=holder.did)], challenge=CHALLENGE)
    report = await verify(bus, vp, challenge=CHALLENGE)
    assert not report.verified
    assert outcome(report.presentation, "holder_binding") is Outcome.PASSED
    assert outcome(report.credentials[0].result, "subject_binding") is Outcome.FAILED


async def test_tampered_presentation_fails_proof(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder
) -> None:
    vp = holder.present([issuer.credential(subject=holder.did)], challenge=CHALLENGE)
    vp["verifiableCredential"].append(issuer.credential(subject=holder.did))
    report = await verify(bus, vp, challenge=CHALLENGE)
    assert outcome(report.presentation, "proof") is Outcome.FAILED


async def test_each_embedded_credential_is_verified_in_full(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder, documents: StaticDocuments
) -> None:
    good = issuer.credential(subject=holder.did, index=1)
    revoked = issuer.credential(subject=holder.did, index=2)
    issuer.revoked.add(2)
    documents.status_lists[issuer.list_url("revocation")] = issuer.status_list("revocation")
    vp = holder.present([good, revoked], challenge=CHALLENGE)
    report = await verify(bus, vp, challenge=CHALLENGE)
    assert not report.verified
    assert report.presentation is not None
    assert report.presentation.verified
    assert [c.verified for c in report.credentials] == [True, False]
    assert outcome(report.credentials[1].result, "status.revocation") is Outcome.FAILED
    assert [scope for scope, _ in report.failures()] == ["1"]


async def test_enveloped_credential_is_reported_not_crashed_on(
    bus: MessageBus, holder: TestHolder
) -> None:
    vp = holder.present([], challenge=CHALLENGE)
    vp["verifiableCredential"] = ["eyJhbGciOiJFZERTQSJ9.e30.sig"]
    report = await verify(bus, vp, challenge=CHALLENGE)
    assert not report.verified
    assert outcome(report.credentials[0].result, "data_model") is Outcome.FAILED


async def test_unsigned_presentation_verifies_only_its_credentials(
    bus: MessageBus, issuer: TestIssuer, holder: TestHolder
) -> None:
    vp = holder.present([issuer.credential(subject=holder.did)])
    vp.pop("proof")
    report = await verify(bus, vp, signed=False)
    assert report.presentation is None
    assert report.verified
    assert all(c.name != "subject_binding" for c in report.credentials[0].result.checks)
