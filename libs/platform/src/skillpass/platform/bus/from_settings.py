"""The bus a service's settings ask for: Kafka when KAFKA_BOOTSTRAP_SERVERS is set, else the
in-memory twin (embedded mode, where every service in the process shares one `MemoryBroker`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from skillpass.platform.bus.kafka import KafkaEventBus, KafkaSecurity
from skillpass.platform.bus.memory import MemoryBroker, MemoryEventBus
from skillpass.platform.bus.port import EventBus
from skillpass.platform.settings import ServiceSettings


def kafka_security(settings: ServiceSettings) -> KafkaSecurity:
    password = settings.kafka_sasl_password
    return KafkaSecurity(
        protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        username=settings.kafka_sasl_username,
        password=password.get_secret_value() if password is not None else None,
        ssl_cafile=settings.kafka_ssl_cafile,
    )


@asynccontextmanager
async def open_event_bus(
    settings: ServiceSettings,
    *,
    topics: Sequence[str] = (),
    memory_broker: MemoryBroker | None = None,
) -> AsyncIterator[EventBus]:
    """Open the bus for an app's lifespan and make sure `topics` exist; closed on exit."""
    bus: EventBus
    if settings.kafka_bootstrap_servers is None:
        bus = MemoryEventBus(memory_broker)
    else:
        bus = KafkaEventBus(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id=settings.service_name,
            replication_factor=settings.kafka_replication_factor,
            security=kafka_security(settings),
        )
    async with bus:
        if topics:
            await bus.ensure_topics(topics, partitions=settings.kafka_topic_partitions)
        yield bus
