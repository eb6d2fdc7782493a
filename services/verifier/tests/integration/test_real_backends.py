"""On the real stack: the report lands in MongoDB (FerretDB) and its
``verifier.verification.completed.v1`` event reaches the real Kafka broker through the outbox."""

from __future__ import annotations

import asyncio

import pytest

from skillpass.events.v1 import verifications_pb2 as pb
from skillpass.platform.auth import DevTokenSigner, Role
from skillpass.platform.bus.kafka import ConsumerTuning, KafkaEventBus
from skillpass.platform.bus.records import ConsumedRecord
from skillpass.platform.events import VERIFICATIONS_TOPIC
from skillpass.platform.mongo import MongoDatabase
from skillpass.verifier.testing import TestIssuer
from skillpass.verifier.testing.site import bearer, local_settings, running_app

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


async def _record_for(servers: str, group: str, subject: str) -> ConsumedRecord:
    tuning = ConsumerTuning(session_timeout_ms=6_000, heartbeat_interval_ms=300)
    async with (
        KafkaEventBus(bootstrap_servers=servers, client_id=group, consumer_tuning=tuning) as bus,
        bus.consumer(group=group, topics=[VERIFICATIONS_TOPIC]) as consumer,
    ):
        async with asyncio.timeout(60):
            while True:
                for record in await consumer.poll(max_wait=1.0):
                    if record.header("ce_subject") == subject.encode():
                        return record


async def test_report_is_stored_in_mongodb_and_its_event_reaches_kafka(
    kafka_bootstrap_servers: str,
    mongodb_uri: str,
    mongo_database: MongoDatabase,
    unique_id: str,
    web_issuer: TestIssuer,
    signer: DevTokenSigner,
) -> None:
    settings = local_settings(
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        mongodb_uri=mongodb_uri,
        mongodb_database=mongo_database.name,
    )
    caller = bearer(signer, "hr@acme", Role.VERIFIER, tenant="acme")
    async with running_app(settings, tokens=signer.verifier()) as (client, _):
        ready = (await client.get("/readyz")).json()
        assert ready["checks"] == {"mongodb": "ok"}  # a broker outage leaves it ready
        response = await client.post(
            "/credentials/verify",
            json={"verifiableCredential": web_issuer.credential()},
            headers=caller,
        )
        verification_id = response.json()["verificationId"]
        stored = await client.get(f"/verifications/{verification_id}", headers=caller)
        assert stored.status_code == 200
        assert stored.json()["verified"] is True
        record = await _record_for(kafka_bootstrap_servers, f"test-{unique_id}", verification_id)

    assert record.header("ce_type") == b"verifier.verification.completed.v1"
    payload = pb.VerificationCompleted.FromString(record.value)
    assert payload.verification_id == verification_id
    assert payload.verified
    assert list(payload.issuer_dids) == [web_issuer.did]
    documents = await mongo_database["verifications"].count_documents({"_id": verification_id})
    assert documents == 1
