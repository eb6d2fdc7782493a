"""The HTTP adapters against scripted servers (httpx.MockTransport: no sockets, no patching)."""

from __future__ import annotations

import json

import httpx
import pytest

from skillpass.wallet.adapters.pathway_catalogue import HttpPathwayCatalogue
from skillpass.wallet.adapters.verifiers import HttpVerifier
from skillpass.wallet.domain.pathways import Rule
from skillpass.wallet.domain.verification import VerificationReport
from skillpass.wallet.settings import WalletSettings


async def test_the_verifier_service_report_is_read() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/credentials/verify"
        seen.append(json.loads(request.content))
        return httpx.Response(
            200,
            json={
                "verified": False,
                "verificationId": "v-1",
                "checks": ["proof", "status.revocation"],
                "warnings": [],
                "errors": ["status.revocation: revoked"],
                "results": [
                    {"check": "proof", "outcome": "passed", "reason": "ok"},
                    {"check": "status.revocation", "outcome": "failed", "reason": "revoked"},
                ],
            },
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        report = await HttpVerifier(client, base_url="http://verifier").verify({"id": "urn:x"})
    assert seen == [{"verifiableCredential": {"id": "urn:x"}, "options": {}}]
    assert not report.verified
    assert [(c.check, c.outcome) for c in report.checks] == [
        ("proof", "passed"),
        ("status.revocation", "failed"),
    ]


def test_plain_vc_api_check_names_are_read_with_the_errors() -> None:
    report = VerificationReport.from_json(
        {"checks": ["proof", "expiration"], "errors": ["expiration: expired"]}
    )
    assert not report.verified
    assert [(c.check, c.outcome) for c in report.checks] == [
        ("proof", "passed"),
        ("expiration", "failed"),
    ]


@pytest.mark.parametrize("status", [500, 503])
async def test_an_unavailable_verifier_is_a_report_not_an_exception(status: int) -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda _r: httpx.Response(status))
    ) as client:
        report = await HttpVerifier(client, base_url="http://verifier").verify({})
    assert not report.verified
    assert report.checks[0].outcome == "error"


async def test_an_unreachable_verifier_is_a_report_not_an_exception() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        report = await HttpVerifier(client, base_url="http://verifier").verify({})
    assert not report.verified


async def test_the_pathway_catalogue_skips_what_it_cannot_read() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/tenants/t1/pathways":
            return httpx.Response(
                200,
                json={
                    "items": [
                        {
                            "id": "p1",
                            "tenantId": "t1",
                            "name": "Data",
                            "targetAchievementId": "cert",
                            "rule": {"kind": "nOf", "components": ["a", "b", "c"], "n": 2},
                            "acceptedIssuers": [],
                        },
                        {"name": "no id"},
                    ]
                },
            )
        return httpx.Response(503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        found = await HttpPathwayCatalogue(client, base_url="http://issuer").pathways(["t1", "t2"])
    assert [(p.id, p.rule, p.required_count) for p in found] == [("p1", Rule.N_OF, 2)]


async def test_pathway_components_carry_their_names_and_credits_from_the_catalogue() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/tenants/t1/pathways":
            pathway = {
                "id": "p1",
                "name": "Data",
                "rule": {"kind": "credits", "components": ["a", "b"], "credits": 10},
            }
            return httpx.Response(200, json={"items": [pathway]})
        if request.url.path == "/tenants/t1/achievements":
            achievement = {"name": "SQL", "creditsAvailable": 5}
            return httpx.Response(200, json={"items": [{"id": "a", "achievement": achievement}]})
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        (found,) = await HttpPathwayCatalogue(client, base_url="http://issuer").pathways(["t1"])
    named, unnamed = found.components
    assert (named.achievement_id, named.name, named.credits) == ("a", "SQL", 5.0)
    assert (unnamed.achievement_id, unnamed.name) == ("b", "")


def test_the_kek_must_be_32_bytes_of_base64() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        WalletSettings(kek="c2hvcnQ=")
    assert WalletSettings(kek="A" * 43 + "=").kek_bytes() == bytes(32)
    assert "AAAA" not in repr(WalletSettings(kek="A" * 43 + "="))
