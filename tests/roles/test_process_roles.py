"""``skillpass serve <name> --role relay|worker``: each role is a process of its own that does its
one job, against the shared real Kafka and FerretDB, while the api runs without it
(``SKILLPASS_<SERVICE>_RUN_RELAY`` / ``SKILLPASS_ISSUER_RUN_BATCH_WORKER`` false, as in k8s)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from skillpass.platform.bus.kafka import KafkaEventBus
from skillpass.platform.events import CREDENTIAL_ISSUED, CREDENTIALS_TOPIC, VERIFICATIONS_TOPIC
from tests.faults.realstack import PrivateInfra, Stack, free_port, logs_of
from tests.faults.scenario import (
    Databases,
    batch_rows,
    create_catalogue,
    eventually,
    issue_one,
    job,
    submit_batch,
)

pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.timeout(60)]

READY_WITHIN = 30.0


class SharedInfra(PrivateInfra):
    """The session's Kafka and FerretDB (never stopped here: only the fault tests stop servers,
    their own)."""

    def __init__(self, kafka: str, mongodb_uri: str, state_dir: Path) -> None:
        super().__init__(state_dir=state_dir)
        self._kafka = kafka
        self._mongodb_uri = mongodb_uri

    @property
    def kafka(self) -> str:
        return self._kafka

    @property
    def mongodb_uri(self) -> str:
        return self._mongodb_uri


@pytest.fixture
def stack(kafka_bootstrap_servers: str, mongodb_uri: str, tmp_path: Path) -> Iterator[Stack]:
    infra = SharedInfra(kafka_bootstrap_servers, mongodb_uri, tmp_path)
    started = Stack(infra=infra, run_dir=tmp_path / "logs")
    try:
        yield started
    finally:
        started.close()
        print(logs_of(started))  # shown when the test failed


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30.0) as http:
        yield http


@pytest.fixture
async def databases(stack: Stack) -> AsyncIterator[Databases]:
    opened = Databases(stack)
    try:
        yield opened
    finally:
        await opened.aclose()


class TopicTail:
    """The records a topic receives from now on (a consumer group of its own, every partition)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"roles-test-{uuid.uuid4()}",
            enable_auto_commit=False,
            auto_offset_reset="latest",
        )
        self._topic = topic
        self._bootstrap = bootstrap
        self.subjects: dict[str, str] = {}  # ce_subject -> ce_type, of what arrived

    async def __aenter__(self) -> TopicTail:
        async with KafkaEventBus(bootstrap_servers=self._bootstrap, client_id="roles-test") as bus:
            await bus.ensure_topics([self._topic], partitions=1)  # a fresh broker has none yet
        await self._consumer.start()
        async with asyncio.timeout(15.0):
            while not self._consumer.assignment():
                await self._consumer.getmany(timeout_ms=100)
        for partition in self._consumer.assignment():  # the end, fixed before anything is sent
            await self._consumer.position(partition)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def poll(self) -> dict[str, str]:
        batches = await self._consumer.getmany(timeout_ms=200)
        for records in batches.values():
            for record in records:
                headers = {k: v.decode() for k, v in record.headers}
                self.subjects[headers.get("ce_subject", "")] = headers.get("ce_type", "")
        return self.subjects


async def test_an_issued_credential_reaches_kafka_only_through_the_relay_role(
    stack: Stack, client: httpx.AsyncClient, databases: Databases, unique_id: str
) -> None:
    api = stack.process("issuer", run_relay="false")
    api.start()
    api.wait_ready(timeout=READY_WITHIN)
    catalogue = await create_catalogue(client, stack, f"relay-{unique_id[:8]}")
    async with TopicTail(stack.infra.kafka, CREDENTIALS_TOPIC) as tail:
        issued = await issue_one(client, stack, catalogue, "ada@example.org")
        assert issued.status_code == 201, issued.text
        credential_id = issued.json()["credentialId"]

        await asyncio.sleep(2.0)  # the api's own relay would have published by now
        assert credential_id not in await tail.poll()
        assert await databases.outbox_waiting() == 1

        relay = stack.process("issuer", "relay", port=free_port())
        relay.start()
        relay.wait_ready(timeout=READY_WITHIN)
        ready = (await client.get(f"{relay.url}/readyz")).json()
        assert ready["checks"] == {"mongodb": "ok", "kafka": "ok"}

        async def published() -> bool:
            return (await tail.poll()).get(credential_id) == CREDENTIAL_ISSUED.type

        await eventually(published, within=15.0, interval=0.2, what="the issued event")
        await eventually(
            lambda: _none_waiting(databases), within=5.0, interval=0.2, what="an empty outbox"
        )


async def test_a_batch_submitted_to_an_api_without_a_worker_is_issued_by_the_worker_role(
    stack: Stack, client: httpx.AsyncClient, unique_id: str
) -> None:
    api = stack.process("issuer", run_batch_worker="false")
    api.start()
    api.wait_ready(timeout=READY_WITHIN)
    catalogue = await create_catalogue(client, stack, f"worker-{unique_id[:8]}")
    url = await submit_batch(client, stack, catalogue, batch_rows(catalogue, 3))

    await asyncio.sleep(2.0)  # the api's own worker would have claimed the job by now
    assert (await job(client, stack, catalogue, url))["state"] == "pending"

    worker = stack.process("issuer", "worker", port=free_port(), batch_workers="1")
    worker.start()
    worker.wait_ready(timeout=READY_WITHIN)

    async def completed() -> bool:
        return bool((await job(client, stack, catalogue, url))["state"] == "completed")

    await eventually(completed, within=20.0, interval=0.3, what="the batch completed")
    results: dict[str, Any] = await job(client, stack, catalogue, url, results=True)
    assert len(results["results"]) == 3


async def _none_waiting(databases: Databases) -> bool:
    return await databases.outbox_waiting() == 0


async def test_a_verification_report_reaches_kafka_only_through_the_verifier_relay_role(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    api = stack.process("verifier", run_relay="false")
    api.start()
    api.wait_ready(timeout=READY_WITHIN)
    async with TopicTail(stack.infra.kafka, VERIFICATIONS_TOPIC) as tail:
        credential = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["X"]}
        verified = await client.post(
            f"{api.url}/credentials/verify", json={"verifiableCredential": credential}
        )
        assert verified.status_code == 200, verified.text
        verification_id = verified.json()["verificationId"]

        await asyncio.sleep(2.0)  # the api's own relay would have published by now
        assert verification_id not in await tail.poll()

        relay = stack.process("verifier", "relay", port=free_port())
        relay.start()
        relay.wait_ready(timeout=READY_WITHIN)

        async def published() -> bool:
            return verification_id in await tail.poll()

        await eventually(published, within=15.0, interval=0.2, what="the verification event")


async def test_the_wallet_relay_role_is_ready_once_mongodb_and_kafka_answer(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    relay = stack.process("wallet", "relay", port=free_port())
    relay.start()
    relay.wait_ready(timeout=READY_WITHIN)
    ready = (await client.get(f"{relay.url}/readyz")).json()
    assert ready["checks"] == {"mongodb": "ok", "kafka": "ok"}
    assert (await client.get(f"{relay.url}/graphql")).status_code == 404  # health only
