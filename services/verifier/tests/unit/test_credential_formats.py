"""Formats other wallets send: VC 1.1, plain (non-OB) VCs, eddsa-jcs-2022, proof sets."""

from __future__ import annotations

from typing import Any

from skillpass.vc.cryptosuites import Suite
from skillpass.vc.result import Outcome
from skillpass.verifier.service_layer.handlers import MessageBus
from skillpass.verifier.service_layer.messages import VerifyCredential
from skillpass.verifier.testing import TestIssuer


def outcomes(report_checks: Any, name: str) -> list[Outcome]:
    return [c.outcome for c in report_checks if c.name == name]


async def test_vc_1_1_credential_verifies(bus: MessageBus, issuer: TestIssuer) -> None:
    credential = issuer.sign(
        {
            "@context": [
                "https://www.w3.org/2018/credentials/v1",
                "https://www.w3.org/2018/credentials/examples/v1",
            ],
            "id": "urn:uuid:5f7e2c9a-0000-4000-8000-000000000011",
            "type": ["VerifiableCredential", "UniversityDegreeCredential"],
            "issuer": issuer.did,
            "issuanceDate": "2026-01-15T09:00:00Z",
            "expirationDate": "2030-01-15T09:00:00Z",
            "credentialSubject": {
                "id": "did:example:ada",
                "degree": {"type": "BachelorDegree", "name": "Bachelor of Science"},
            },
        }
    )
    report = await bus.handle(VerifyCredential(credential=credential))
    assert report.verified, report.failures()
    checks = report.credentials[0].result.checks
    assert outcomes(checks, "validity_period") == [Outcome.PASSED]


async def test_jcs_and_plain_credentials_verify(bus: MessageBus, issuer: TestIssuer) -> None:
    credential = issuer.credential(suite=Suite.EDDSA_JCS_2022, open_badge=False)
    report = await bus.handle(VerifyCredential(credential=credential))
    assert report.verified, report.failures()
    assert outcomes(report.credentials[0].result.checks, "schema") == [Outcome.SKIPPED]


async def test_every_proof_of_a_proof_set_is_checked(bus: MessageBus, issuer: TestIssuer) -> None:
    credential = issuer.sign(issuer.credential(), suite=Suite.EDDSA_JCS_2022)
    report = await bus.handle(VerifyCredential(credential=credential))
    assert report.verified, report.failures()
    assert outcomes(report.credentials[0].result.checks, "proof") == [Outcome.PASSED] * 2

    credential["proof"][1]["proofValue"] = credential["proof"][0]["proofValue"]
    broken = await bus.handle(VerifyCredential(credential=credential))
    assert not broken.verified
    assert outcomes(broken.credentials[0].result.checks, "proof") == [
        Outcome.PASSED,
        Outcome.FAILED,
    ]
