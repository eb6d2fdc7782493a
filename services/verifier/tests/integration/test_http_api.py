"""The HTTP API end to end: VC-API verification against documents served by a real local HTTP
server, the stored report and who may read it, trust registry management, bad requests."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from skillpass.platform.auth import DevTokenSigner, Role
from skillpass.verifier.bootstrap import Verifier
from skillpass.verifier.testing import TestHolder, TestIssuer
from skillpass.verifier.testing.site import IssuerSite, bearer, local_settings, publish, running_app

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["code"] == code
    return body


def did_segment(did: str) -> str:
    return quote(did, safe=":")  # '%' in a did:web (an encoded port) travels as '%25'


async def test_good_credential_verifies_over_http(
    client: httpx.AsyncClient, web_issuer: TestIssuer, site: IssuerSite
) -> None:
    response = await client.post(
        "/credentials/verify", json={"verifiableCredential": web_issuer.credential()}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True, body["errors"]
    assert body["errors"] == []
    assert body["problemDetails"] == []
    assert {"proof", "status.revocation", "validity_period"} <= set(body["checks"])
    assert "trust" not in body["checks"]  # skipped: the issuer is not registered (a warning)
    assert any("not in any trusted registry" in w for w in body["warnings"])
    outcomes = {r["check"]: r["outcome"] for r in body["results"]}
    assert outcomes["proof"] == "passed"
    assert outcomes["trust"] == "skipped"
    assert site.hits[web_issuer.path] == 1


async def test_revoked_credential_is_not_verified_and_says_why(
    client: httpx.AsyncClient, web_issuer: TestIssuer, site: IssuerSite
) -> None:
    credential = web_issuer.credential(index=99)
    web_issuer.revoked.add(99)
    publish(site, web_issuer)
    response = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    body = response.json()
    assert body["verified"] is False
    assert body["errors"] == ["status.revocation: revoked"]
    [detail] = body["problemDetails"]
    assert detail["title"] == "status.revocation"


async def test_unreachable_status_list_is_an_error_over_http(
    client: httpx.AsyncClient, web_issuer: TestIssuer, site: IssuerSite
) -> None:
    del site.documents[urlsplit(web_issuer.list_url("revocation")).path]
    response = await client.post(
        "/credentials/verify", json={"verifiableCredential": web_issuer.credential()}
    )
    body = response.json()
    assert body["verified"] is False
    status = next(r for r in body["results"] if r["check"] == "status.revocation")
    assert status["outcome"] == "error"
    assert any("HTTP 404" in w for w in body["warnings"])


async def test_private_addresses_are_refused_without_an_allow_list(
    signer: DevTokenSigner, web_issuer: TestIssuer, site: IssuerSite
) -> None:
    strict = local_settings(fetch_allowed_hosts=frozenset())
    async with running_app(strict, tokens=signer.verifier()) as (client, _):
        response = await client.post(
            "/credentials/verify", json={"verifiableCredential": web_issuer.credential()}
        )
    body = response.json()
    assert body["verified"] is False
    assert any("non-public address" in w for w in body["warnings"])
    assert sum(site.hits.values()) == 0  # refused before connecting


async def test_verification_report_is_stored_and_readable_by_its_id(
    client: httpx.AsyncClient, web_issuer: TestIssuer
) -> None:
    verified = await client.post(
        "/credentials/verify", json={"verifiableCredential": web_issuer.credential()}
    )
    verification_id = verified.json()["verificationId"]
    response = await client.get(f"/verifications/{verification_id}")
    assert response.status_code == 200
    stored = response.json()
    assert stored["id"] == verification_id
    assert stored["kind"] == "credential"
    assert stored["verified"] is True
    assert stored["credentialResults"][0]["issuer"] == web_issuer.did
    problem(await client.get("/verifications/no-such-id"), 404, "not-found")


async def test_another_tenants_verification_log_is_refused(
    client: httpx.AsyncClient, web_issuer: TestIssuer, signer: DevTokenSigner
) -> None:
    acme = bearer(signer, "hr@acme", Role.VERIFIER, tenant="acme")
    verified = await client.post(
        "/credentials/verify",
        json={"verifiableCredential": web_issuer.credential()},
        headers=acme,
    )
    url = f"/verifications/{verified.json()['verificationId']}"
    colleague = bearer(signer, "boss@acme", Role.ISSUER_ADMIN, tenant="acme")
    rival = bearer(signer, "hr@rival", Role.VERIFIER, tenant="rival")
    admin = bearer(signer, "ops", Role.PLATFORM_ADMIN)
    assert (await client.get(url, headers=acme)).status_code == 200
    assert (await client.get(url, headers=colleague)).status_code == 200
    assert (await client.get(url, headers=admin)).status_code == 200
    problem(await client.get(url, headers=rival), 403, "forbidden")
    problem(await client.get(url), 401, "unauthenticated")


async def test_presentation_verifies_over_http(
    client: httpx.AsyncClient, web_issuer: TestIssuer
) -> None:
    holder = TestHolder.named("ada")
    vp = holder.present([web_issuer.credential(subject=holder.did)], challenge="nonce-1")
    response = await client.post(
        "/presentations/verify",
        json={"verifiablePresentation": vp, "options": {"challenge": "nonce-1"}},
    )
    body = response.json()
    assert body["verified"] is True, body["errors"]
    assert {"proof", "holder_binding", "challenge"} <= set(body["checks"])
    assert body["presentationResult"]["verified"] is True
    assert body["credentialResults"][0]["verified"] is True
    stored = (await client.get(f"/verifications/{body['verificationId']}")).json()
    assert stored["kind"] == "presentation"


async def test_presentation_without_challenge_is_not_verified_over_http(
    client: httpx.AsyncClient, web_issuer: TestIssuer
) -> None:
    holder = TestHolder.named("ada")
    vp = holder.present([web_issuer.credential(subject=holder.did)])
    body = (await client.post("/presentations/verify", json={"verifiablePresentation": vp})).json()
    assert body["verified"] is False
    assert any(e.startswith("challenge:") for e in body["errors"])


async def test_malformed_requests_are_problems_not_crashes(client: httpx.AsyncClient) -> None:
    problem(
        await client.post(
            "/credentials/verify",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ),
        400,
        "invalid-json",
    )
    problem(
        await client.post(
            "/credentials/verify", content=b"x", headers={"content-type": "text/plain"}
        ),
        415,
        "unsupported-media-type",
    )
    problem(await client.post("/credentials/verify", json=[]), 422, "invalid-request")
    problem(await client.post("/credentials/verify", json={}), 422, "invalid-request")
    problem(
        await client.post(
            "/credentials/verify", json={"verifiableCredential": "eyJ...", "options": {}}
        ),
        422,
        "invalid-request",
    )
    problem(
        await client.post(
            "/credentials/verify",
            json={"verifiableCredential": {}, "options": {"checks": ["telepathy"]}},
        ),
        422,
        "unknown-check",
    )
    problem(
        await client.post(
            "/presentations/verify",
            json={"verifiablePresentation": {}, "options": {"challenge": 5}},
        ),
        422,
        "invalid-request",
    )
    problem(
        await client.post(
            "/credentials/verify",
            json={"verifiableCredential": {}},
            headers={"authorization": "Bearer nope"},
        ),
        401,
        "unauthenticated",
    )


async def test_nonsense_credential_is_a_report_not_an_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/credentials/verify",
        json={"verifiableCredential": {"proof": 5, "credentialStatus": "x", "@context": 7}},
    )
    assert response.status_code == 200
    assert response.json()["verified"] is False


async def test_verification_is_rate_limited_per_caller(
    signer: DevTokenSigner, web_issuer: TestIssuer
) -> None:
    tight = local_settings(rate_limit_per_minute=1, rate_limit_burst=2)
    async with running_app(tight, tokens=signer.verifier()) as (client, _):
        body = {"verifiableCredential": web_issuer.credential()}
        statuses = [
            (await client.post("/credentials/verify", json=body)).status_code for _ in range(3)
        ]
        limited = await client.post("/credentials/verify", json=body)
        other = await client.post(
            "/credentials/verify", json=body, headers=bearer(signer, "hr@acme", Role.VERIFIER)
        )
    assert statuses == [200, 200, 429]
    problem(limited, 429, "rate-limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert other.status_code == 200


async def test_trust_registry_is_managed_by_the_right_people(
    client: httpx.AsyncClient, web_issuer: TestIssuer, signer: DevTokenSigner
) -> None:
    entry = {"name": "Example University", "accreditationBody": "Ministry of Education"}
    did = did_segment(web_issuer.did)
    admin = bearer(signer, "ops", Role.PLATFORM_ADMIN)
    acme_admin = bearer(signer, "boss@acme", Role.ISSUER_ADMIN, tenant="acme")
    acme_verifier = bearer(signer, "hr@acme", Role.VERIFIER, tenant="acme")
    rival = bearer(signer, "hr@rival", Role.VERIFIER, tenant="rival")
    learner = bearer(signer, "ada", Role.LEARNER)

    problem(
        await client.put(f"/trust/registries/global/issuers/{did}", json=entry),
        401,
        "unauthenticated",
    )
    for who in (acme_admin, learner):
        problem(
            await client.put(f"/trust/registries/global/issuers/{did}", json=entry, headers=who),
            403,
            "forbidden",
        )
    problem(
        await client.put(f"/trust/registries/acme/issuers/{did}", json=entry, headers=rival),
        403,
        "forbidden",
    )
    stored = await client.put(
        f"/trust/registries/acme/issuers/{did}", json=entry, headers=acme_verifier
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["did"] == web_issuer.did
    assert stored.json()["accreditationBody"] == "Ministry of Education"
    problem(await client.get("/trust/registries/acme/issuers", headers=rival), 403, "forbidden")
    listed = (await client.get("/trust/registries/acme/issuers", headers=acme_admin)).json()
    assert [i["did"] for i in listed["issuers"]] == [web_issuer.did]

    credential = {
        "verifiableCredential": web_issuer.credential(),
        "options": {"requireRegisteredIssuer": True},
    }
    mine = (await client.post("/credentials/verify", json=credential, headers=acme_verifier)).json()
    theirs = (await client.post("/credentials/verify", json=credential, headers=rival)).json()
    anonymous = (await client.post("/credentials/verify", json=credential)).json()
    assert mine["verified"] is True
    assert theirs["verified"] is False
    assert anonymous["verified"] is False

    assert (
        await client.put(f"/trust/registries/global/issuers/{did}", json=entry, headers=admin)
    ).status_code == 200
    anonymous = (await client.post("/credentials/verify", json=credential)).json()
    assert anonymous["verified"] is True

    removed = await client.delete(f"/trust/registries/acme/issuers/{did}", headers=acme_admin)
    assert removed.status_code == 204
    problem(
        await client.delete(f"/trust/registries/acme/issuers/{did}", headers=acme_admin),
        404,
        "not-found",
    )


async def test_bad_registry_entries_are_refused(
    client: httpx.AsyncClient, signer: DevTokenSigner
) -> None:
    admin = bearer(signer, "ops", Role.PLATFORM_ADMIN)
    url = "/trust/registries/global/issuers/did:web:uni.example"
    problem(await client.put(url, json={"name": ""}, headers=admin), 422, "invalid-request")
    problem(
        await client.put(url, json={"name": "x", "surprise": 1}, headers=admin),
        422,
        "invalid-request",
    )
    problem(
        await client.put(
            url,
            json={
                "name": "x",
                "validFrom": "2027-01-01T00:00:00Z",
                "validUntil": "2026-01-01T00:00:00Z",
            },
            headers=admin,
        ),
        422,
        "invalid-request",
    )
    problem(
        await client.put(
            "/trust/registries/global/issuers/not-a-did", json={"name": "x"}, headers=admin
        ),
        422,
        "invalid-did",
    )
    problem(
        await client.put(
            f"/trust/registries/{'x' * 80}/issuers/did:web:a", json={"name": "x"}, headers=admin
        ),
        422,
        "invalid-request",
    )


async def test_dcc_registry_import_syncs_entries(
    client: httpx.AsyncClient, signer: DevTokenSigner
) -> None:
    admin = bearer(signer, "ops", Role.PLATFORM_ADMIN)
    registry = {
        "meta": {"created": "2020-12-02T02:32:16+0000"},
        "entries": {
            "did:web:keys.jff.org:plugfest1": {"name": "JFF Plugfest 1", "url": "https://jff.org"},
            "did:key:z6Mktpn6cXks1PBKLMgZH2VaahvCtBMF6K8eCa7HzrnuYLZv": {"name": "Example U"},
        },
    }
    url = "/trust/registries/global/import?name=DCC%20Sandbox"
    first = await client.post(url, json=registry, headers=admin)
    assert first.status_code == 200, first.text
    assert len(first.json()["issuers"]) == 2
    del registry["entries"]["did:web:keys.jff.org:plugfest1"]  # type: ignore[attr-defined]
    second = (await client.post(url, json=registry, headers=admin)).json()
    assert [i["name"] for i in second["issuers"]] == ["Example U"]
    assert second["issuers"][0]["registry"] == "DCC Sandbox"
    problem(await client.post(url, json={"entries": []}, headers=admin), 422, "invalid-registry")
    problem(
        await client.post("/trust/registries/global/import", json=registry, headers=admin),
        422,
        "invalid-request",
    )
    public = (await client.get("/trust/registries/global/issuers")).json()
    assert len(public["issuers"]) == 1


async def test_openapi_describes_every_route(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    assert {
        "/credentials/verify",
        "/presentations/verify",
        "/verifications/{verification_id}",
    } <= spec["paths"].keys()


async def test_health_and_readiness(app: tuple[httpx.AsyncClient, Verifier]) -> None:
    client, _ = app
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).json()["status"] == "ready"
