"""What the fault tests and benchmarks do to the real stack and how they look at the result: the
issuer's HTTP API (tenant, achievement, single and batch issues), the events on the broker, and
the documents the services stored (read directly, as an auditor would)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure, PyMongoError

from skillpass.platform.auth import Role
from skillpass.platform.events import CREDENTIAL_ISSUED, CREDENTIALS_TOPIC
from skillpass.platform.store.mongo_outbox import OUTBOX_PENDING
from tests.faults.realstack import Stack


@dataclass(frozen=True, slots=True)
class Catalogue:
    tenant: str
    achievement: str


async def create_catalogue(client: httpx.AsyncClient, stack: Stack, slug: str) -> Catalogue:
    issuer = stack.url("issuer")
    created = await client.post(
        f"{issuer}/tenants",
        json={"slug": slug, "profile": {"name": f"Institute {slug}"}},
        headers=stack.headers(Role.PLATFORM_ADMIN),
    )
    created.raise_for_status()
    achievement = await client.post(
        f"{issuer}/tenants/{slug}/achievements",
        json={
            "name": "Data Analysis",
            "description": "Cleans, explores and visualises tabular data.",
            "criteria": {"narrative": "Pass the assignments."},
        },
        headers=stack.headers(Role.ISSUER_ADMIN, tenant=slug),
    )
    achievement.raise_for_status()
    return Catalogue(tenant=slug, achievement=achievement.json()["id"])


def batch_rows(
    catalogue: Catalogue, count: int, *, prefix: str = "learner"
) -> list[dict[str, Any]]:
    return [
        {"achievementId": catalogue.achievement, "recipient": {"email": f"{prefix}{n}@example.org"}}
        for n in range(count)
    ]


async def submit_batch(
    client: httpx.AsyncClient,
    stack: Stack,
    catalogue: Catalogue,
    rows: Sequence[dict[str, Any]],
    *,
    suite: str = "eddsa-rdfc-2022",
    idempotency_key: str | None = None,
) -> str:
    """The job's URL."""
    body: dict[str, Any] = {"rows": list(rows), "suite": suite}
    if idempotency_key is not None:
        body["idempotencyKey"] = idempotency_key
    response = await client.post(
        f"{stack.url('issuer')}/tenants/{catalogue.tenant}/batch-jobs",
        json=body,
        headers=stack.headers(Role.ISSUER_ADMIN, tenant=catalogue.tenant),
        timeout=60.0,
    )
    if response.status_code != 202:
        raise AssertionError(f"batch refused: {response.status_code} {response.text[:500]}")
    return stack.url("issuer") + response.headers["location"]


async def job(
    client: httpx.AsyncClient,
    stack: Stack,
    catalogue: Catalogue,
    url: str,
    *,
    results: bool = False,
) -> dict[str, Any]:
    response = await client.get(
        url + ("/results" if results else ""),
        headers=stack.headers(Role.ISSUER_ADMIN, tenant=catalogue.tenant),
        timeout=30.0,
    )
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


async def issue_one(
    client: httpx.AsyncClient, stack: Stack, catalogue: Catalogue, email: str
) -> httpx.Response:
    return await client.post(
        f"{stack.url('issuer')}/tenants/{catalogue.tenant}/credentials",
        json={"achievementId": catalogue.achievement, "recipient": {"email": email}},
        headers=stack.headers(Role.ISSUER_ADMIN, tenant=catalogue.tenant),
        timeout=30.0,
    )


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float, interval: float = 0.5, what: str
) -> float:
    """Seconds until ``check`` holds; AssertionError naming ``what`` after ``within`` seconds."""
    started = time.monotonic()
    while True:
        try:
            if await check():
                return time.monotonic() - started
        except (httpx.HTTPError, OSError, PyMongoError):
            pass  # a server on its way back
        if time.monotonic() - started > within:
            raise AssertionError(f"{what}: not within {within:.0f}s")
        await asyncio.sleep(interval)


# --------------------------------------------------------------------------------- storage


