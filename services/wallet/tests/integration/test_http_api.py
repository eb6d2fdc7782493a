"""The HTTP API end to end in embedded mode: issuer events through the in-memory bus and the
wallet's consumer, the learner's API, authorization, problems for bad input, share links."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlparse

from skillpass.platform.auth import Role
from skillpass.platform.bus.memory import MemoryEventBus
from skillpass.platform.events import CREDENTIALS_TOPIC
from skillpass.wallet.domain.uploads import bake_png
from skillpass.wallet.testing import PIXEL_PNG, TestIssuer, issued_payload, record, status_payload

from .conftest import Wallet, problem

ADA_EMAIL = {"type": "emailAddress", "value": "ada@example.org"}


async def register_ada(wallet: Wallet, *, auto_accept: bool = False) -> Mapping[str, Any]:
    response = await wallet.http.post(
        "/learners", json={"auto_accept": auto_accept}, headers=wallet.learner("ada")
    )
    assert response.status_code == 201, response.text
    added = await wallet.http.post(
        "/learners/ada/identifiers", json=ADA_EMAIL, headers=wallet.admin()
    )
    assert added.status_code == 200, added.text
    body: Mapping[str, Any] = added.json()
    return body


async def publish(wallet: Wallet, payload: Any, event_id: str | None = None) -> None:
    await MemoryEventBus(wallet.broker).publish(
        record(payload, topic=CREDENTIALS_TOPIC, event_id=event_id)
    )


async def eventually(check: Any, *, within: float = 3.0) -> Any:
    """Poll `check` until it returns something truthy (the consumer runs in the background)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.02)


async def offers(wallet: Wallet) -> list[Mapping[str, Any]]:
    response = await wallet.http.get("/learners/ada/offers", headers=wallet.learner("ada"))
    assert response.status_code == 200
    items: list[Mapping[str, Any]] = response.json()["items"]
    return items


async def holding_via_events(
    wallet: Wallet, issuer: TestIssuer, **credential: Any
) -> Mapping[str, Any]:
    document = issuer.credential(recipient=_email(), **credential)
    await publish(wallet, issued_payload(document, tenant_id=issuer.tenant_id))

    async def offered() -> Mapping[str, Any] | None:
        return next((o for o in await offers(wallet) if o["credential_id"] == document["id"]), None)

    offer = await eventually(offered)
    assert offer is not None
    accepted = await wallet.http.post(
        f"/learners/ada/offers/{offer['id']}/accept", headers=wallet.learner("ada")
    )
    assert accepted.status_code == 200, accepted.text
    body: Mapping[str, Any] = accepted.json()
    return body


def _email() -> Any:
    from skillpass.wallet.testing import email

    return email("ada@example.org")


async def test_issued_event_offer_acceptance_and_revocation_through_the_api(
    wallet: Wallet, issuer: TestIssuer
) -> None:
    await register_ada(wallet)
    holding = await holding_via_events(wallet, issuer)
    assert holding["offer"] == "accepted"
    assert holding["status"] == "active"

    await publish(
        wallet,
        status_payload(
            holding["credential_id"], status="revoked", reason="plagiarism", at=wallet.clock()
        ),
    )

    async def revoked() -> bool:
        response = await wallet.http.get(
            f"/learners/ada/holdings/{holding['id']}", headers=wallet.learner("ada")
        )
        return bool(response.json()["status"] == "revoked")

    assert await eventually(revoked)
    detail = (
        await wallet.http.get(
            f"/learners/ada/holdings/{holding['id']}", headers=wallet.learner("ada")
        )
    ).json()
    assert detail["status_reason"] == "plagiarism"
    assert detail["credential"]["id"] == holding["credential_id"]
    counts = (
        await wallet.http.get("/learners/ada/holdings/counts", headers=wallet.learner("ada"))
    ).json()
    assert counts == {"active": 0, "suspended": 0, "revoked": 1, "offers": 0}
    assert [r.topic for r in wallet.broker.records("wallet.holdings.v1")] == await eventually(
        lambda: _records(wallet, 1)
    )


