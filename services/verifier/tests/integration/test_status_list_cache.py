"""Status lists over HTTP (a real local issuer site): the verified list is remembered along with
the fetched document, a re-signed list is read once the HTTP cache lets go of the old one, and
with CACHE_MAX_TTL_SECONDS=0 nothing is remembered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from skillpass.verifier.testing import FIXED_NOW, TestIssuer
from skillpass.verifier.testing.list_proofs import ListProofs
from skillpass.verifier.testing.site import IssuerSite, local_settings, publish, running_app

BOTH = ("revocation", "suspension")


async def verify(client: httpx.AsyncClient, credential: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def outcomes(body: Mapping[str, Any]) -> dict[str, str]:
    return {r["check"]: r["outcome"] for r in body["results"]}


async def test_second_verification_checks_no_list_proof_again(
    web_issuer: TestIssuer, site: IssuerSite
) -> None:
    proofs = ListProofs()
    credential = web_issuer.credential(status=BOTH, open_badge=False)
    async with running_app(local_settings(), clock=lambda: FIXED_NOW, verify_list=proofs) as (
        client,
        _,
    ):
        first = await verify(client, credential)
        second = await verify(client, credential)
    assert first["verified"] is True, first["errors"]
    assert sorted(proofs.checked) == sorted(web_issuer.list_url(p) for p in BOTH)
    drop = {"verificationId"}
    assert {k: v for k, v in first.items() if k not in drop} == {
        k: v for k, v in second.items() if k not in drop
    }
    assert sum(site.hits.values()) == 3  # the DID document and two lists, once each


async def test_a_re_signed_list_is_read_once_the_http_cache_expires(
    web_issuer: TestIssuer, site: IssuerSite
) -> None:
    proofs, timer = ListProofs(), [0.0]
    site.max_age = 60
    credential = web_issuer.credential(status=BOTH, open_badge=False, index=3)
    async with running_app(
        local_settings(),
        clock=lambda: FIXED_NOW,
        timer=lambda: timer[0],
        verify_list=proofs,
    ) as (client, _):
        assert outcomes(await verify(client, credential))["status.revocation"] == "passed"
        web_issuer.revoked.add(3)
        publish(site, web_issuer)  # both lists re-signed; only the revocation list changed
        timer[0] = 30.0
        assert outcomes(await verify(client, credential))["status.revocation"] == "passed"
        timer[0] = 61.0
        after = await verify(client, credential)
    assert outcomes(after)["status.revocation"] == "failed"
    assert after["errors"] == ["status.revocation: revoked"]
    assert proofs.checked[2:] == [web_issuer.list_url("revocation")]


async def test_ttl_zero_remembers_no_list(web_issuer: TestIssuer, site: IssuerSite) -> None:
    proofs = ListProofs()
    credential = web_issuer.credential(status=BOTH, open_badge=False)
    settings = local_settings(cache_max_ttl_seconds=0)
    async with running_app(settings, clock=lambda: FIXED_NOW, verify_list=proofs) as (client, _):
        for _ in range(2):
            assert (await verify(client, credential))["verified"] is True
    assert len(proofs.checked) == 4
    assert site.hits[web_issuer.path] == 2
