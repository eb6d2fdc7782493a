"""The Kafka adapter of the event bus (aiokafka).

The producer is idempotent with `acks=all`, so a retried send never duplicates a record within a
producer session; consumers commit manually, after the application's write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.helpers import create_ssl_context

from skillpass.platform.bus.port import StartAt
from skillpass.platform.bus.records import ConsumedRecord, OutgoingRecord
from skillpass.platform.concurrency import gather_or_raise

_TOPIC_ALREADY_EXISTS = 36


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerTuning:
    """Group timings. The defaults suit production; tests shorten them to keep rebalances fast."""

    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    max_poll_records: int = 500
    metadata_max_age_ms: int = 300_000


@dataclass(frozen=True, slots=True, kw_only=True)
class KafkaSecurity:
    """How clients authenticate to the brokers. PLAINTEXT locally; in the cluster the listener
    requires SCRAM over TLS (Strimzi ``KafkaUser``s)."""

    protocol: str = "PLAINTEXT"  # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
    sasl_mechanism: str | None = None  # e.g. SCRAM-SHA-512
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for every aiokafka client (producer, consumer, admin)."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = create_ssl_context(cafile=self.ssl_cafile)
        if self.protocol.startswith("SASL_"):
            options.update(
                sasl_mechanism=self.sasl_mechanism or "SCRAM-SHA-512",
                sasl_plain_username=self.username,
                sasl_plain_password=self.password,
            )
        return options


class KafkaConsumer:
    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group: str,
        topics: Sequence[str],
        client_id: str,
        tuning: ConsumerTuning,
        start_at: StartAt = "earliest",
        security: KafkaSecurity | None = None,
    ) -> None:
        self._consumer = AIOKafkaConsumer(
            *topics,
            **(security or KafkaSecurity()).client_options(),
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset=start_at,
            session_timeout_ms=tuning.session_timeout_ms,
            heartbeat_interval_ms=tuning.heartbeat_interval_ms,
            max_poll_records=tuning.max_poll_records,
            metadata_max_age_ms=tuning.metadata_max_age_ms,
        )
        self._start_at = start_at
        self._started = False
        # The group's committed offset per partition as this member knows it: where its first
        # fetch began, then what it committed (for `lag()`, read by metric callbacks).
        self._committed: dict[TopicPartition, int] = {}

    async def start(self) -> None:
        if not self._started:
            await self._consumer.start()
            self._started = True

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self._consumer.stop()

    async def poll(self, *, max_wait: float) -> list[ConsumedRecord]:
        batches: Mapping[Any, list[Any]] = await self._consumer.getmany(
            timeout_ms=int(max_wait * 1000)
        )
        if self._start_at == "latest":
            # aiokafka resolves a "latest" reset lazily; fix the position as soon as a partition
            # is ours, so that "after it joined" means after this poll returned, not later.
            for tp in self._consumer.assignment():
                await self._consumer.position(tp)
        for tp, records in batches.items():
            if records:
                self._committed.setdefault(tp, records[0].offset)
        return [
            ConsumedRecord(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=record.key,
                value=record.value or b"",
                headers=tuple((name, value or b"") for name, value in record.headers),
            )
            for _, records in sorted(batches.items())
            for record in records
        ]

    def assignment(self) -> frozenset[tuple[str, int]]:
        if not self._started:
            return frozenset()
        return frozenset((tp.topic, tp.partition) for tp in self._consumer.assignment())

    async def commit(self, record: ConsumedRecord) -> bool:
        partition = TopicPartition(record.topic, record.partition)
        try:
            await self._consumer.commit({partition: record.offset + 1})
        except (CommitFailedError, IllegalStateError):
            # The partition was reassigned while we worked: the new owner redelivers the record.
            self._committed.pop(partition, None)
            return False
        self._committed[partition] = record.offset + 1
        return True

    def lag(self) -> Mapping[tuple[str, int], int]:
        if not self._started:
            return {}
        lags: dict[tuple[str, int], int] = {}
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            committed = self._committed.get(tp)
            if high is not None and committed is not None:
                lags[(tp.topic, tp.partition)] = max(0, high - committed)
        return lags

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


class KafkaEventBus:
    def __init__(
        self,
        *,
        bootstrap_servers: str,
        client_id: str,
        replication_factor: int = 1,
        consumer_tuning: ConsumerTuning | None = None,
        request_timeout_ms: int = 10_000,
        security: KafkaSecurity | None = None,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._security = security or KafkaSecurity()
        self._client_id = client_id
        self._replication_factor = replication_factor
        self._tuning = consumer_tuning or ConsumerTuning()
        self._request_timeout_ms = request_timeout_ms
        self._producer: AIOKafkaProducer | None = None
        self._admin: AIOKafkaAdminClient | None = None

    async def start(self) -> None:
        if self._producer is not None:
            return
        producer = AIOKafkaProducer(
            **self._security.client_options(),
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            enable_idempotence=True,
            acks="all",
            request_timeout_ms=self._request_timeout_ms,
        )
        admin = AIOKafkaAdminClient(
            **self._security.client_options(),
            bootstrap_servers=self._bootstrap_servers,
            client_id=f"{self._client_id}-admin",
            request_timeout_ms=self._request_timeout_ms,
        )
        try:
            await producer.start()
            await admin.start()
        except BaseException:
            await producer.stop()
            await admin.close()
            raise
        self._producer, self._admin = producer, admin

    async def close(self) -> None:
        producer, admin = self._producer, self._admin
        self._producer = self._admin = None
        if producer is not None:
            await producer.stop()
        if admin is not None:
            await admin.close()

    def _started(self) -> tuple[AIOKafkaProducer, AIOKafkaAdminClient]:
        if self._producer is None or self._admin is None:
            raise RuntimeError("KafkaEventBus is not started")
        return self._producer, self._admin

    async def ensure_topics(self, topics: Sequence[str], *, partitions: int) -> None:
        _, admin = self._started()
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=partitions, replication_factor=self._replication_factor)
            for name in dict.fromkeys(topics)
            if name not in existing
        ]
        if not missing:
            return
        response = await admin.create_topics(missing)
        for name, code, *rest in response.topic_errors:
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                raise KafkaError(f"cannot create topic {name}: error {code} {rest}")

    async def publish(self, record: OutgoingRecord) -> None:
        producer, _ = self._started()
        await producer.send_and_wait(
            record.topic, value=record.value, key=record.key, headers=list(record.headers)
        )

    async def publish_many(self, records: Sequence[OutgoingRecord]) -> None:
        producer, _ = self._started()
        # Queue all, then wait: the producer batches them per partition, in the order queued, so
        # a pass of the relay costs a few round trips instead of one per record.
        acks = [
            await producer.send(r.topic, value=r.value, key=r.key, headers=list(r.headers))
            for r in records
        ]
        await gather_or_raise(acks)

    def consumer(
        self, *, group: str, topics: Sequence[str], start_at: StartAt = "earliest"
    ) -> KafkaConsumer:
        return KafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            group=group,
            topics=topics,
            client_id=self._client_id,
            tuning=self._tuning,
            start_at=start_at,
            security=self._security,
        )

    async def ping(self) -> None:
        _, admin = self._started()
        await admin.describe_cluster()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