async def _records(wallet: Wallet, n: int) -> list[str] | None:
    records = wallet.broker.records("wallet.holdings.v1")
    return [r.topic for r in records] if len(records) >= n else None


async def test_a_redelivered_event_changes_nothing(wallet: Wallet, issuer: TestIssuer) -> None:
    await register_ada(wallet, auto_accept=True)
    document = issuer.credential(recipient=_email())
    payload = issued_payload(document, tenant_id=issuer.tenant_id)
    await publish(wallet, payload, event_id="evt-1")

    async def listed() -> list[Any]:
        response = await wallet.http.get("/learners/ada/holdings", headers=wallet.learner("ada"))
        items: list[Any] = response.json()["items"]
        return items

    [first] = await eventually(listed)
    await publish(wallet, payload, event_id="evt-1")
    await asyncio.sleep(0.2)
    assert await listed() == [first]
    assert len(await eventually(lambda: _records(wallet, 1))) == 1


async def test_learners_see_only_their_own_wallet_and_tenants_only_what_they_issued(
    wallet: Wallet, issuer: TestIssuer
) -> None:
    await register_ada(wallet)
    holding = await holding_via_events(wallet, issuer)
    url = f"/learners/ada/holdings/{holding['id']}"
    problem(await wallet.http.get(url, headers=wallet.learner("eve")), 403, "forbidden")
    problem(await wallet.http.get("/learners/ada/holdings"), 401, "unauthenticated")
    own = wallet.token("svc", Role.SERVICE, tenant=issuer.tenant_id)
    assert (await wallet.http.get(url, headers=own)).status_code == 200
    listed = (await wallet.http.get("/learners/ada/holdings", headers=own)).json()
    assert [h["id"] for h in listed["items"]] == [holding["id"]]
    other = wallet.token("svc", Role.SERVICE, tenant="someone-else")
    problem(await wallet.http.get(url, headers=other), 404, "holding-not-found")
    assert (await wallet.http.get("/learners/ada/holdings", headers=other)).json()["items"] == []
    # a service account reads; it never changes a wallet
    problem(
        await wallet.http.post(
            "/learners/ada/share-links", json={"holding_ids": [holding["id"]]}, headers=own
        ),
        403,
    )
    # a learner cannot assert their own identifiers
    problem(
        await wallet.http.post(
            "/learners/ada/identifiers",
            json={"type": "emailAddress", "value": "ceo@example.org"},
            headers=wallet.learner("ada"),
        ),
        403,
    )


