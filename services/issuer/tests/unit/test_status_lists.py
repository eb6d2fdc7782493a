"""Status list positions: random, free, and a new list when one is full."""

from __future__ import annotations

import random
from dataclasses import replace

from skillpass.issuer.adapters.memory import MemoryCredentialRepository
from skillpass.issuer.bootstrap import memory_repositories
from skillpass.issuer.domain.status_lists import LIST_SIZE, new_status_list, parse_public_id
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.testing import FIXED_NOW, email, memory_dependencies, tenant_with_achievement
from skillpass.vc.status import StatusPurpose


def test_positions_are_drawn_at_random_among_the_free_ones() -> None:
    status_list = new_status_list(list_id="l", tenant_id="t", now=FIXED_NOW)
    assert status_list.size >= 131_072
    rng = random.Random(1)
    taken = set(range(LIST_SIZE)) - {5, 77, 131_000}
    assert sorted(status_list.allocate_many(taken, 5, rng)) == [5, 77, 131_000]
    assert status_list.allocate(set(range(LIST_SIZE)), rng) is None
    spread = status_list.allocate_many(set(), 50, rng)
    assert len(set(spread)) == 50
    assert spread != sorted(spread)  # not sequential: the index says nothing about issue order


def test_public_list_ids_name_the_purpose() -> None:
    assert parse_public_id("3f2a-9c-revocation") == ("3f2a-9c", StatusPurpose.REVOCATION)
    assert parse_public_id("3f2a-suspension") == ("3f2a", StatusPurpose.SUSPENSION)
    assert parse_public_id("3f2a-refresh") is None
    assert parse_public_id("revocation") is None


class NearlyFull(MemoryCredentialRepository):
    """The first list the issuer opens has only two free positions left."""

    def __init__(self) -> None:
        super().__init__()
        self.full_list: str | None = None

    async def taken_positions(self, list_id: str) -> set[int]:
        real = await super().taken_positions(list_id)
        if self.full_list in (None, list_id):
            self.full_list = list_id
            return real | (set(range(LIST_SIZE)) - {10, 20})
        return real


async def test_a_full_list_is_closed_and_the_next_credentials_go_to_a_new_one() -> None:
    credentials = NearlyFull()
    deps = memory_dependencies(repositories=replace(memory_repositories(), credentials=credentials))
    bus = MessageBus(deps)
    cat = await tenant_with_achievement(bus)
    lists = []
    for n in range(4):
        result = await bus.handle(
            c.IssueCredential(
                tenant_id=cat.tenant.id,
                request=c.IssueRequest(
                    achievement_id=cat.achievement.id, recipient=email(f"l{n}@example.org")
                ),
            )
        )
        lists.append((result.record.status.list_id, result.record.status.index))
    first_list = credentials.full_list
    assert sorted(i for lid, i in lists if lid == first_list) == [10, 20]
    assert len({lid for lid, _ in lists}) == 2
    full = await deps.status_lists.get(first_list or "")
    assert full is not None
    assert full.full
