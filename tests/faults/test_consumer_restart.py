"""The wallet's consumer process is SIGKILLed again and again while it works through the issuer's
events. Its offsets are committed after each batch's writes, so a kill between a write and its
commit redelivers records already applied: the inbox in each holding's document must make every
redelivery a no-op (no event applied twice)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from tests.faults.realstack import Stack
from tests.faults.scenario import (
    Databases,
    batch_rows,
    create_catalogue,
    eventually,
    job,
    submit_batch,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]

EVENTS = 600
KILLS = 3


async def committed(bootstrap: str, group: str) -> int:
    """Records the group has committed (the topic holds only this test's events)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(max(0, meta.offset) for meta in offsets.values())


async def test_a_consumer_killed_between_write_and_commit_applies_no_event_twice(
    stack: Stack, client: httpx.AsyncClient, databases: Databases
) -> None:
    issuer = stack.process("issuer", batch_workers="1")
    issuer.start()
    issuer.wait_ready()
    catalogue = await create_catalogue(client, stack, "redeliver")
    url = await submit_batch(
        client, stack, catalogue, batch_rows(catalogue, EVENTS), suite="eddsa-jcs-2022"
    )

    async def issued() -> bool:
        state = await job(client, stack, catalogue, url)
        return state["state"] == "completed" and await databases.outbox_waiting() == 0

    await eventually(issued, within=600, what="every event on the broker")

    group = stack.env("wallet")["SKILLPASS_WALLET_CONSUMER_GROUP"]
    consumer = stack.process("wallet", "consumer", port=0)
    applied_not_committed = []
    for kill in range(KILLS):
        before = await databases.holdings_count()
        consumer.start()

        async def progressed(floor: int = before) -> bool:
            return await databases.holdings_count() > floor + 20

        await eventually(progressed, within=300, interval=0.1, what=f"progress before kill {kill}")
        await asyncio.sleep(0.05 * kill)  # kill at different points of a batch
        consumer.kill()
        applied = await databases.holdings_count()
        applied_not_committed.append(applied - await committed(stack.infra.kafka, group))

    consumer.start()

    async def all_held() -> bool:
        return await databases.holdings_count() >= EVENTS

    await eventually(all_held, within=600, what="every event applied")
    await asyncio.sleep(2.0)  # whatever is redelivered after the last commit has arrived

    # At least one kill came between writes and their commit: those records were delivered again.
    assert max(applied_not_committed) > 0, applied_not_committed
    holdings = await databases.holdings()
    assert len(holdings) == len({h.credential_id for h in holdings}) == EVENTS
    assert [h for h in holdings if h.revision != 1 or len(h.inbox) != 1] == []
    print(f"applied but not committed at each kill: {applied_not_committed}")