async def test_filters_and_cursor_pagination_through_the_api(
    wallet: Wallet, issuer: TestIssuer
) -> None:
    await register_ada(wallet, auto_accept=True)
    for n in range(5):
        document = issuer.credential(
            recipient=_email(),
            name=f"Course {n}",
            skills=("Python",) if n % 2 else ("SQL",),
            achievement_type="Badge" if n == 4 else "Certificate",
        )
        await publish(wallet, issued_payload(document, tenant_id=issuer.tenant_id))

        async def arrived(count: int = n + 1) -> bool:
            body = (
                await wallet.http.get("/learners/ada/holdings", headers=wallet.learner("ada"))
            ).json()
            return len(body["items"]) == count

        assert await eventually(arrived)  # one at a time: each gets its own received_at
        wallet.clock.advance()
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = (
            await wallet.http.get(
                "/learners/ada/holdings", params=params, headers=wallet.learner("ada")
            )
        ).json()
        seen.extend(h["name"] for h in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Course {n}" for n in (4, 3, 2, 1, 0)]

    async def names(**params: str) -> list[str]:
        response = await wallet.http.get(
            "/learners/ada/holdings", params=params, headers=wallet.learner("ada")
        )
        assert response.status_code == 200, response.text
        return [h["name"] for h in response.json()["items"]]

    assert await names(skill="python") == ["Course 3", "Course 1"]
    assert await names(achievement_type="Badge") == ["Course 4"]
    assert await names(q="course 2") == ["Course 2"]
    assert await names(status="revoked") == []
    assert await names(issuer=issuer.did, skill="SQL") == ["Course 4", "Course 2", "Course 0"]
    headers = wallet.learner("ada")
    for bad in (
        {"limit": "²"},
        {"cursor": "nope"},
        {"status": "lost"},
        {"limit": "0"},
        {"issued_from": "yesterday"},
    ):
        problem(await wallet.http.get("/learners/ada/holdings", params=bad, headers=headers), 400)


async def test_malformed_input_is_a_problem_and_writes_nothing(wallet: Wallet) -> None:
    headers = wallet.learner("ada")
    problem(
        await wallet.http.post(
            "/learners",
            content=b"{not json",
            headers={**headers, "content-type": "application/json"},
        ),
        400,
        "invalid-json",
    )
    problem(
        await wallet.http.post(
            "/learners", content=b"x", headers={**headers, "content-type": "text/plain"}
        ),
        415,
    )
    problem(await wallet.http.post("/learners", json=[], headers=headers), 400, "invalid-body")
    problem(
        await wallet.http.post("/learners", json={"identifiers": 5}, headers=wallet.admin()),
        400,
        "invalid-body",
    )
    problem(
        await wallet.http.post("/learners", json={"auto_accept": "yes"}, headers=headers),
        400,
        "invalid-body",
    )
    problem(await wallet.http.get("/learners/ada", headers=headers), 404, "learner-not-found")
    await register_ada(wallet)
    problem(
        await wallet.http.post(
            "/learners/ada/identifiers",
            json={"type": "emailAddress", "value": "nope"},
            headers=wallet.admin(),
        ),
        400,
        "invalid-identifier",
    )
    problem(
        await wallet.http.post(
            "/learners/ada/share-links", json={"holding_ids": ["h_missing"]}, headers=headers
        ),
        404,
        "holding-not-found",
    )
    problem(
        await wallet.http.post(
            "/learners/ada/share-links",
            json={"holding_ids": ["h_1"], "expires_in_seconds": -5},
            headers=headers,
        ),
        400,
        "invalid-share",
    )
    problem(
        await wallet.http.post(
            "/learners/ada/presentations", json={"challenge": 5}, headers=headers
        ),
        400,
        "invalid-presentation",
    )
    assert (await wallet.http.get("/learners/ada/share-links", headers=headers)).json() == {
        "items": []
    }


async def test_import_verifies_first_json_and_baked_png(wallet: Wallet, issuer: TestIssuer) -> None:
    await register_ada(wallet)
    headers = wallet.learner("ada")
    credential = issuer.credential(recipient=_email())
    tampered = {**credential, "validUntil": "2099-01-01T00:00:00Z"}
    refused = problem(
        await wallet.http.post("/learners/ada/holdings/import", json=tampered, headers=headers),
        422,
        "credential-not-verified",
    )
    assert refused["report"]["verified"] is False
    assert any(
        c["check"] == "proof" and c["outcome"] == "failed" for c in refused["report"]["checks"]
    )
    assert (await wallet.http.get("/learners/ada/holdings", headers=headers)).json()["items"] == []

    imported = await wallet.http.post(
        "/learners/ada/holdings/import", json={"verifiableCredential": credential}, headers=headers
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["origin"] == "imported"
    assert imported.json()["verification"]["verified"] is True

    baked = bake_png(PIXEL_PNG, issuer.credential(recipient=_email()))
    from_png = await wallet.http.post(
        "/learners/ada/holdings/import",
        content=baked,
        headers={**headers, "content-type": "image/png"},
    )
    assert from_png.status_code == 201, from_png.text
    problem(
        await wallet.http.post(
            "/learners/ada/holdings/import",
            content=PIXEL_PNG,
            headers={**headers, "content-type": "image/png"},
        ),
        422,
        "no-baked-credential",
    )


async def test_share_link_serves_json_vc_and_html_and_dies_on_revoke(
    wallet: Wallet, issuer: TestIssuer
) -> None:
    await register_ada(wallet)
    holding = await holding_via_events(wallet, issuer, name="Data Analysis Fundamentals")
    headers = wallet.learner("ada")
    created = await wallet.http.post(
        "/learners/ada/share-links",
        json={"holding_ids": [holding["id"]], "expires_in_seconds": 3600, "label": "CV"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["state"] == "live"
    path = urlparse(link["url"]).path

    as_json = await wallet.http.get(path, headers={"Accept": "application/json"})
    assert as_json.status_code == 200
    assert as_json.json()["id"] == holding["credential_id"]
    assert as_json.headers["cache-control"] == "no-store"
    as_vc = await wallet.http.get(path, headers={"Accept": "application/vc"})
    assert as_vc.headers["content-type"].startswith("application/vc")
    assert json.loads(as_vc.content)["proof"]

    page = await wallet.http.get(
        path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    assert "Data Analysis Fundamentals" in html
    assert "✓ Verified" in html
    linkedin = next(
        part.split('"')[0]
        for part in html.split('href="')
        if part.startswith("https://www.linkedin.com")
    )
    query = parse_qs(urlparse(linkedin.replace("&amp;", "&")).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == ["Data Analysis Fundamentals"]
    assert query["organizationName"] == [issuer.name]
    assert query["issueYear"] == ["2026"]
    assert query["certUrl"] == [link["url"]]
    assert query["certId"] == [holding["credential_id"]]

    listed = (await wallet.http.get("/learners/ada/share-links", headers=headers)).json()["items"]
    assert listed[0]["views"] == 3

    revoked = await wallet.http.delete(f"/learners/ada/share-links/{link['id']}", headers=headers)
    assert revoked.json()["state"] == "revoked"
    problem(
        await wallet.http.get(path, headers={"Accept": "application/json"}),
        410,
        "share-link-revoked",
    )
    problem(await wallet.http.get(path, headers={"Accept": "text/html"}), 410)
    problem(await wallet.http.get("/s/not-a-token"), 404, "share-link-not-found")
    problem(
        await wallet.http.delete(
            f"/learners/eve/share-links/{link['id']}", headers=wallet.learner("eve")
        ),
        404,
    )


async def test_presentation_and_export_through_the_api(wallet: Wallet, issuer: TestIssuer) -> None:
    await register_ada(wallet)
    holding = await holding_via_events(wallet, issuer)
    headers = wallet.learner("ada")
    exported = await wallet.http.get(
        f"/learners/ada/holdings/{holding['id']}/export", headers=headers
    )
    assert exported.json()["id"] == holding["credential_id"]
    assert "attachment" in exported.headers["content-disposition"]
    vp = await wallet.http.post(
        "/learners/ada/presentations",
        json={"challenge": "c-1", "domain": "jobs.example"},
        headers=headers,
    )
    assert vp.status_code == 201, vp.text
    body = vp.json()
    assert body["type"] == ["VerifiablePresentation"]
    assert body["proof"][0]["challenge"] == "c-1"
    assert body["proof"][0]["domain"] == "jobs.example"
    assert len(body["verifiableCredential"]) == 1


async def test_openapi_document_is_served(wallet: Wallet) -> None:
    document = (await wallet.http.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert "/s/{token}" in document["paths"]
    assert "/learners/{learner_id}/holdings" in document["paths"]


async def test_readiness_does_not_depend_on_the_broker(wallet: Wallet) -> None:
    response = await wallet.http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {}  # embedded: no MongoDB; the broker is never probed
