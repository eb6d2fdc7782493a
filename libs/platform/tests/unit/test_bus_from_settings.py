"""Settings choose the bus: no Kafka configured means the in-memory twin."""

from __future__ import annotations

from skillpass.platform.bus.from_settings import open_event_bus
from skillpass.platform.bus.memory import MemoryBroker, MemoryEventBus
from skillpass.platform.settings import ServiceSettings


async def test_embedded_services_share_one_memory_broker() -> None:
    broker = MemoryBroker()
    settings = ServiceSettings(service_name="issuer", kafka_bootstrap_servers=None)
    async with open_event_bus(settings, topics=["a.v1"], memory_broker=broker) as bus:
        assert isinstance(bus, MemoryEventBus)
        assert bus.broker is broker
        assert broker.partitions("a.v1") == settings.kafka_topic_partitions
