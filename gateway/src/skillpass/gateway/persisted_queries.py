"""Automatic persisted queries (the Apollo APQ protocol) for mobile apps.

A client sends ``extensions.persistedQuery = {version: 1, sha256Hash}`` without the query; when the
hash is unknown it gets ``PersistedQueryNotFound`` and resends the query with the hash, which is
checked and remembered. The store is per replica and bounded: a miss costs one round trip.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension


class PersistedQueryStore:
    def __init__(self, *, max_entries: int = 5_000, max_query_bytes: int = 20_000) -> None:
        self._queries: OrderedDict[str, str] = OrderedDict()
        self._max_entries = max_entries
        self.max_query_bytes = max_query_bytes

    def get(self, sha256_hash: str) -> str | None:
        query = self._queries.get(sha256_hash)
        if query is not None:
            self._queries.move_to_end(sha256_hash)
        return query

    def put(self, sha256_hash: str, query: str) -> None:
        self._queries[sha256_hash] = query
        self._queries.move_to_end(sha256_hash)
        while len(self._queries) > self._max_entries:
            self._queries.popitem(last=False)


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class PersistedQueries(SchemaExtension):
    def __init__(self, *, store: PersistedQueryStore) -> None:
        self._store = store

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        extensions = context.operation_extensions or {}
        persisted = extensions.get("persistedQuery")
        if persisted is not None:
            if not isinstance(persisted, dict) or persisted.get("version") != 1:
                raise _error("unsupported persistedQuery version", "PERSISTED_QUERY_NOT_SUPPORTED")
            digest = persisted.get("sha256Hash")
            if not isinstance(digest, str):
                raise _error("persistedQuery needs a sha256Hash", "BAD_USER_INPUT")
            if context.query is None:
                stored = self._store.get(digest)
                if stored is None:
                    raise _error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
                context.query = stored
            else:
                if len(context.query.encode()) > self._store.max_query_bytes:
                    raise _error("the query is too large to persist", "BAD_USER_INPUT")
                if hashlib.sha256(context.query.encode()).hexdigest() != digest:
                    raise _error("provided sha256Hash does not match query", "BAD_USER_INPUT")
                self._store.put(digest, context.query)
        yield
