"""Test kit for the issuer (its own tests, and e2e tests elsewhere): a fixed clock, seeded ids and
randomness, the service on in-memory adapters, sample catalogue entries, and a verifier's view
(DID resolver and status list source) over what the issuer serves."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from skillpass.issuer.adapters.signing import InlineSigner
from skillpass.issuer.bootstrap import Repositories, build_dependencies, memory_repositories
from skillpass.issuer.domain.achievements import Achievement, AchievementDefinition, Alignment
from skillpass.issuer.domain.achievements import ResultDescription as ResultDef
from skillpass.issuer.domain.recipients import IdentifierRecipient, IdentityType
from skillpass.issuer.domain.tenants import Profile, Tenant, did_document
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer import views
from skillpass.issuer.service_layer.batch_runner import BatchWorker
from skillpass.issuer.service_layer.handlers import Dependencies
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.service_layer.ports import SignerExecutor
from skillpass.platform.consumer import EventConsumer
from skillpass.platform.relay import OutboxRelay
from skillpass.platform.store import OutboxBatch, OutboxSource
from skillpass.vc.credentials import verify
from skillpass.vc.result import VerificationResult

FIXED_NOW: Final = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BASE_URL: Final = "https://issuer.skillpass.test"
PUBLIC_HOST: Final = "issuer.skillpass.test"
TEST_KEK: Final = bytes(range(32))


class FixedClock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class SeededIds:
    def __init__(self, seed: int = 1) -> None:
        self._random = random.Random(seed)  # noqa: S311 - deterministic test ids

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))


def memory_dependencies(
    *,
    repositories: Repositories | None = None,
    signer: SignerExecutor | None = None,
    clock: FixedClock | None = None,
    seed: int = 7,
) -> Dependencies:
    return build_dependencies(
        repositories or memory_repositories(),
        base_url=BASE_URL,
        public_host=PUBLIC_HOST,
        kek=TEST_KEK,
        pepper=b"test pepper",
        signer=signer or InlineSigner(),
        clock=clock or FixedClock(),
        ids=SeededIds(seed),
        rng=random.Random(seed),  # noqa: S311 - deterministic in tests
    )


def sample_profile(name: str = "Example Institute of Technology") -> Profile:
    return Profile(
        name=name,
        url="https://institute.example/",
        email="badges@institute.example",
        description="A test institution.",
    )


def sample_definition(
    name: str = "Data Analysis Fundamentals", credits: float = 5
) -> AchievementDefinition:
    return AchievementDefinition(
        name=name,
        description=f"{name}: cleans, explores and visualises tabular data.",
        criteria_narrative="Pass four graded assignments and a final project.",
        achievement_type="Certificate",
        alignment=(
            Alignment(
                target_name="Analyse data",
                target_url="https://esco.example/skill/analyse-data",
                target_framework="ESCO",
                target_code="S2.8.1",
            ),
        ),
        tags=("data", "statistics"),
        credits_available=credits,
        result_descriptions=(
            ResultDef(
                id="grade",
                name="Final grade",
                result_type="LetterGrade",
                allowed_value=("A", "B", "C", "D"),
            ),
        ),
    )


def email(address: str) -> IdentifierRecipient:
    return IdentifierRecipient(identity_type=IdentityType.EMAIL, value=address)


@dataclass(frozen=True, slots=True)
class Catalogue:
    tenant: Tenant
    achievement: Achievement


async def tenant_with_achievement(
    bus: MessageBus, slug: str = "example-tech", *, name: str = "Data Analysis Fundamentals"
) -> Catalogue:
    tenant: Tenant = await bus.handle(c.CreateTenant(slug=slug, profile=sample_profile()))
    achievement: Achievement = await bus.handle(
        c.CreateAchievement(tenant_id=tenant.id, definition=sample_definition(name))
    )
    return Catalogue(tenant=tenant, achievement=achievement)


async def run_batches(bus: MessageBus, *, worker_id: str = "test-worker") -> int:
    """Issue every claimable batch chunk now, as the batch worker would in the background; the
    number of chunks run."""
    return await BatchWorker(bus, worker_id=worker_id).drain()


class ForgetfulOutbox:
    """An outbox source whose first ``remove`` of each event is lost, as if the relay crashed
    between publishing and removing: every event is published twice."""

    def __init__(self, source: OutboxSource) -> None:
        self._source = source
        self._seen: set[str] = set()

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        return await self._source.pending(limit=limit)

    async def remove(self, batch: OutboxBatch) -> None:
        again = tuple(p for p in batch.events if p.event.id in self._seen)
        self._seen.update(p.event.id for p in batch.events)
        if again or not batch.events:
            await self._source.remove(replace(batch, events=again))


class Retopic:
    """An outbox source whose events go to ``topic`` (tests with a topic of their own on a
    shared broker)."""

    def __init__(self, source: OutboxSource, topic: str) -> None:
        self._source = source
        self._topic = topic

    async def pending(self, *, limit: int) -> list[OutboxBatch]:
        return [
            replace(b, events=tuple(replace(e, topic=self._topic) for e in b.events))
            for b in await self._source.pending(limit=limit)
        ]

    async def remove(self, batch: OutboxBatch) -> None:
        await self._source.remove(batch)


async def deliver_all(relay: OutboxRelay, consumer: EventConsumer, *, rounds: int = 20) -> None:
    """Relay the outbox and let the consumer process until both are idle (stacked credentials
    write new events, which take another round)."""
    for _ in range(rounds):
        published = await relay.run_once()
        handled = await consumer.poll_once()
        if not published and not handled:
            return
    raise AssertionError("events kept flowing")


@dataclass(frozen=True, slots=True)
class Published:
    """What a verifier could fetch from the issuer right now: DID documents and status lists."""

    dids: Mapping[str, Mapping[str, Any]]
    lists: Mapping[str, Mapping[str, Any]]

    def resolve(self, did: str) -> Mapping[str, Any] | None:
        return self.dids.get(did)

    def status_list(self, url: str) -> Mapping[str, Any] | None:
        return self.lists.get(url)


async def published_for(deps: Dependencies, credential: Mapping[str, Any]) -> Published:
    """Fetch, through the issuer's own views, the DID documents and status lists a verifier
    needs for ``credential``."""
    dids = {t.did: did_document(t) for t in await deps.tenants.list()}
    lists: dict[str, Mapping[str, Any]] = {}
    prefix = f"{deps.base_url}/status-lists/"
    for entry in credential.get("credentialStatus", []):
        url = entry["statusListCredential"]
        published = await views.published_status_list(deps, url[len(prefix) :])
        lists[url] = published.credential
    return Published(dids=dids, lists=lists)


def verify_with(
    published: Published, credential: Mapping[str, Any], now: datetime
) -> VerificationResult:
    return verify(
        credential, resolver=published.resolve, now=now, status_source=published.status_list
    )


def problems(report: VerificationResult) -> list[str]:
    """Every failed or errored check, as ``name: reason``."""
    return [f"{check.name}: {check.reason}" for check in report.failures()]


def assert_verifies(report: VerificationResult) -> None:
    assert report.check("proof") is not None, report.to_json()
    assert problems(report) == [], report.to_json()
