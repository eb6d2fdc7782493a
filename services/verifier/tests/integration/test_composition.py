"""The composition root: settings from the environment, registries seeded from configuration,
and the embedded mode publishing to the shared in-memory broker."""

from __future__ import annotations

import json
from ipaddress import ip_network
from pathlib import Path

import pytest

from skillpass.events.v1 import verifications_pb2 as pb
from skillpass.platform.auth import DevTokenSigner
from skillpass.platform.bus.memory import MemoryBroker
from skillpass.platform.events import VERIFICATIONS_TOPIC
from skillpass.verifier.entrypoints.http import create_embedded_app
from skillpass.verifier.settings import TrustSeed, VerifierSettings
from skillpass.verifier.testing import TestIssuer
from skillpass.verifier.testing.site import asgi_client, eventually, local_settings, running_app


def test_settings_come_from_the_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLPASS_VERIFIER_FETCH_ALLOW_HTTP", "true")
    monkeypatch.setenv("SKILLPASS_VERIFIER_FETCH_ALLOWED_HOSTS", '["issuer.svc"]')
    monkeypatch.setenv("SKILLPASS_VERIFIER_FETCH_ALLOWED_NETWORKS", '["10.96.0.0/12"]')
    monkeypatch.setenv("SKILLPASS_VERIFIER_CACHE_MAX_TTL_SECONDS", "60")
    monkeypatch.setenv(
        "SKILLPASS_VERIFIER_TRUST_SEEDS", json.dumps([{"did": "did:web:uni.example", "name": "U"}])
    )
    monkeypatch.setenv("SKILLPASS_VERIFIER_REQUIRE_REGISTERED_ISSUER", "1")
    monkeypatch.setenv("MONGODB_URI", "mongodb://db.example:27017/")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9092")
    settings = VerifierSettings()
    assert settings.fetch_allow_http
    assert settings.fetch_allowed_hosts == {"issuer.svc"}
    assert settings.fetch_allowed_networks == (ip_network("10.96.0.0/12"),)
    assert settings.cache_max_ttl_seconds == 60
    assert settings.trust_seeds == (TrustSeed(did="did:web:uni.example", name="U"),)
    assert settings.require_registered_issuer
    assert settings.mongodb_uri is not None
    assert "db.example" not in repr(settings)  # the URI may carry credentials
    assert settings.kafka_bootstrap_servers == "kafka.example:9092"
    assert settings.database_name == "verifier"


async def test_registries_are_seeded_from_configuration(tmp_path: Path) -> None:
    registry_file = tmp_path / "dcc-sandbox.json"
    registry_file.write_text(json.dumps({"entries": {"did:web:dcc.example": {"name": "DCC"}}}))
    settings = local_settings(
        trust_seeds=(TrustSeed(did="did:web:uni.example", name="Uni", scope="acme"),),
        trust_registry_files=(registry_file,),
    )
    async with running_app(settings) as (_, verifier):
        trust = verifier.bus.deps.trust

        async def seeded() -> bool:
            return bool((await trust.get("global")).issuers)

        await eventually(seeded)
        assert list((await trust.get("global")).issuers) == ["did:web:dcc.example"]
        assert (await trust.get("global")).issuers["did:web:dcc.example"].registry == "dcc-sandbox"
        assert list((await trust.get("acme")).issuers) == ["did:web:uni.example"]


async def test_embedded_mode_publishes_to_the_shared_broker(web_issuer: TestIssuer) -> None:
    broker = MemoryBroker()
    signer = DevTokenSigner(issuer="skillpass-dev", audience="skillpass")
    app = create_embedded_app(
        memory_broker=broker, tokens=signer.verifier(), settings=local_settings()
    )
    async with asgi_client(app) as (client, _):
        response = await client.post(
            "/credentials/verify", json={"verifiableCredential": web_issuer.credential()}
        )
        verification_id = response.json()["verificationId"]

        async def published() -> bool:
            return bool(broker.records(VERIFICATIONS_TOPIC))

        await eventually(published)
    [record] = broker.records(VERIFICATIONS_TOPIC)
    assert record.key == verification_id.encode()
    assert pb.VerificationCompleted.FromString(record.value).verification_id == verification_id
