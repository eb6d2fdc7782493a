"""Settings: read from the environment with the SKILLPASS_ISSUER_ prefix; secrets stay secret."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from skillpass.issuer.domain.tenants import issuer_did
from skillpass.issuer.settings import IssuerSettings


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    kek = base64.b64encode(bytes(range(32))).decode()
    monkeypatch.setenv("SKILLPASS_ISSUER_PUBLIC_BASE_URL", "https://issuer.example:8443/")
    monkeypatch.setenv("SKILLPASS_ISSUER_KEK", kek)
    monkeypatch.setenv("MONGODB_URI", "mongodb://db.example:27017")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9092")
    settings = IssuerSettings()
    assert settings.public_base_url == "https://issuer.example:8443"
    assert settings.public_host == "issuer.example:8443"
    assert settings.kek_bytes() == bytes(range(32))
    assert settings.kafka_bootstrap_servers == "kafka.example:9092"
    assert not settings.embedded
    assert kek not in repr(settings)
    assert settings.database_name == "issuer"


def test_a_kek_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValidationError):
        IssuerSettings(kek="c2hvcnQ=")
    assert IssuerSettings(kek="00" * 32).kek_bytes() == bytes(32)


def test_public_base_url_must_be_an_origin() -> None:
    with pytest.raises(ValidationError):
        IssuerSettings(public_base_url="https://issuer.example/api")


def test_did_web_percent_encodes_the_port() -> None:
    assert issuer_did("localhost:8001", "uni") == "did:web:localhost%3A8001:issuers:uni"
    assert issuer_did("issuer.example", "uni") == "did:web:issuer.example:issuers:uni"
