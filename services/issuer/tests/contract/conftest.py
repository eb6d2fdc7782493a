"""Every repository on both adapters: in-memory and real MongoDB (FerretDB here)."""

from __future__ import annotations

import pytest

from skillpass.issuer.adapters import mongo
from skillpass.issuer.bootstrap import Repositories, memory_repositories, mongo_repositories
from skillpass.platform.mongo import MongoDatabase


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.mongo)])
def database(request: pytest.FixtureRequest) -> MongoDatabase | None:
    if request.param == "memory":
        return None
    database: MongoDatabase = request.getfixturevalue("mongo_database")
    return database


@pytest.fixture
async def repositories(database: MongoDatabase | None) -> Repositories:
    if database is None:
        return memory_repositories()
    await mongo.ensure_issuer_indexes(database)
    return mongo_repositories(database)
