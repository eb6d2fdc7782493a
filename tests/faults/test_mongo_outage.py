"""The MongoDB-wire server stops: requests fail fast and cleanly (503 problems), readiness fails,
liveness does not, nothing is half-written; when it is back everything recovers by itself (no
restarts), including a batch that was running."""

from __future__ import annotations

import httpx
import pytest

from skillpass.platform.auth import Role
from tests.faults.realstack import Stack, problem_code
from tests.faults.scenario import (
    Databases,
    batch_rows,
    create_catalogue,
    eventually,
    issue_one,
    job,
    submit_batch,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]

BATCH = 300


async def test_a_database_outage_gives_clean_503s_and_recovers_without_manual_steps(
    stack: Stack, client: httpx.AsyncClient, databases: Databases
) -> None:
    issuer = stack.process("issuer", batch_workers="1", batch_lease_seconds="5")
    wallet_api = stack.process("wallet")
    wallet_consumer = stack.process("wallet", "consumer", port=0)
    for process in (issuer, wallet_api, wallet_consumer):
        process.start()
    issuer.wait_ready()
    wallet_api.wait_ready()
    catalogue = await create_catalogue(client, stack, "dbdown")
    assert (await issue_one(client, stack, catalogue, "before@example.org")).status_code == 201
    url = await submit_batch(client, stack, catalogue, batch_rows(catalogue, BATCH))
    learner = stack.headers(Role.LEARNER, learner_id="ada")

    stack.infra.stop("mongo")
    admin = stack.headers(Role.ISSUER_ADMIN, tenant=catalogue.tenant)
    attempt = {"achievementId": catalogue.achievement, "recipient": {"email": "x@example.org"}}
    responses = {
        "issue": await client.post(
            f"{issuer.url}/tenants/{catalogue.tenant}/credentials",
            json=attempt,
            headers={**admin, "Idempotency-Key": "during-outage"},
        ),
        "batch status": await client.get(url, headers=admin),
        "catalogue": await client.get(f"{issuer.url}/tenants/{catalogue.tenant}/achievements"),
        "wallet holdings": await client.get(
            f"{wallet_api.url}/learners/ada/holdings", headers=learner
        ),
    }
    for what, response in responses.items():
        assert response.status_code == 503, f"{what}: {response.status_code} {response.text}"
        assert problem_code(response) == "backend-unavailable", f"{what}: {response.text}"
        assert "Traceback" not in response.text
    for process in (issuer, wallet_api):
        ready = await client.get(f"{process.url}/readyz")
        assert ready.status_code == 503
        assert problem_code(ready) == "not-ready"
        assert (await client.get(f"{process.url}/healthz")).status_code == 200
    assert [p.alive for p in (issuer, wallet_api, wallet_consumer)] == [True, True, True]

    stack.infra.start("mongo")

    async def ready_again() -> bool:
        answers = [await client.get(f"{p.url}/readyz") for p in (issuer, wallet_api)]
        return all(r.status_code == 200 for r in answers)

    await eventually(ready_again, within=60, what="readiness after the database returned")
    # The request refused during the outage wrote nothing: its retry is a first issue (201),
    # not a replay of a half-done one (200).
    retried = await client.post(
        f"{issuer.url}/tenants/{catalogue.tenant}/credentials",
        json=attempt,
        headers={**admin, "Idempotency-Key": "during-outage"},
    )
    assert retried.status_code == 201, retried.text

    async def batch_done() -> bool:
        return bool((await job(client, stack, catalogue, url))["state"] == "completed")

    await eventually(batch_done, within=300, what="the interrupted batch's completion")
    report = await job(client, stack, catalogue, url, results=True)
    assert (report["processed"], report["failed"]) == (BATCH, 0)
    stored = await databases.credential_ids(tenant=catalogue.tenant)
    assert len(stored) == len(set(stored)) == BATCH + 2

    async def held() -> bool:
        return await databases.holdings_count() == BATCH + 2

    await eventually(held, within=300, what="every credential in the wallet")
    holdings = await databases.holdings()
    assert {h.credential_id for h in holdings} == set(stored)
    assert all(h.revision == 1 for h in holdings)
