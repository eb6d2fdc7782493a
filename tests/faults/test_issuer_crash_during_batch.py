"""SIGKILL the issuer during a batch and restart it: the job resumes from MongoDB and completes
with exactly one credential, one issued event and one wallet holding per row."""

from __future__ import annotations

import httpx
import pytest

from tests.faults.realstack import Stack, env_int
from tests.faults.scenario import (
    Databases,
    batch_rows,
    create_catalogue,
    duplicates,
    eventually,
    issued_events,
    job,
    read_topic,
    submit_batch,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(1800)]

ROWS = env_int("SKILLPASS_FAULTS_BATCH_ROWS", 10_000)


async def test_a_batch_survives_a_sigkilled_issuer_without_duplicates(
    stack: Stack, client: httpx.AsyncClient, databases: Databases
) -> None:
    # A short lease: the chunks the dead process held are taken over soon after the restart.
    issuer = stack.process("issuer", batch_workers="2", batch_lease_seconds="10")
    wallet = stack.process("wallet", "consumer", port=0)
    issuer.start()
    wallet.start()
    issuer.wait_ready()
    catalogue = await create_catalogue(client, stack, "crash")
    rows = batch_rows(catalogue, ROWS)
    url = await submit_batch(client, stack, catalogue, rows, idempotency_key="crash-batch")

    async def a_third_done() -> bool:
        return int((await job(client, stack, catalogue, url))["processed"]) >= ROWS // 3

    await eventually(a_third_done, within=900, interval=0.5, what="a third of the batch")
    issuer.kill()
    killed_at = len(await databases.credential_ids(tenant=catalogue.tenant))
    assert 0 < killed_at < ROWS, "the kill must land in the middle of the batch"

    issuer.start()
    issuer.wait_ready()
    # The client retries its submission: the same job, not a second one.
    again = await submit_batch(client, stack, catalogue, rows, idempotency_key="crash-batch")
    assert again == url

    async def completed() -> bool:
        return bool((await job(client, stack, catalogue, url))["state"] == "completed")

    await eventually(completed, within=1200, interval=1.0, what="the batch job's completion")
    report = await job(client, stack, catalogue, url, results=True)
    assert (report["total"], report["processed"], report["failed"]) == (ROWS, ROWS, 0)
    reported = [r["credentialId"] for r in report["results"]]
    assert len(set(reported)) == ROWS

    job_id = url.rsplit("/", 1)[1]
    stored = await databases.credential_ids(tenant=catalogue.tenant, job_id=job_id)
    assert duplicates(stored) == []
    assert set(stored) == set(reported)

    async def delivered() -> bool:
        return await databases.outbox_waiting() == 0 and await databases.holdings_count() >= ROWS

    await eventually(delivered, within=1200, interval=2.0, what="events published and held")
    events = issued_events(await read_topic(stack.infra.kafka), set(stored))
    assert events.credentials == ROWS
    assert events.credentials_with_two_events == 0
    assert events.distinct == ROWS
    holdings = await databases.holdings()
    held = [h.credential_id for h in holdings]
    assert len(held) == len(set(held)) == ROWS
    assert set(held) == set(stored)
    assert all(h.revision == 1 for h in holdings)  # no event applied twice
    print(
        f"killed after {killed_at} of {ROWS} credentials; {events.records} issued records on the "
        f"broker for {events.distinct} events (re-sent by the relay after the kill: "
        f"{events.records - events.distinct})"
    )
