"""The gateway answers GraphQL and its health probe."""

from __future__ import annotations

import httpx

from skillpass.gateway.app import create_app


async def test_graphql_answers_health_query() -> None:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        response = await client.post("/graphql", json={"query": "{ health }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"health": "ok"}}


async def test_healthz_reports_ok() -> None:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}
