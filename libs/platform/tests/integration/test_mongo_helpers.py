"""MongoDB helpers against the real MongoDB-wire server: lifecycle, indexes, readiness."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from skillpass.platform.mongo import ensure_indexes, mongo_client, mongo_probe
from skillpass.platform.store.mongo import MongoAggregateStore

pytestmark = pytest.mark.mongo


async def test_client_answers_the_readiness_probe_and_closes(mongodb_uri: str) -> None:
    async with mongo_client(mongodb_uri, app_name="test") as client:
        await mongo_probe(client)()


async def test_declared_indexes_are_ensured_idempotently(
    mongo_database: AsyncDatabase[dict[str, Any]],
) -> None:
    declarations = {
        "holdings": [
            *MongoAggregateStore.INDEXES,
            IndexModel([("state.learner_id", ASCENDING)], name="by_learner"),
        ]
    }
    await ensure_indexes(mongo_database, declarations)
    await ensure_indexes(mongo_database, declarations)  # at every start: a no-op the second time
    names = {index["name"] async for index in await mongo_database["holdings"].list_indexes()}
    assert {"_id_", "outbox_marker", "by_learner"} <= names
