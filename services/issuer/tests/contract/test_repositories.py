"""The repository ports' contract, run over the memory twin and MongoDB."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from skillpass.events.v1 import credentials_pb2 as pb
from skillpass.issuer.adapters.key_vault import KeyVaultError, SecretBoxKeyVault
from skillpass.issuer.bootstrap import Repositories
from skillpass.issuer.domain.achievements import new_achievement
from skillpass.issuer.domain.batches import BatchJob, JobState, RowError, RowResult, chunk_id
from skillpass.issuer.domain.credentials import (
    CredentialState,
    Evidence,
    IssuedCredential,
    ResultValue,
    StatusAction,
    StatusChange,
    StatusPosition,
    Suite,
)
from skillpass.issuer.domain.pathways import (
    Holding,
    Rule,
    RuleKind,
    new_pathway,
)
from skillpass.issuer.domain.recipients import subject_identity
from skillpass.issuer.domain.status_lists import new_status_list
from skillpass.issuer.domain.tenants import new_tenant
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer.batch_work import BatchChunk, BatchRow, PreparedRow
from skillpass.issuer.service_layer.outgoing import credential_issued, status_changed
from skillpass.issuer.service_layer.ports import (
    Added,
    AlreadyExistsError,
    ConflictError,
    Existing,
    NewCredential,
    PositionTaken,
    PublishedList,
)
from skillpass.issuer.testing import FIXED_NOW, TEST_KEK, email, sample_definition, sample_profile
from skillpass.vc.keys import SigningKey
from skillpass.vc.status import StatusPurpose

pytestmark = pytest.mark.timeout(60)


def credential(n: int, *, list_id: str = "list-1", index: int | None = None) -> IssuedCredential:
    subject = subject_identity(email(f"l{n}@example.org"), salt=f"salt{n}", pepper=b"p")
    return IssuedCredential(
        id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        tenant_id="uni",
        issuer_did="did:web:issuer.test:issuers:uni",
        achievement_id="a1",
        achievement_version=1,
        subject=subject,
        status=StatusPosition(list_id=list_id, index=n if index is None else index),
        credential={"id": f"urn:uuid:{n}", "credentialSubject": {"a.b": 1.5, "$x": [1, "ü"]}},
        issued_at=FIXED_NOW,
        valid_from=FIXED_NOW,
        valid_until=FIXED_NOW + timedelta(days=1, microseconds=7),
        request_fingerprint="fp",
    )


def new(record: IssuedCredential) -> NewCredential:
    return NewCredential(
        record=record, events=[credential_issued(record, event_id=f"e-{record.id}", now=FIXED_NOW)]
    )


# --------------------------------------------------------------------------- keys


async def test_vault_keeps_keys_sealed_and_returns_them(repositories: Repositories) -> None:
    vault = SecretBoxKeyVault(repositories.sealed_keys, kek=TEST_KEK)
    key = SigningKey.from_seed(bytes(32))
    await vault.put("uni#key-1", key)
    loaded = await vault.get("uni#key-1")
    assert loaded is not None
    assert loaded.public_key == key.public_key
    sealed = await repositories.sealed_keys.get("uni#key-1")
    assert sealed is not None
    assert key.export_secret_key_multibase().encode() not in sealed
    assert await vault.get("uni#key-2") is None
    with pytest.raises(AlreadyExistsError):
        await vault.put("uni#key-1", key)


async def test_vault_refuses_a_wrong_kek_or_a_moved_key(repositories: Repositories) -> None:
    vault = SecretBoxKeyVault(repositories.sealed_keys, kek=TEST_KEK)
    await vault.put("uni#key-1", SigningKey.from_seed(bytes(32)))
    with pytest.raises(KeyVaultError):
        await SecretBoxKeyVault(repositories.sealed_keys, kek=bytes(32)).get("uni#key-1")
    sealed = await repositories.sealed_keys.get("uni#key-1")
    assert sealed is not None
    await repositories.sealed_keys.put("other#key-1", sealed)
    with pytest.raises(KeyVaultError):
        await vault.get("other#key-1")


# ------------------------------------------------------------------------ tenants


async def test_tenants_round_trip_and_slugs_are_unique(repositories: Repositories) -> None:
    tenant = new_tenant(
        slug="uni", profile=sample_profile(), public_host="h.test:8443", now=FIXED_NOW
    )
    assert tenant.did == "did:web:h.test%3A8443:issuers:uni"
    await repositories.tenants.add(tenant)
    with pytest.raises(AlreadyExistsError):
        await repositories.tenants.add(tenant)
    rotated = tenant.with_new_key(public_key_multibase="z6Mk1", now=FIXED_NOW).with_new_key(
        public_key_multibase="z6Mk2", now=FIXED_NOW + timedelta(microseconds=1)
    )
    await repositories.tenants.save(rotated)
    assert await repositories.tenants.get("uni") == rotated
    assert await repositories.tenants.list() == [rotated]
    assert await repositories.tenants.get("nope") is None


# ------------------------------------------------------------------- achievements


async def test_achievements_keep_every_version(repositories: Repositories) -> None:
    first = new_achievement(
        achievement_id="a1", tenant_id="uni", definition=sample_definition(), now=FIXED_NOW
    )
    await repositories.achievements.add(first)
    second = first.revise(
        sample_definition("Renamed", credits=2.5), now=FIXED_NOW + timedelta(hours=1)
    )
    await repositories.achievements.save_revision(second)
    assert await repositories.achievements.get("a1") == second
    assert await repositories.achievements.get_version("a1", 1) == first
    assert await repositories.achievements.get_version("a1", 3) is None
    with pytest.raises(ConflictError):
        await repositories.achievements.save_revision(second)  # stale: latest is already 2
    other = new_achievement(
        achievement_id="a2", tenant_id="other", definition=sample_definition(), now=FIXED_NOW
    )
    await repositories.achievements.add(other)
    assert [a.id for a in await repositories.achievements.list_for_tenant("uni")] == ["a1"]


# ----------------------------------------------------------------------- pathways


async def test_pathways_are_found_by_component(repositories: Repositories) -> None:
    pathway = new_pathway(
        pathway_id="p1",
        tenant_id="uni",
        issuer_did="did:web:x",
        name="Stack",
        target_achievement_id="t",
        rule=Rule(kind=RuleKind.N_OF, components=("a", "b"), n=1),
        accepted_issuers=("did:web:partner",),
        now=FIXED_NOW,
    )
    await repositories.pathways.add(pathway)
    assert await repositories.pathways.get("p1") == pathway
    assert await repositories.pathways.with_component("b") == [pathway]
    assert await repositories.pathways.with_component("t") == []
    assert await repositories.pathways.list_for_tenant("uni") == [pathway]


# -------------------------------------------------------------------- credentials


async def test_a_credential_is_stored_with_its_event_in_one_write(
    repositories: Repositories,
) -> None:
    repo = repositories.credentials
    record = credential(1)
    assert await repo.add(new(record)) == Added(record)
    assert await repo.get(record.id) == record
    (batch,) = await repo.pending(limit=10)
    assert batch.document_id == record.id
    (event,) = batch.events
    assert pb.CredentialIssued.FromString(event.event.data).credential_id == record.id
    await repo.remove(batch)
    assert await repo.pending(limit=10) == []


async def test_same_id_is_an_idempotent_retry_and_same_position_is_refused(
    repositories: Repositories,
) -> None:
    repo = repositories.credentials
    first = credential(1, index=42)
    await repo.add(new(first))
    retry = replace(first, request_fingerprint="other")
    assert await repo.add(new(retry)) == Existing(first)
    clash = credential(2, index=42)
    assert isinstance(await repo.add(new(clash)), PositionTaken)
    assert await repo.get(clash.id) is None  # nothing written, no position leaked
    assert await repo.taken_positions("list-1") == {42}
    assert len(await repo.pending(limit=10)) == 1


async def test_add_many_reports_each_outcome_in_order(repositories: Repositories) -> None:
    repo = repositories.credentials
    await repo.add(new(credential(1, index=1)))
    outcomes = await repo.add_many(
        [
            new(credential(2, index=2)),
            new(credential(1, index=9)),
            new(credential(3, index=2)),
            new(credential(4, index=4)),
        ]
    )
    assert [type(o).__name__ for o in outcomes] == ["Added", "Existing", "PositionTaken", "Added"]
    assert await repo.count_in_list("list-1") == 3
    assert await repo.taken_positions("list-1") == {1, 2, 4}


async def test_status_changes_are_guarded_and_flag_positions(repositories: Repositories) -> None:
    repo = repositories.credentials
    record = credential(7)
    await repo.add(new(record))
    revoked = record.change_status(
        StatusChange(action=StatusAction.REVOKE, reason="r", at=FIXED_NOW)
    )
    event = status_changed(record, StatusAction.REVOKE, "r", event_id="s-1", now=FIXED_NOW)
    await repo.replace(record, revoked, [event])
    with pytest.raises(ConflictError):
        await repo.replace(record, revoked, [])  # stale
    assert await repo.get(record.id) == revoked
    assert await repo.set_positions("list-1", StatusPurpose.REVOCATION) == {7}
    assert await repo.set_positions("list-1", StatusPurpose.SUSPENSION) == set()
    (batch,) = await repo.pending(limit=10)
    assert [e.event.type for e in batch.events] == [
        "issuer.credential.issued.v1",
        "issuer.credential.status-changed.v1",
    ]
    other = credential(8, list_id="list-2", index=3)
    await repo.add(new(other))
    suspended = other.change_status(
        StatusChange(action=StatusAction.SUSPEND, reason="", at=FIXED_NOW)
    )
    await repo.replace(other, suspended, [])
    assert await repo.set_positions("list-2", StatusPurpose.SUSPENSION) == {3}
    assert await repo.set_positions("list-1", StatusPurpose.SUSPENSION) == set()
    lifted = suspended.change_status(
        StatusChange(action=StatusAction.REINSTATE, reason="", at=FIXED_NOW)
    )
    await repo.replace(suspended, lifted, [])
    assert await repo.set_positions("list-2", StatusPurpose.SUSPENSION) == set()
    assert await repo.set_positions("list-1", StatusPurpose.REVOCATION) == {7}


# ------------------------------------------------------------------- status lists


async def test_current_list_is_the_newest_that_is_not_full(repositories: Repositories) -> None:
    lists = repositories.status_lists
    assert await lists.current("uni") is None
    older = new_status_list(list_id="l1", tenant_id="uni", now=FIXED_NOW)
    newer = new_status_list(list_id="l2", tenant_id="uni", now=FIXED_NOW + timedelta(seconds=1))
    await lists.add(older)
    await lists.add(newer)
    await lists.add(
        new_status_list(list_id="l3", tenant_id="other", now=FIXED_NOW + timedelta(hours=1))
    )
    assert await lists.current("uni") == newer
    await lists.mark_full("l2")
    assert await lists.current("uni") == older
    assert await lists.get("l2") == newer.filled()


async def test_published_lists_round_trip(repositories: Repositories) -> None:
    lists = repositories.status_lists
    assert await lists.published("l1", StatusPurpose.REVOCATION) is None
    published = PublishedList(
        list_id="l1",
        purpose=StatusPurpose.REVOCATION,
        encoded_list="uH4sI",
        credential={"id": "x", "proof": [{"proofValue": "z1"}]},
        etag='"abc"',
        signed_at=FIXED_NOW,
    )
    await lists.publish(published)
    await lists.publish(replace(published, etag='"def"'))
    assert await lists.published("l1", StatusPurpose.REVOCATION) == replace(published, etag='"def"')
    assert await lists.published("l1", StatusPurpose.SUSPENSION) is None


# ------------------------------------------------------------------------ batches


def _chunk(job_id: str, number: int, rows: tuple[BatchRow, ...]) -> BatchChunk:
    return BatchChunk(
        id=chunk_id(job_id, number),
        job_id=job_id,
        tenant_id="uni",
        suite=Suite.EDDSA_JCS_2022,
        number=number,
        rows=rows,
    )


def _prepared(row: int) -> PreparedRow:
    return PreparedRow(
        row=row,
        request=c.IssueRequest(
            achievement_id="a1",
            recipient=None,
            evidence=(Evidence(id="https://portfolio.example/1", name="Project"),),
            results=(ResultValue(result_description="grade", value="A"),),
            valid_from=FIXED_NOW,
            credits_earned=2.5,
            fingerprint="fp",
        ),
        subject=subject_identity(email(f"l{row}@example.org"), salt="00ff", pepper=b"p"),
    )


async def test_batch_jobs_store_rows_in_chunks_and_report_their_outcomes(
    repositories: Repositories,
) -> None:
    jobs = repositories.batch_jobs
    job = BatchJob(id="j1", tenant_id="uni", total=3, created_at=FIXED_NOW)
    chunks = [
        _chunk("j1", 0, (_prepared(0), RowError(row=1, code="invalid-row", detail="bad"))),
        _chunk("j1", 1, (_prepared(2),)),
    ]
    assert await jobs.add(job, chunks)
    assert not await jobs.add(job, [_chunk("j1", 0, (_prepared(9),))])
    assert await jobs.unfinished() == ["j1"]
    until = FIXED_NOW + timedelta(seconds=30)
    first = await jobs.claim("j1", worker="w1", now=FIXED_NOW, until=until)
    assert first == chunks[0]  # the first attempt's rows, round-tripped exactly
    second = await jobs.claim("j1", worker="w2", now=FIXED_NOW, until=until)
    assert second == chunks[1]
    assert await jobs.claim("j1", worker="w3", now=FIXED_NOW, until=until) is None
    running = await jobs.get("j1")
    assert running is not None
    assert (running.state, running.processed) == (JobState.RUNNING, 0)
    await jobs.finish(
        first.id,
        [RowResult(row=0, credential_id="urn:uuid:0")],
        [RowError(row=1, code="invalid-row", detail="bad")],
    )
    assert not await jobs.complete_if_done("j1", FIXED_NOW)
    await jobs.finish(second.id, [RowResult(row=2, credential_id="urn:uuid:2")], [])
    assert await jobs.complete_if_done("j1", FIXED_NOW)
    done = await jobs.get("j1")
    assert done is not None
    assert (done.state, done.finished_at, done.processed) == (JobState.COMPLETED, FIXED_NOW, 3)
    assert [r.row for r in done.results] == [0, 2]
    assert [e.code for e in done.errors] == ["invalid-row"]
    assert await jobs.unfinished() == []


async def test_batch_chunk_leases_expire_renew_and_release(repositories: Repositories) -> None:
    jobs = repositories.batch_jobs
    await jobs.add(
        BatchJob(id="j2", tenant_id="uni", total=1, created_at=FIXED_NOW),
        [_chunk("j2", 0, (_prepared(0),))],
    )
    lease = timedelta(seconds=30)
    held = await jobs.claim("j2", worker="w1", now=FIXED_NOW, until=FIXED_NOW + lease)
    assert held is not None
    later = FIXED_NOW + timedelta(seconds=20)
    assert await jobs.claim("j2", worker="w2", now=later, until=later + lease) is None
    assert await jobs.renew(held.id, worker="w1", until=later + lease)
    assert not await jobs.renew(held.id, worker="w2", until=later + lease)
    after_first_lease = FIXED_NOW + timedelta(seconds=40)
    assert (
        await jobs.claim("j2", worker="w2", now=after_first_lease, until=after_first_lease + lease)
        is None
    )  # renewed: still w1's
    expired = later + lease + timedelta(seconds=1)
    taken = await jobs.claim("j2", worker="w2", now=expired, until=expired + lease)
    assert taken is not None
    assert not await jobs.renew(taken.id, worker="w1", until=expired + lease)
    await jobs.release(taken.id, worker="w1")  # not w1's any more: nothing happens
    assert await jobs.claim("j2", worker="w3", now=expired, until=expired + lease) is None
    await jobs.release(taken.id, worker="w2")
    again = await jobs.claim("j2", worker="w3", now=expired, until=expired + lease)
    assert again is not None


# ----------------------------------------------------------------------- holdings


async def test_holdings_apply_each_event_once(repositories: Repositories) -> None:
    holdings = repositories.holdings
    holding = Holding(
        credential_id="urn:uuid:1",
        achievement_id="a",
        issuer_did="did:web:x",
        credits=2.5,
        state=CredentialState.ACTIVE,
        subject=credential(1).subject,
        issued_at=FIXED_NOW,
    )
    assert await holdings.apply("k", lambda h: h.with_holding(holding), event_id="e1")
    assert not await holdings.apply(
        "k", lambda h: h.with_state("urn:uuid:1", CredentialState.REVOKED), event_id="e1"
    )
    stored = await holdings.get("k")
    assert stored is not None
    assert stored.holdings == {"urn:uuid:1": holding}
    assert await holdings.get("other") is None
