"""The pathway consumer on the real Kafka broker: credential events relayed (twice, as after a
relay crash) through Kafka give exactly one stacked credential."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from skillpass.events.v1 import credentials_pb2 as pb
from skillpass.issuer.domain.pathways import Rule, RuleKind
from skillpass.issuer.domain.recipients import recipient_key
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.service_layer.pathway_events import pathway_consumer
from skillpass.issuer.testing import (
    ForgetfulOutbox,
    Retopic,
    email,
    memory_dependencies,
    sample_definition,
    sample_profile,
)
from skillpass.platform.bus.kafka import ConsumerTuning, KafkaEventBus
from skillpass.platform.bus.records import OutgoingRecord
from skillpass.platform.relay import OutboxRelay

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(90)]

LEARNER = email("grace@example.org")


class RecordingKafka(KafkaEventBus):
    """The Kafka bus, remembering what it published."""

    published: list[OutgoingRecord]

    async def publish(self, record: OutgoingRecord) -> None:
        await super().publish(record)
        self.published = [*getattr(self, "published", []), record]

    async def publish_many(self, records: Sequence[OutgoingRecord]) -> None:
        await super().publish_many(records)
        self.published = [*getattr(self, "published", []), *records]


async def test_pathway_completed_over_kafka_issues_one_stacked_credential(
    kafka_bootstrap_servers: str, kafka_topic_name: str, unique_id: str
) -> None:
    deps = memory_dependencies()
    bus = MessageBus(deps)
    tenant = await bus.handle(c.CreateTenant(slug="uni", profile=sample_profile()))
    parts = [
        (
            await bus.handle(
                c.CreateAchievement(tenant_id=tenant.id, definition=sample_definition(f"P{n}"))
            )
        ).id
        for n in range(2)
    ]
    target = await bus.handle(
        c.CreateAchievement(tenant_id=tenant.id, definition=sample_definition("T"))
    )
    pathway = await bus.handle(
        c.CreatePathway(
            tenant_id=tenant.id,
            name="Stack",
            target_achievement_id=target.id,
            rule=Rule(kind=RuleKind.ALL_OF, components=tuple(parts)),
        )
    )
    for part in parts:
        await bus.handle(
            c.IssueCredential(
                tenant_id=tenant.id, request=c.IssueRequest(achievement_id=part, recipient=LEARNER)
            )
        )
    key = recipient_key(LEARNER, pepper=deps.pepper)

    tuning = ConsumerTuning(
        session_timeout_ms=6_000, heartbeat_interval_ms=500, metadata_max_age_ms=1_000
    )
    async with RecordingKafka(
        bootstrap_servers=kafka_bootstrap_servers,
        client_id=f"issuer-test-{unique_id}",
        consumer_tuning=tuning,
    ) as kafka:
        await kafka.ensure_topics([kafka_topic_name], partitions=3)
        # Every event is published twice, as if the relay crashed between publishing and removing.
        relay = OutboxRelay(kafka, [Retopic(ForgetfulOutbox(deps.credentials), kafka_topic_name)])
        consumer = pathway_consumer(
            bus,
            kafka,
            group=f"issuer-pathways-{unique_id}",
            poll_timeout=0.5,
            topic=kafka_topic_name,
        )
        await consumer.start()
        try:
            for _ in range(60):  # until the stacked credential's own event came back through Kafka
                await relay.run_once()
                await consumer.poll_once()
                holdings = await deps.holdings.get(key)
                if holdings is not None and target.id in holdings.achievements():
                    break
                await asyncio.sleep(0.1)
            for _ in range(3):  # and every duplicate after it
                await relay.run_once()
                await consumer.poll_once()
        finally:
            await consumer.stop()

    issued = [pb.CredentialIssued.FromString(r.value) for r in kafka.published]
    stacked = {e.credential_id for e in issued if e.HasField("pathway_id")}
    assert len(stacked) == 1
    (stacked_id,) = stacked
    record = await deps.credentials.get(stacked_id)
    assert record is not None
    assert record.pathway_id == pathway.id
    components = {e.credential_id for e in issued if not e.HasField("pathway_id")}
    assert sorted(record.source_credential_ids) == sorted(components)
