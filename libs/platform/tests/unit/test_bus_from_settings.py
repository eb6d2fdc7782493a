"""Settings choose the bus: no Kafka configured means the in-memory twin."""

from __future__ import annotations

import ssl

import pytest

from skillpass.platform.bus.from_settings import kafka_security, open_event_bus
from skillpass.platform.bus.memory import MemoryBroker, MemoryEventBus
from skillpass.platform.settings import ServiceSettings


async def test_embedded_services_share_one_memory_broker() -> None:
    broker = MemoryBroker()
    settings = ServiceSettings(service_name="issuer", kafka_bootstrap_servers=None)
    async with open_event_bus(settings, topics=["a.v1"], memory_broker=broker) as bus:
        assert isinstance(bus, MemoryEventBus)
        assert bus.broker is broker
        assert broker.partitions("a.v1") == settings.kafka_topic_partitions


def test_local_kafka_is_plaintext() -> None:
    options = kafka_security(ServiceSettings()).client_options()
    assert options == {"security_protocol": "PLAINTEXT"}


def test_cluster_kafka_uses_scram_over_tls_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "issuer")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret")
    security = kafka_security(ServiceSettings())
    options = security.client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("issuer", "s3cret")
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert "s3cret" not in repr(security)
