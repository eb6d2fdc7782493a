"""The MongoDB-wire server the test suite runs against supports what the stores rely on: unique
indexes, single-document atomic updates that push and pull array elements (the outbox and the
processed-event ids), finds and deletes."""

from __future__ import annotations

import asyncio

import pytest
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from skillpass.platform.testing import AsyncMongoDatabase

pytestmark = pytest.mark.mongo


async def test_insert_find_and_delete(mongo_database: AsyncMongoDatabase) -> None:
    credentials = mongo_database["credentials"]
    await credentials.insert_many(
        [{"_id": "c1", "learner": "l1", "skills": ["python"]}, {"_id": "c2", "learner": "l2"}]
    )

    found = await credentials.find({"learner": "l1"}).to_list()
    assert found == [{"_id": "c1", "learner": "l1", "skills": ["python"]}]
    assert await credentials.count_documents({}) == 2

    deleted = await credentials.delete_one({"_id": "c1"})
    assert deleted.deleted_count == 1
    assert await credentials.find_one({"_id": "c1"}) is None


async def test_unique_index_rejects_a_duplicate(mongo_database: AsyncMongoDatabase) -> None:
    tenants = mongo_database["tenants"]
    await tenants.create_index("did", unique=True)
    await tenants.insert_one({"_id": "t1", "did": "did:web:example.edu"})

    with pytest.raises(DuplicateKeyError):
        await tenants.insert_one({"_id": "t2", "did": "did:web:example.edu"})
    assert await tenants.count_documents({}) == 1


async def test_find_one_and_update_pushes_and_pulls_atomically(
    mongo_database: AsyncMongoDatabase,
) -> None:
    aggregates = mongo_database["aggregates"]
    pending = {"id": "e1", "type": "issuer.credential.issued.v1"}
    await aggregates.insert_one({"_id": "a1", "version": 1, "outbox": [pending], "processed": []})

    # Apply an event once: the filter on `processed` makes a redelivery a no-op.
    applied = await aggregates.find_one_and_update(
        {"_id": "a1", "processed": {"$ne": "m1"}},
        {"$push": {"processed": "m1"}, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    assert applied is not None
    assert applied["processed"] == ["m1"]
    assert applied["version"] == 2
    redelivered = await aggregates.find_one_and_update(
        {"_id": "a1", "processed": {"$ne": "m1"}}, {"$push": {"processed": "m1"}}
    )
    assert redelivered is None

    # The relay removes a published event by its exact value (see deploy/local/README.md: FerretDB
    # v1 `$pull` matches whole elements only, not query conditions).
    relayed = await aggregates.find_one_and_update(
        {"_id": "a1"}, {"$pull": {"outbox": pending}}, return_document=ReturnDocument.AFTER
    )
    assert relayed is not None
    assert relayed["outbox"] == []


async def test_concurrent_updates_to_one_document_are_not_lost(
    mongo_database: AsyncMongoDatabase,
) -> None:
    # Upstream FerretDB v1 loses these (read, modify, write back without a transaction);
    # deploy/local builds it with a write lock. A regression here breaks the outbox and inbox.
    aggregates = mongo_database["aggregates"]
    await aggregates.insert_one({"_id": "a1", "version": 0, "processed": []})

    async def apply(message_id: str) -> None:
        await aggregates.find_one_and_update(
            {"_id": "a1", "processed": {"$ne": message_id}},
            {"$push": {"processed": message_id}, "$inc": {"version": 1}},
        )

    await asyncio.gather(*(apply(f"m{i}") for i in range(40)), *(apply("m0") for _ in range(10)))

    document = await aggregates.find_one({"_id": "a1"})
    assert document is not None
    assert document["version"] == 40
    assert sorted(document["processed"]) == sorted(f"m{i}" for i in range(40))


async def test_pushed_down_filters_select_exactly_what_mongodb_would(
    mongo_database: AsyncMongoDatabase,
) -> None:
    # deploy/local pushes `_id` equality / `$in` (with other keys) and a lone `$exists: true` down
    # to SQLite (ferretdb/pushdown.go); the rest of the filter must still apply, and a field whose
    # value is null still "exists".
    aggregates = mongo_database["aggregates"]
    await aggregates.create_index("pending", sparse=True)
    await aggregates.insert_many(
        [
            {"_id": "a1", "revision": 1, "pending": True},
            {"_id": "a2", "revision": 2, "pending": None},
            {"_id": "a3", "revision": 1},
            {"_id": "a4", "revision": 1, "pending": [1, 2]},
        ]
    )

    def ids(documents: list[dict[str, object]]) -> list[str]:
        return sorted(str(document["_id"]) for document in documents)

    assert ids(await aggregates.find({"pending": {"$exists": True}}).to_list()) == [
        "a1",
        "a2",
        "a4",
    ]
    assert ids(await aggregates.find({"pending": {"$exists": False}}).to_list()) == ["a3"]
    assert ids(await aggregates.find({"_id": {"$in": ["a2", "a3", "zz"]}}).to_list()) == [
        "a2",
        "a3",
    ]
    assert ids(await aggregates.find({"_id": {"$in": ["a1", "a2"]}, "revision": 1}).to_list()) == [
        "a1"
    ]
    missed = await aggregates.update_one({"_id": "a2", "revision": 1}, {"$set": {"revision": 9}})
    assert missed.matched_count == 0
    hit = await aggregates.update_one({"_id": "a1", "revision": 1}, {"$unset": {"pending": ""}})
    assert hit.modified_count == 1
    assert ids(await aggregates.find({"pending": {"$exists": True}}).to_list()) == ["a2", "a4"]