@dataclass(frozen=True, slots=True)
class Holding:
    credential_id: str
    revision: int  # writes applied to it: 1 for a credential announced once
    inbox: tuple[str, ...]  # the event ids applied


class Databases:
    """Read-only looks into the services' databases (one client, closed with ``aclose``)."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            stack.infra.mongodb_uri, serverSelectionTimeoutMS=5_000
        )

    async def aclose(self) -> None:
        await self._client.close()

    def _db(self, name: str) -> Any:
        return self._client[self._stack.database(name)]

    def collection(self, service: str, name: str) -> Any:
        """A collection of a service's database, to read."""
        return self._db(service)[name]

    async def credential_ids(self, *, tenant: str, job_id: str | None = None) -> list[str]:
        query: dict[str, Any] = {"tenant_id": tenant}
        if job_id is not None:
            query["batch_job_id"] = job_id
        cursor = self._db("issuer")["credentials"].find(query, {"_id": 1})
        return [doc["_id"] async for doc in cursor]

    async def outbox_waiting(self) -> int:
        """Issuer credentials whose events are not yet published (or just published: the marker
        goes in the same write as the outbox is cleared)."""
        return int(
            await self._db("issuer")["credentials"].count_documents(
                {OUTBOX_PENDING: {"$exists": True}}
            )
        )

    async def holdings(self) -> list[Holding]:
        cursor = self._db("wallet")["holdings"].find(
            {}, {"revision": 1, "inbox": 1, "state.summary.credential_id": 1}
        )
        return [
            Holding(
                credential_id=(doc["state"].get("summary") or {}).get("credential_id", ""),
                revision=int(doc["revision"]),
                inbox=tuple(doc.get("inbox", [])),
            )
            async for doc in cursor
        ]

    async def count(self, service: str, collection: str) -> int:
        """The documents in a collection, from its statistics: FerretDB answers `count` by reading
        every document (seconds at tens of thousands, load that polling would add to the server
        under test) and `collStats` from SQLite's row count."""
        try:
            stats = await self._db(service).command("collStats", collection)
        except OperationFailure:  # no such collection yet
            return 0
        return int(stats.get("count", 0))

    async def holdings_count(self) -> int:
        return await self.count("wallet", "holdings")


# ---------------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: str
    type: str
    subject: str


async def read_topic(bootstrap: str, topic: str = CREDENTIALS_TOPIC) -> list[EventRecord]:
    """Every record on ``topic`` now (no consumer group: all partitions, start to end)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        for _ in range(100):
            if consumer.assignment():
                break
            await asyncio.sleep(0.1)
        assigned = sorted(consumer.assignment(), key=lambda tp: tp.partition)
        if not assigned:
            return []
        ends = await consumer.end_offsets(assigned)
        out: list[EventRecord] = []
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for records in batches.values():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers}
                    out.append(
                        EventRecord(
                            id=headers.get("ce_id", ""),
                            type=headers.get("ce_type", ""),
                            subject=headers.get("ce_subject", ""),
                        )
                    )
        return out
    finally:
        await consumer.stop()


@dataclass(frozen=True, slots=True)
class IssuedEvents:
    records: int  # as on the broker (an at-least-once relay may send one event twice)
    distinct: int  # distinct event ids
    credentials: int  # distinct credentials announced
    credentials_with_two_events: int  # credentials announced by more than one event id: a bug


def issued_events(records: Sequence[EventRecord], credential_ids: set[str]) -> IssuedEvents:
    mine = [r for r in records if r.type == CREDENTIAL_ISSUED.type and r.subject in credential_ids]
    ids_per_credential: dict[str, set[str]] = {}
    for record in mine:
        ids_per_credential.setdefault(record.subject, set()).add(record.id)
    return IssuedEvents(
        records=len(mine),
        distinct=len({r.id for r in mine}),
        credentials=len(ids_per_credential),
        credentials_with_two_events=sum(1 for ids in ids_per_credential.values() if len(ids) > 1),
    )


def duplicates(values: Sequence[str]) -> list[str]:
    return [value for value, n in Counter(values).items() if n > 1]
