"""The use cases end to end on each storage backend (memory and MongoDB)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from skillpass.issuer.bootstrap import Repositories
from skillpass.issuer.domain.batches import JobState
from skillpass.issuer.domain.credentials import StatusAction, Suite
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.testing import (
    FIXED_NOW,
    assert_verifies,
    email,
    memory_dependencies,
    problems,
    published_for,
    run_batches,
    tenant_with_achievement,
    verify_with,
)
from skillpass.platform.mongo import MongoDatabase

pytestmark = pytest.mark.timeout(90)


async def test_issue_revoke_and_serve_the_list(repositories: Repositories) -> None:
    deps = memory_dependencies(repositories=repositories)
    bus = MessageBus(deps)
    cat = await tenant_with_achievement(bus)
    result = await bus.handle(
        c.IssueCredential(
            tenant_id=cat.tenant.id,
            request=c.IssueRequest(achievement_id=cat.achievement.id, recipient=email("a@b.org")),
            idempotency_key="once",
        )
    )
    vc = result.record.credential
    assert_verifies(verify_with(await published_for(deps, vc), vc, FIXED_NOW))
    await bus.handle(
        c.ChangeStatus(
            credential_id=vc["id"], tenant_id=cat.tenant.id, action=StatusAction.REVOKE, reason="x"
        )
    )
    report = verify_with(await published_for(deps, vc), vc, FIXED_NOW)
    assert [p.split(":")[0] for p in problems(report)] == ["status.revocation"]


async def test_batch_issues_every_row_once(repositories: Repositories) -> None:
    deps = memory_dependencies(repositories=repositories)
    bus = MessageBus(deps)
    cat = await tenant_with_achievement(bus)
    rows = tuple(
        c.IssueRequest(achievement_id=cat.achievement.id, recipient=email(f"l{n}@example.org"))
        for n in range(300)
    )
    job, _ = await bus.handle(
        c.StartBatch(tenant_id=cat.tenant.id, rows=rows, suite=Suite.EDDSA_JCS_2022, chunk_size=100)
    )
    # A worker claims a chunk and dies at once (its lease is already over): others take it.
    chunk = await deps.batch_jobs.claim(
        job.id, worker="dies", now=FIXED_NOW, until=FIXED_NOW - timedelta(seconds=1)
    )
    assert chunk is not None
    assert await run_batches(bus) == 3
    await bus.handle(c.RunBatchChunk(chunk=chunk))  # a late duplicate run changes nothing
    done = await deps.batch_jobs.get(job.id)
    assert done is not None
    assert done.state is JobState.COMPLETED
    assert len(done.results) == len({r.credential_id for r in done.results}) == 300
    list_id = (await deps.credentials.get(done.results[0].credential_id)).status.list_id  # type: ignore[union-attr]
    assert await deps.credentials.count_in_list(list_id) == 300


async def test_batch_rows_wait_in_the_store_without_the_recipient_in_clear(
    repositories: Repositories, database: MongoDatabase | None
) -> None:
    deps = memory_dependencies(repositories=repositories)
    bus = MessageBus(deps)
    cat = await tenant_with_achievement(bus)
    rows = (c.IssueRequest(achievement_id=cat.achievement.id, recipient=email("Ada@Example.org")),)
    job, _ = await bus.handle(c.StartBatch(tenant_id=cat.tenant.id, rows=rows))
    if database is None:
        stored = [str(doc) for doc in repositories.batch_jobs._chunks.values()]  # type: ignore[attr-defined]
    else:
        stored = [str(doc) async for doc in database["batch_chunks"].find({"job_id": job.id})]
    assert len(stored) == 1
    assert "example.org" not in stored[0].lower()
    assert "sha256$" in stored[0]
