"""Batch issuing: jobs with progress, per-row errors that do not stop the batch, no duplicates."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from skillpass.issuer.adapters.signing import ProcessPoolSigner
from skillpass.issuer.domain.batches import JobState, RowError, RowResult
from skillpass.issuer.domain.credentials import InvalidCredentialRequest, Suite
from skillpass.issuer.domain.recipients import DidRecipient
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer.batch_runner import BatchWorker
from skillpass.issuer.service_layer.handlers import Dependencies
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.testing import (
    FIXED_NOW,
    FixedClock,
    assert_verifies,
    email,
    memory_dependencies,
    published_for,
    run_batches,
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
    job, created = await bus.handle(
        c.StartBatch(tenant_id=tenant_id, rows=batch, suite=suite, chunk_size=50)
    )
    assert created
    await run_batches(bus)
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


async def test_a_chunk_run_twice_issues_nothing_twice(bus: MessageBus, deps: Dependencies) -> None:
    """A worker that dies after storing credentials but before recording the chunk: whoever runs
    the chunk again finds the credentials (ids fixed per row) and issues none again."""
    cat = await tenant_with_achievement(bus)
    job, _ = await bus.handle(
        c.StartBatch(tenant_id=cat.tenant.id, rows=rows(cat.achievement.id, 5))
    )
    chunk = await deps.batch_jobs.claim(
        job.id, worker="w1", now=FIXED_NOW, until=FIXED_NOW + timedelta(seconds=30)
    )
    assert chunk is not None
    await bus.handle(c.RunBatchChunk(chunk=chunk))
    await bus.handle(c.RunBatchChunk(chunk=chunk))
    done = await deps.batch_jobs.get(job.id)
    assert done is not None
    assert done.state is JobState.COMPLETED
    assert len({r.credential_id for r in done.results}) == 5
    assert len(await deps.credentials.pending(limit=100)) == 5


async def test_a_chunk_held_by_a_dead_worker_is_taken_over_when_its_lease_runs_out(
    bus: MessageBus, deps: Dependencies, clock: FixedClock
) -> None:
    cat = await tenant_with_achievement(bus)
    job, _ = await bus.handle(
        c.StartBatch(tenant_id=cat.tenant.id, rows=rows(cat.achievement.id, 6), chunk_size=3)
    )
    lease = timedelta(seconds=30)
    dead = await deps.batch_jobs.claim(
        job.id, worker="dead", now=clock.now(), until=clock.now() + lease
    )
    assert dead is not None
    survivor = BatchWorker(bus, worker_id="survivor", lease=lease)
    assert await survivor.drain() == 1  # the other chunk; the dead worker's is still leased
    still = await deps.batch_jobs.get(job.id)
    assert still is not None
    assert (still.state, still.processed) == (JobState.RUNNING, 3)
    clock.advance(lease + timedelta(seconds=1))
    assert await survivor.drain() == 1
    done = await deps.batch_jobs.get(job.id)
    assert done is not None
    assert (done.state, done.processed, len({r.credential_id for r in done.results})) == (
        JobState.COMPLETED,
        6,
        6,
    )


async def test_a_job_accepted_by_one_process_is_run_by_another(deps: Dependencies) -> None:
    """The rows are stored with the job: a restarted (or any other) process finishes it."""
    accepting = MessageBus(deps)
    cat = await tenant_with_achievement(accepting)
    job, _ = await accepting.handle(
        c.StartBatch(tenant_id=cat.tenant.id, rows=rows(cat.achievement.id, 4), chunk_size=2)
    )
    restarted = MessageBus(deps)  # same stores, a new process's bus and worker
    assert await run_batches(restarted, worker_id="after-restart") == 2
    done = await deps.batch_jobs.get(job.id)
    assert done is not None
    assert done.state is JobState.COMPLETED
    assert len(done.results) == 4


async def test_a_resubmitted_batch_is_not_stored_twice(bus: MessageBus, deps: Dependencies) -> None:
    cat = await tenant_with_achievement(bus)
    batch = rows(cat.achievement.id, 3)
    first, _ = await bus.handle(
        c.StartBatch(tenant_id=cat.tenant.id, rows=batch, idempotency_key="k")
    )
    await run_batches(bus)
    again, created = await bus.handle(
        c.StartBatch(tenant_id=cat.tenant.id, rows=batch, idempotency_key="k")
    )
    assert not created
    assert again.id == first.id
    assert again.state is JobState.COMPLETED
    assert await run_batches(bus) == 0
    assert len(await deps.credentials.pending(limit=100)) == 3


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
        c.StartBatch(
            tenant_id=cat.tenant.id, rows=batch, suite=Suite.EDDSA_JCS_2022, chunk_size=500
        )
    )
    seen: list[int] = []
    finish = deps.batch_jobs.finish

    async def watching_finish(
        chunk_id: str, results: Sequence[RowResult], errors: Sequence[RowError]
    ) -> None:
        await finish(chunk_id, results, errors)
        progress = await deps.batch_jobs.get(job.id)
        assert progress is not None
        seen.append(progress.processed)

    deps.batch_jobs.finish = watching_finish  # type: ignore[method-assign]
    started = time.perf_counter()
    await run_batches(bus)
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
