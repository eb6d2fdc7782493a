"""Batch issuing: jobs with progress, per-row errors that do not stop the batch, no duplicates."""

from __future__ import annotations

import time

from skillpass.issuer.adapters.signing import ProcessPoolSigner
from skillpass.issuer.domain.batches import JobState
from skillpass.issuer.domain.credentials import InvalidCredentialRequest, Suite
from skillpass.issuer.domain.recipients import DidRecipient
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer.handlers import Dependencies
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.testing import (
    FIXED_NOW,
    assert_verifies,
    email,
    memory_dependencies,
    published_for,
    tenant_with_achievement,
    verify_with,
)


def rows(achievement_id: str, count: int) -> tuple[c.IssueRequest | Exception, ...]:
    return tuple(
        c.IssueRequest(achievement_id=achievement_id, recipient=email(f"learner{n}@example.org"))
        for n in range(count)
    )


async def run(
    bus: MessageBus,
    tenant_id: str,
    batch: tuple[c.IssueRequest | Exception, ...],
    suite: Suite = Suite.EDDSA_RDFC_2022,
) -> str:
    job, created = await bus.handle(c.StartBatch(tenant_id=tenant_id, rows=batch, suite=suite))
    assert created
    await bus.handle(
        c.RunBatch(job_id=job.id, tenant_id=tenant_id, rows=batch, chunk_size=50, suite=suite)
    )
    return str(job.id)


async def test_bad_rows_are_reported_and_the_rest_are_issued(
    bus: MessageBus, deps: Dependencies
) -> None:
    cat = await tenant_with_achievement(bus)
    batch = (
        *rows(cat.achievement.id, 3),
        c.IssueRequest(achievement_id="missing", recipient=email("x@example.org")),
        InvalidCredentialRequest("missing-recipient", "row 4 has no recipient"),
        c.IssueRequest(
            achievement_id=cat.achievement.id,
            recipient=DidRecipient(did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
        ),
    )
    job_id = await run(bus, cat.tenant.id, batch)
    job = await deps.batch_jobs.get(job_id)
    assert job is not None
    assert job.state is JobState.COMPLETED
    assert (job.total, job.processed) == (6, 6)
    assert [(e.row, e.code) for e in job.errors] == [
        (3, "unknown-achievement"),
        (4, "missing-recipient"),
    ]
    assert [r.row for r in job.results] == [0, 1, 2, 5]
    for result in job.results:
        record = await deps.credentials.get(result.credential_id)
        assert record is not None
        assert record.batch_job_id == job_id


async def test_a_resubmitted_batch_is_the_same_job(bus: MessageBus) -> None:
    cat = await tenant_with_achievement(bus)
    batch = rows(cat.achievement.id, 2)
    first, created = await bus.handle(
        c.StartBatch(tenant_id=cat.tenant.id, rows=batch, idempotency_key="b1")
    )
    again, created_again = await bus.handle(
        c.StartBatch(tenant_id=cat.tenant.id, rows=batch, idempotency_key="b1")
    )
    assert created
    assert not created_again
    assert again.id == first.id


async def test_rerunning_a_job_issues_no_duplicates(bus: MessageBus, deps: Dependencies) -> None:
    cat = await tenant_with_achievement(bus)
    batch = rows(cat.achievement.id, 5)
    job_id = await run(bus, cat.tenant.id, batch)
    await bus.handle(c.RunBatch(job_id=job_id, tenant_id=cat.tenant.id, rows=batch))
    job = await deps.batch_jobs.get(job_id)
    assert job is not None
    assert len({r.credential_id for r in job.results}) == 5
    assert len(await deps.credentials.pending(limit=100)) == 5


async def test_batch_signed_in_worker_processes_verifies() -> None:
    async with ProcessPoolSigner(workers=2, chunk_size=4) as signer:
        deps = memory_dependencies(signer=signer)
        bus = MessageBus(deps)
        cat = await tenant_with_achievement(bus)
        job_id = await run(bus, cat.tenant.id, rows(cat.achievement.id, 10))
        job = await deps.batch_jobs.get(job_id)
        assert job is not None
        assert len(job.results) == 10
        record = await deps.credentials.get(job.results[-1].credential_id)
        assert record is not None
        assert_verifies(
            verify_with(await published_for(deps, record.credential), record.credential, FIXED_NOW)
        )


async def test_a_batch_of_ten_thousand_completes_with_progress_and_no_duplicates(
    bus: MessageBus, deps: Dependencies
) -> None:
    cat = await tenant_with_achievement(bus)
    batch = rows(cat.achievement.id, 10_000)
    job, _ = await bus.handle(
        c.StartBatch(tenant_id=cat.tenant.id, rows=batch, suite=Suite.EDDSA_JCS_2022)
    )
    seen: list[int] = []
    record = deps.batch_jobs.record

    async def watching_record(job_id: str, results: object, errors: object) -> None:
        await record(job_id, results, errors)  # type: ignore[arg-type]
        progress = await deps.batch_jobs.get(job_id)
        assert progress is not None
        seen.append(progress.processed)

    deps.batch_jobs.record = watching_record  # type: ignore[method-assign]
    started = time.perf_counter()
    await bus.handle(
        c.RunBatch(
            job_id=job.id,
            tenant_id=cat.tenant.id,
            rows=batch,
            suite=Suite.EDDSA_JCS_2022,
            chunk_size=500,
        )
    )
    elapsed = time.perf_counter() - started
    done = await deps.batch_jobs.get(job.id)
    assert done is not None
    assert done.state is JobState.COMPLETED
    assert done.errors == ()
    ids = [r.credential_id for r in done.results]
    assert len(ids) == len(set(ids)) == 10_000
    positions = set()
    for credential_id in ids:
        stored = await deps.credentials.get(credential_id)
        assert stored is not None
        positions.add((stored.status.list_id, stored.status.index))
    assert len(positions) == 10_000
    assert seen == list(range(500, 10_001, 500))
    print(f"10,000 credentials in {elapsed:.1f}s")
