"""Shared settings: unprefixed backend variables, secrets that stay secret."""

from __future__ import annotations

import pytest
from pydantic_settings import SettingsConfigDict

from skillpass.platform.settings import ServiceSettings


class IssuerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ISSUER_")

    service_name: str = "issuer"
    batch_limit: int = 100


def test_backends_come_from_unprefixed_variables_and_service_fields_from_prefixed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    monkeypatch.setenv("MONGODB_URI", "mongodb://user:hunter2@127.0.0.1:27017/")
    monkeypatch.setenv("ISSUER_BATCH_LIMIT", "7")
    settings = IssuerSettings()
    assert settings.kafka_bootstrap_servers == "127.0.0.1:19092"
    assert settings.batch_limit == 7
    assert not settings.embedded
    assert settings.database_name == "issuer"
    assert settings.mongodb_uri is not None
    assert "hunter2" not in repr(settings)
    assert settings.mongodb_uri.get_secret_value().endswith("@127.0.0.1:27017/")


def test_without_backends_the_service_runs_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    assert IssuerSettings().embedded
    assert IssuerSettings(kafka_bootstrap_servers="k:9092").kafka_bootstrap_servers == "k:9092"
