"""The repositories under contract: the memory twins and MongoDB (the real MongoDB-wire server).

Real backends are resolved in sync fixtures (`getfixturevalue` cannot set up the plugin's async
fixtures from inside a running event loop); indexes are created in the async fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from skillpass.platform.mongo import MongoDatabase, ensure_indexes
from skillpass.wallet.adapters import memory, mongo
from skillpass.wallet.service_layer.ports import (
    HoldingRepository,
    LearnerRepository,
    ShareLinkRepository,
)


@dataclass(frozen=True, slots=True)
class Repositories:
    learners: LearnerRepository
    holdings: HoldingRepository
    share_links: ShareLinkRepository


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.mongo)])
def database(request: pytest.FixtureRequest) -> MongoDatabase | None:
    if request.param == "memory":
        return None
    found: Any = request.getfixturevalue("mongo_database")
    return found  # type: ignore[no-any-return]


@pytest.fixture
async def repositories(database: MongoDatabase | None) -> AsyncIterator[Repositories]:
    if database is None:
        yield Repositories(
            learners=memory.MemoryLearnerRepository(),
            holdings=memory.MemoryHoldingRepository(),
            share_links=memory.MemoryShareLinkRepository(),
        )
        return
    await ensure_indexes(database, mongo.INDEXES)
    yield Repositories(
        learners=mongo.MongoLearnerRepository(database),
        holdings=mongo.MongoHoldingRepository(database),
        share_links=mongo.MongoShareLinkRepository(database),
    )
