"""MongoDB client lifecycle (owned by the app lifespan), index declarations and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from skillpass.platform.readiness import ReadinessProbe

MongoClient = AsyncMongoClient[dict[str, Any]]
MongoDatabase = AsyncDatabase[dict[str, Any]]
# collection name -> the indexes it must have; each service declares its own.
IndexDeclarations = Mapping[str, Sequence[IndexModel]]


@asynccontextmanager
async def mongo_client(
    uri: str, *, app_name: str, timeout_ms: int = 5_000
) -> AsyncIterator[MongoClient]:
    """A client for the lifespan of an app; closed on exit. Connects lazily, so a service starts
    (and reports not-ready) while MongoDB is down."""
    client: MongoClient = AsyncMongoClient(
        uri,
        appname=app_name,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
    )
    try:
        yield client
    finally:
        await client.close()


async def ensure_indexes(database: MongoDatabase, declarations: IndexDeclarations) -> None:
    """Create the declared indexes (a no-op for those that exist); run at startup."""
    for collection, indexes in declarations.items():
        for index in indexes:
            # One per command: FerretDB v1 panics (drops the connection) on a createIndexes with
            # several specs when some of them exist already.
            await database[collection].create_indexes([index])


def mongo_probe(client: MongoClient) -> ReadinessProbe:
    async def ping() -> None:
        await client.admin.command("ping")

    return ping
