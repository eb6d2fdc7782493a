"""The HTTP API end to end (embedded mode over ASGI)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from skillpass.issuer.testing import assert_verifies, problems, verify_with
from skillpass.platform.auth import Role
from skillpass.vc.samples import achievement_credential

from .conftest import BODY_CAP, Issuer, problem


def now() -> datetime:
    return datetime.now(UTC)


async def test_issue_serve_revoke_and_a_verifier_sees_it(issuer: Issuer) -> None:
    await issuer.tenant("uni")
    achievement = await issuer.achievement("uni")
    response = await issuer.issue(
        "uni", achievement, results=[{"resultDescription": "grade", "value": "A"}]
    )
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert_verifies(verify_with(await issuer.published(vc), vc, now()))

    list_path = vc["credentialStatus"][0]["statusListCredential"].removeprefix(
        "https://issuer.skillpass.test"
    )
    first = await issuer.http.get(list_path)
    assert first.headers["cache-control"].startswith("public, max-age=")
    etag = first.headers["etag"]
    not_modified = await issuer.http.get(list_path, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304

    revoked = await issuer.http.post(
        f"/tenants/uni/credentials/{vc['id']}/revoke",
        json={"reason": "plagiarism"},
        headers=issuer.admin("uni"),
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    changed = await issuer.http.get(list_path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    report = verify_with(await issuer.published(vc), vc, now())
    assert [p.split(":")[0] for p in problems(report)] == ["status.revocation"]


async def test_key_rotation_leaves_old_credentials_verifiable_via_the_served_did_document(
    issuer: Issuer,
) -> None:
    await issuer.tenant("uni")
    achievement = await issuer.achievement("uni")
    old = (await issuer.issue("uni", achievement)).json()["verifiableCredential"]
    rotated = await issuer.http.post("/tenants/uni/keys/rotate", headers=issuer.admin("uni"))
    assert [k["state"] for k in rotated.json()["keys"]] == ["retired", "active"]
    new = (await issuer.issue("uni", achievement)).json()["verifiableCredential"]
    assert old["proof"][0]["verificationMethod"] != new["proof"][0]["verificationMethod"]
    did_doc = (await issuer.http.get("/issuers/uni/did.json")).json()
    assert len(did_doc["assertionMethod"]) == 2
    for vc in (old, new):
        assert_verifies(verify_with(await issuer.published(vc), vc, now()))


async def test_idempotency_key_header_returns_the_same_credential(issuer: Issuer) -> None:
    await issuer.tenant("uni")
    achievement = await issuer.achievement("uni")
    first = await issuer.issue("uni", achievement, headers={"Idempotency-Key": "abc"})
    again = await issuer.issue("uni", achievement, headers={"Idempotency-Key": "abc"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.json()["verifiableCredential"] == first.json()["verifiableCredential"]
    other = await issuer.issue(
        "uni",
        achievement,
        headers={"Idempotency-Key": "abc"},
        evidence=[{"name": "x", "narrative": "y"}],
    )
    problem(other, 409, "idempotency-key-reused")
    assert await issuer.credentials_written() == 1


async def test_vc_api_issue_signs_a_supplied_credential(issuer: Issuer) -> None:
    tenant = await issuer.tenant("uni")
    credential = achievement_credential(1, issuer=tenant["did"])
    credential["type"] = ["VerifiableCredential", "AchievementCredential"]
    response = await issuer.http.post(
        "/credentials/issue",
        json={"credential": credential, "options": {"cryptosuite": "eddsa-jcs-2022"}},
        headers=issuer.admin("uni"),
    )
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert vc["proof"][0]["cryptosuite"] == "eddsa-jcs-2022"
    assert len(vc["credentialStatus"]) == 2
    assert_verifies(verify_with(await issuer.published(vc), vc, now()))

    status = await issuer.http.post(
        "/credentials/status",
        json={
            "credentialId": vc["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "suspended"}],
        },
        headers=issuer.admin("uni"),
    )
    assert status.json() == {"credentialId": vc["id"], "status": "suspended"}
    report = verify_with(await issuer.published(vc), vc, now())
    assert [p.split(":")[0] for p in problems(report)] == ["status.suspension"]


async def test_bad_input_gets_a_problem_with_a_code_and_writes_nothing(issuer: Issuer) -> None:
    tenant = await issuer.tenant("uni")
    achievement = await issuer.achievement("uni")
    admin = issuer.admin("uni")
    post = issuer.http.post

    malformed = await post(
        "/tenants/uni/credentials",
        content=b"{not json",
        headers={**admin, "content-type": "application/json"},
    )
    problem(malformed, 400, "invalid-json")
    problem(await issuer.issue("uni", "no-such-achievement"), 404, "unknown-achievement")
    problem(
        await post("/tenants/uni/credentials", json={"achievementId": achievement}, headers=admin),
        422,
        "missing-recipient",
    )
    problem(
        await issuer.issue(
            "uni", achievement, validFrom="2030-01-02T00:00:00Z", validUntil="2030-01-01T00:00:00Z"
        ),
        422,
        "dates-out-of-order",
    )
    problem(
        await issuer.issue("nobody", achievement, headers=issuer.admin("nobody")),
        404,
        "unknown-tenant",
    )
    problem(
        await post(
            "/tenants/uni/credentials",
            content=b"{" + b" " * BODY_CAP + b"}",
            headers={**admin, "content-type": "application/json"},
        ),
        413,
    )

    credential = achievement_credential(2, issuer=tenant["did"])
    credential["credentialSubject"]["favouriteColour"] = "blue"
    problem(
        await post("/credentials/issue", json={"credential": credential}, headers=admin),
        422,
        "undefined-terms",
    )
    credential = achievement_credential(3, issuer=tenant["did"])
    credential["validUntil"] = "2020-01-01T00:00:00Z"
    problem(
        await post("/credentials/issue", json={"credential": credential}, headers=admin),
        422,
        "dates-out-of-order",
    )
    credential = achievement_credential(4, issuer=tenant["did"])
    del credential["credentialSubject"]
    problem(
        await post("/credentials/issue", json={"credential": credential}, headers=admin),
        422,
        "missing-recipient",
    )
    credential = achievement_credential(5, issuer="did:web:elsewhere.example:issuers:uni")
    problem(
        await post("/credentials/issue", json={"credential": credential}, headers=admin),
        422,
        "issuer-mismatch",
    )

    assert await issuer.credentials_written() == 0


async def test_only_the_tenants_admins_may_act_on_it(issuer: Issuer) -> None:
    await issuer.tenant("uni")
    await issuer.tenant("other")
    achievement = await issuer.achievement("uni")
    problem(await issuer.http.post("/tenants/uni/keys/rotate"), 401, "unauthenticated")
    problem(
        await issuer.http.post(
            "/tenants/uni/keys/rotate", headers={"Authorization": "Bearer nope"}
        ),
        401,
    )
    problem(await issuer.issue("uni", achievement, headers=issuer.admin("other")), 403, "forbidden")
    learner = issuer.token("ada", Role.LEARNER, learner_id="ada")
    problem(await issuer.http.post("/tenants/uni/keys/rotate", headers=learner), 403, "forbidden")
    service = issuer.token("lms", Role.SERVICE, tenant="uni")
    assert (await issuer.issue("uni", achievement, headers=service)).status_code == 201
    problem(
        await issuer.http.post(
            "/tenants", json={"slug": "x", "profile": {"name": "X"}}, headers=issuer.admin("uni")
        ),
        403,
        "forbidden",
    )
    problem(
        await issuer.http.post(
            "/tenants",
            json={"slug": "uni", "profile": {"name": "X"}},
            headers=issuer.platform_admin(),
        ),
        409,
        "tenant-exists",
    )


async def test_profile_and_catalogue_are_public_to_read_not_to_write(issuer: Issuer) -> None:
    await issuer.tenant("uni")
    achievement = await issuer.achievement("uni")
    tenant = await issuer.http.get("/tenants/uni")
    assert tenant.status_code == 200
    assert tenant.json()["did"].endswith(":issuers:uni")
    listed = await issuer.http.get("/tenants/uni/achievements")
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()["items"]] == [achievement]
    assert (await issuer.http.get(f"/tenants/uni/achievements/{achievement}")).status_code == 200
    assert (await issuer.http.get("/tenants/uni/pathways")).json() == {"items": []}
    problem(await issuer.http.get("/tenants/other/achievements/" + achievement), 404)
    problem(
        await issuer.http.post("/tenants/uni/achievements", json={"name": "x"}),
        401,
        "unauthenticated",
    )


async def test_batch_job_reports_progress_rows_and_errors(issuer: Issuer) -> None:
    await issuer.tenant("uni")
    achievement = await issuer.achievement("uni")
    rows: list[dict[str, Any]] = [
        {"achievementId": achievement, "recipient": {"email": f"l{n}@example.org"}}
        for n in range(250)
    ]
    rows[7] = {"achievementId": achievement}
    rows[9] = {
        "achievementId": "nope",
        "recipient": {"did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"},
    }
    started = await issuer.http.post(
        "/tenants/uni/batch-jobs",
        json={"rows": rows, "suite": "eddsa-jcs-2022"},
        headers=issuer.admin("uni"),
    )
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    for _ in range(200):
        job = (await issuer.http.get(location, headers=issuer.admin("uni"))).json()
        if job["state"] == "completed":
            break
        await asyncio.sleep(0.05)
    assert (job["total"], job["processed"], job["succeeded"], job["failed"]) == (250, 250, 248, 2)
    assert [(e["row"], e["code"]) for e in job["errors"]] == [
        (7, "missing-recipient"),
        (9, "unknown-achievement"),
    ]
    results = (await issuer.http.get(f"{location}/results", headers=issuer.admin("uni"))).json()[
        "results"
    ]
    assert len({r["credentialId"] for r in results}) == 248


async def test_pathway_progress_is_the_skill_gap(issuer: Issuer) -> None:
    await issuer.tenant("uni")
    parts = [await issuer.achievement("uni", f"Part {n}") for n in range(2)]
    target = await issuer.achievement("uni", "Certificate")
    created = await issuer.http.post(
        "/tenants/uni/pathways",
        json={
            "name": "Cert",
            "targetAchievementId": target,
            "rule": {"kind": "allOf", "components": parts},
        },
        headers=issuer.admin("uni"),
    )
    assert created.status_code == 201, created.text
    pathway = created.json()["id"]
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    await issuer.issue("uni", parts[0], recipient={"did": did})
    progress_url = f"/pathways/{pathway}/progress"
    for _ in range(100):  # the consumer runs in the background
        progress = (
            await issuer.http.get(
                progress_url, params={"recipient": did}, headers=issuer.admin("uni")
            )
        ).json()
        if progress["components"][0]["held"]:
            break
        await asyncio.sleep(0.02)
    assert progress["missing"] == [parts[1]]
    assert progress["stillNeeded"] == {"components": 1}
    await issuer.issue("uni", parts[1], recipient={"did": did})
    for _ in range(100):
        progress = (
            await issuer.http.get(
                progress_url, params={"recipient": did}, headers=issuer.admin("uni")
            )
        ).json()
        if progress["stackedCredentialId"]:
            break
        await asyncio.sleep(0.02)
    assert progress["complete"] is True
    assert progress["stackedCredentialId"].startswith("urn:uuid:")
    stranger = issuer.token("eve", Role.LEARNER, learner_id="eve")
    problem(await issuer.http.get(progress_url, params={"recipient": did}, headers=stranger), 403)


async def test_openapi_describes_the_routes(issuer: Issuer) -> None:
    document = (await issuer.http.get("/openapi.json")).json()
    assert "/credentials/issue" in document["paths"]
    assert "IssueCredentialIn" in document["components"]["schemas"]
    json.dumps(document)


async def test_achievement_versions_over_http(issuer: Issuer) -> None:
    await issuer.tenant("uni")
    achievement = await issuer.achievement("uni")
    updated = await issuer.http.put(
        f"/tenants/uni/achievements/{achievement}",
        json={
            "name": "Data Analysis II",
            "description": "Harder.",
            "criteria": {"narrative": "More."},
        },
        headers=issuer.admin("uni"),
    )
    assert updated.json()["version"] == 2
    v1 = await issuer.http.get(
        f"/tenants/uni/achievements/{achievement}",
        params={"version": "1"},
        headers=issuer.admin("uni"),
    )
    assert v1.json()["achievement"]["name"] == "Data Analysis"
