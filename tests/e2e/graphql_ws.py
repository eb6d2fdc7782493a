"""A minimal graphql-transport-ws client (the protocol GraphiQL and Apollo speak) over the
``websockets`` package, for tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"


class Subscription:
    def __init__(self, connection: ClientConnection, operation_id: str) -> None:
        self._connection = connection
        self._id = operation_id

    async def next(self, *, within: float) -> dict[str, Any]:
        """The next result's payload ({data, errors}); raises on ``error``/``complete``."""
        async with asyncio.timeout(within):
            while True:
                message = json.loads(await self._connection.recv())
                kind = message.get("type")
                if kind == "ping":
                    await self._connection.send(json.dumps({"type": "pong"}))
                    continue
                if message.get("id") != self._id:
                    continue
                if kind == "next":
                    payload: dict[str, Any] = message["payload"]
                    return payload
                raise AssertionError(f"subscription ended: {message}")


@asynccontextmanager
async def subscribe(
    url: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    token: str | None = None,
) -> AsyncIterator[Subscription]:
    async with connect(url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await connection.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(connection.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        await connection.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": dict(variables or {})},
                }
            )
        )
        yield Subscription(connection, "1")
        await connection.send(json.dumps({"id": "1", "type": "complete"}))
