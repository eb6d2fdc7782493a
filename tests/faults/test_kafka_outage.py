"""Kafka stops for a minute during issuance: issuing goes on into the outbox, and once the broker
is back every event is delivered (on the broker and in the wallet), none lost, none doubled."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.faults.realstack import Stack, env_int
from tests.faults.scenario import (
    Databases,
    batch_rows,
    create_catalogue,
    eventually,
    issue_one,
    issued_events,
    job,
    read_topic,
    submit_batch,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]

OUTAGE = env_int("SKILLPASS_FAULTS_KAFKA_OUTAGE", 60)
BATCH_DURING_OUTAGE = 200


async def test_issuing_continues_through_a_kafka_outage_and_every_event_is_delivered(
    stack: Stack, client: httpx.AsyncClient, databases: Databases
) -> None:
    issuer = stack.process("issuer", batch_workers="1")
    wallet = stack.process("wallet", "consumer", port=0)
    issuer.start()
    wallet.start()
    issuer.wait_ready()
    catalogue = await create_catalogue(client, stack, "outage")
    sent = 0

    async def issue(count: int, *, pause: float = 0.0) -> list[int]:
        nonlocal sent
        statuses = []
        for _ in range(count):
            response = await issue_one(client, stack, catalogue, f"l{sent}@example.org")
            sent += 1
            statuses.append(response.status_code)
            await asyncio.sleep(pause)
        return statuses

    assert set(await issue(10)) == {201}

    stack.infra.stop("kafka")
    down_at = time.monotonic()
    url = await submit_batch(
        client, stack, catalogue, batch_rows(catalogue, BATCH_DURING_OUTAGE, prefix="b")
    )
    during: list[int] = []
    while time.monotonic() - down_at < OUTAGE:
        during += await issue(1, pause=0.5)
    batch = await job(client, stack, catalogue, url)
    waiting = await databases.outbox_waiting()
    ready = await client.get(f"{issuer.url}/readyz")
    stack.infra.start("kafka")

    assert during, "issuing went on during the outage"
    assert set(during) == {201}, "issuing must not need Kafka"
    assert batch["state"] == "completed", batch
    assert waiting >= len(during) + BATCH_DURING_OUTAGE  # in the outbox, not lost
    assert ready.status_code == 200, ready.text  # still serving: it stays in its Service
    assert set(await issue(10)) == {201}

    stored = set(await databases.credential_ids(tenant=catalogue.tenant))
    assert len(stored) == sent + BATCH_DURING_OUTAGE

    async def delivered() -> bool:
        return await databases.outbox_waiting() == 0 and await databases.holdings_count() >= len(
            stored
        )

    await eventually(delivered, within=600, interval=2.0, what="the outbox drained into wallets")
    events = issued_events(await read_topic(stack.infra.kafka), stored)
    assert (events.credentials, events.credentials_with_two_events) == (len(stored), 0)
    holdings = await databases.holdings()
    assert {h.credential_id for h in holdings} == stored
    assert len(holdings) == len(stored)
    assert all(h.revision == 1 for h in holdings)
