"""The verification log and trust registry repositories: one suite, run on the in-memory store
and on the real MongoDB-wire server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from skillpass.events.v1 import verifications_pb2 as pb
from skillpass.platform.cloudevents import new_event
from skillpass.platform.store.memory import MemoryAggregateStore
from skillpass.platform.store.mongo import MongoAggregateStore
from skillpass.platform.store.port import AggregateStore
from skillpass.vc.result import Check, VerificationResult
from skillpass.verifier.adapters.repositories import (
    StoreTrustRegistryRepository,
    StoreVerificationRepository,
)
from skillpass.verifier.domain.report import (
    CredentialReport,
    Kind,
    Requester,
    VerificationReport,
)
from skillpass.verifier.domain.trust import TrustedIssuer
from skillpass.verifier.service_layer.ports import RegistryChange

NOW = datetime(2027, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.mongo)])
def store(request: pytest.FixtureRequest) -> AggregateStore:
    if request.param == "memory":
        return MemoryAggregateStore()
    database = request.getfixturevalue("mongo_database")
    return MongoAggregateStore(database[f"aggregates_{uuid.uuid4().hex[:8]}"])


def presentation_report() -> VerificationReport:
    return VerificationReport(
        id=str(uuid.uuid4()),
        kind=Kind.PRESENTATION,
        completed_at=NOW,
        requester=Requester(subject="hr@acme", tenant="acme"),
        presentation=VerificationResult.of(
            [
                Check.passed("proof", "ok", index=0, verificationMethod="did:key:z6Mk#z6Mk"),
                Check.failed("challenge", "no challenge"),
            ],
            ["challenge not checked"],
        ),
        credentials=(
            CredentialReport(
                credential_id="urn:uuid:1",
                issuer="did:web:uni.example",
                result=VerificationResult.of(
                    [
                        Check.passed("proof", "ok"),
                        Check.error("status.revocation", "could not be checked", code="X"),
                        Check.skipped("trust", "not registered"),
                    ],
                    ["not registered"],
                ),
            ),
            CredentialReport(
                credential_id=None,
                issuer=None,
                result=VerificationResult.of([Check.failed("data_model", "not an object")]),
            ),
        ),
    )


async def test_a_stored_report_reads_back_equal(store: AggregateStore) -> None:
    repository = StoreVerificationRepository(store)
    report = presentation_report()
    await repository.add(report, events=[])
    assert await repository.get(report.id) == report


async def test_an_unknown_report_is_none(store: AggregateStore) -> None:
    assert await StoreVerificationRepository(store).get("nope") is None


async def test_a_report_is_stored_with_its_event_in_one_write(store: AggregateStore) -> None:
    repository = StoreVerificationRepository(store)
    report = presentation_report()
    event = new_event(
        pb.VerificationCompleted(verification_id=report.id),
        source="test",
        subject=report.id,
        time=NOW,
    )
    await repository.add(report, events=[event])
    [batch] = await store.pending(limit=10)
    assert batch.document_id == report.id
    assert [p.event.id for p in batch.events] == [event.event.id]


async def test_an_empty_registry_is_returned_for_a_new_scope(store: AggregateStore) -> None:
    registry = await StoreTrustRegistryRepository(store).get("acme")
    assert registry.scope == "acme"
    assert registry.issuers == {}


async def test_registry_entries_read_back_with_every_field(store: AggregateStore) -> None:
    repository = StoreTrustRegistryRepository(store)
    entry = TrustedIssuer(
        did="did:web:uni.example:issuers:cs",
        name="CS Faculty",
        scope="acme",
        url="https://uni.example",
        accreditation_body="Ministry",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=datetime(2030, 1, 1, tzinfo=UTC),
        registry="api",
    )
    await repository.update("acme", lambda r: r.put(entry))
    assert (await repository.get("acme")).issuers == {entry.did: entry}
    assert await repository.entries_for(entry.did, ["global", "acme"]) == [entry]
    assert await repository.entries_for(entry.did, ["global"]) == []


async def test_concurrent_registry_updates_are_all_kept(store: AggregateStore) -> None:
    repository = StoreTrustRegistryRepository(store)
    dids = [f"did:web:issuer{i}.example" for i in range(8)]

    def adding(did: str) -> RegistryChange:
        return lambda registry: registry.put(TrustedIssuer(did=did, name=did))

    await asyncio.gather(*(repository.update("global", adding(did)) for did in dids))
    assert sorted((await repository.get("global")).issuers) == sorted(dids)


async def test_removing_and_syncing_registries(store: AggregateStore) -> None:
    repository = StoreTrustRegistryRepository(store)
    manual = TrustedIssuer(did="did:web:manual.example", name="Manual")
    imported = [TrustedIssuer(did=f"did:web:dcc{i}.example", name=f"DCC {i}") for i in range(3)]
    await repository.update("global", lambda r: r.put(manual))
    await repository.update("global", lambda r: r.synced(imported, registry_name="DCC"))
    await repository.update("global", lambda r: r.synced(imported[:1], registry_name="DCC"))
    await repository.update("global", lambda r: r.remove("did:web:manual.example"))
    registry = await repository.get("global")
    assert list(registry.issuers) == ["did:web:dcc0.example"]
    assert registry.issuers["did:web:dcc0.example"].registry == "DCC"
