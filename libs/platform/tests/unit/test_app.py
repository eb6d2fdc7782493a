"""The app factory: health, readiness, problem+json for every error, the body cap, the lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from pymongo.errors import ServerSelectionTimeoutError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from skillpass.platform.app import AppResources, create_app
from skillpass.platform.mongo import mongo_client, mongo_probe
from skillpass.platform.problems import ProblemError, read_json
from skillpass.platform.settings import ServiceSettings

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


class Backend:
    def __init__(self) -> None:
        self.up = True
        self.closed = False

    async def ping(self) -> None:
        if not self.up:
            raise ConnectionError("refused")


async def echo(request: Request) -> Response:
    return JSONResponse({"echo": await read_json(request), "greeting": request.state.greeting})


async def refuse(_request: Request) -> Response:
    raise ProblemError(409, "credential-already-revoked", "cred-1 is revoked already")


async def crash(_request: Request) -> Response:
    raise RuntimeError("secret internals")


async def mongo_down(_request: Request) -> Response:
    raise ServerSelectionTimeoutError("127.0.0.1:27017: connection refused")


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
async def client(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[AppResources]:
        yield AppResources(probes={"mongodb": backend.ping}, state={"greeting": "hi"})
        backend.closed = True

    app = create_app(
        settings=ServiceSettings(service_name="test", max_request_body_bytes=64),
        routes=[
            Route("/echo", echo, methods=["POST"]),
            Route("/refuse", refuse),
            Route("/crash", crash),
            Route("/mongo-down", mongo_down),
        ],
        lifespan=lifespan,
    )
    async with app.router.lifespan_context(app) as state:

        async def server(scope: Scope, receive: Receive, send: Send) -> None:
            # What an ASGI server does with the lifespan's state: a copy per request.
            await app({**scope, "state": dict(state or {})}, receive, send)

        transport = httpx.ASGITransport(app=server, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http
    assert backend.closed


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(f"/problems/{code}")
    return body


async def test_liveness_and_readiness_when_backends_answer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready", "checks": {"mongodb": "ok"}}


async def test_readiness_is_a_503_problem_when_a_backend_is_down(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    backend.up = False
    body = _problem(await client.get("/readyz"), 503, "not-ready")
    assert body["checks"] == {"mongodb": "ConnectionError"}
    assert (await client.get("/healthz")).status_code == 200


async def test_lifespan_state_reaches_handlers(client: httpx.AsyncClient) -> None:
    response = await client.post("/echo", json={"a": 1})
    assert response.json() == {"echo": {"a": 1}, "greeting": "hi"}


async def test_bad_json_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/echo", content=b"{nope", headers={"content-type": "application/json"}
    )
    _problem(response, 400, "invalid-json")
    _problem(
        await client.post("/echo", content=b"a=1", headers={"content-type": "text/csv"}),
        415,
        "unsupported-media-type",
    )


async def test_handler_problems_keep_their_code(client: httpx.AsyncClient) -> None:
    body = _problem(await client.get("/refuse"), 409, "credential-already-revoked")
    assert body["detail"] == "cred-1 is revoked already"


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    _problem(await client.get("/nowhere"), 404, "not-found")
    _problem(await client.get("/echo"), 405, "method-not-allowed")


async def test_unexpected_errors_are_500_problems_without_internals(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/crash")
    body = _problem(response, 500, "internal-error")
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert body["detail"] == "An unexpected error occurred."


async def test_backend_outage_during_a_request_is_a_503_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/mongo-down")
    _problem(response, 503, "backend-unavailable")
    assert "27017" not in response.text


async def test_oversized_bodies_are_413_problems_with_or_without_content_length(
    client: httpx.AsyncClient,
) -> None:
    _problem(await client.post("/echo", json={"x": "y" * 100}), 413, "payload-too-large")

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"x": "'
        yield b"y" * 100
        yield b'"}'

    response = await client.post(
        "/echo", content=chunks(), headers={"content-type": "application/json"}
    )
    _problem(response, 413, "payload-too-large")


async def test_mongo_probe_fails_fast_when_nothing_listens() -> None:
    async with mongo_client("mongodb://127.0.0.1:9/", app_name="test", timeout_ms=200) as mongo:
        with pytest.raises(ServerSelectionTimeoutError):
            await asyncio.wait_for(mongo_probe(mongo)(), 5)
