"""schemathesis over every service's OpenAPI document, in process (the ASGI app in embedded mode,
its lifespan running): valid and schema-violating requests, a bounded number per operation
(``SKILLPASS_FUZZ_EXAMPLES``, default 25).

What must hold for every request: no server error, and every 4xx is an RFC 9457 problem
(``application/problem+json`` with ``type``, ``title``, ``status`` and a machine-readable ``code``).
Most requests carry a valid bearer token (a platform admin, who may act everywhere, so the
request reaches validation); every fourth keeps the token schemathesis made up (the 401 path).
Path parameters naming a tenant or learner are pinned to seeded ones, so bodies reach the
handlers rather than a 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from skillpass.issuer.entrypoints.http import create_embedded_app as issuer_app
from skillpass.issuer.entrypoints.openapi import openapi_document as issuer_openapi
from skillpass.issuer.settings import IssuerSettings
from skillpass.platform.auth import DevTokenSigner, Role
from skillpass.platform.bus.memory import MemoryBroker, MemoryEventBus
from skillpass.verifier.entrypoints.http import create_app as verifier_create_app
from skillpass.verifier.entrypoints.openapi import OPENAPI as VERIFIER_OPENAPI
from skillpass.verifier.settings import VerifierSettings
from skillpass.wallet.entrypoints.http import embedded_app as wallet_app
from skillpass.wallet.entrypoints.openapi import openapi_document as wallet_openapi

pytestmark = [
    pytest.mark.timeout(600),
    # schemathesis draws from the `random` module inside some of its strategies, which Hypothesis
    # reports (now and then) as a deprecation; that is upstream's to change, not a finding here.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

EXAMPLES = int(os.environ.get("SKILLPASS_FUZZ_EXAMPLES", "25"))
BASE_URL = "http://testserver"
SIGNER = DevTokenSigner(issuer="skillpass-fuzz", audience="skillpass")
PINNED = {"tenant": "uni", "slug": "uni", "learner_id": "ada"}
PROBLEM = "application/problem+json"


def fuzzed(document: dict[str, Any]) -> Any:
    schema = schemathesis.openapi.from_dict(document)
    schema.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        max_examples=EXAMPLES,
    )
    return schema


ISSUER = fuzzed(issuer_openapi())
WALLET = fuzzed(wallet_openapi())
VERIFIER = fuzzed(VERIFIER_OPENAPI)
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


class InProcessClient:
    """A synchronous client of an ASGI app served in process: the app's lifespan runs on an event
    loop in a thread of its own (Hypothesis drives synchronous tests)."""

    def __init__(self, app: Starlette, *, base_url: str) -> None:
        self._app = app
        self._base_url = base_url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stack = contextlib.AsyncExitStack()
        self._client: httpx.AsyncClient | None = None

    def __enter__(self) -> InProcessClient:
        self._thread.start()
        self._run(self._open())
        return self

    def __exit__(self, *exc: object) -> None:
        self._run(self._stack.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=120)

    async def _open(self) -> None:
        app = self._app
        state = await self._stack.enter_async_context(app.router.lifespan_context(app))

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state or {})}, receive, send)

        transport = httpx.ASGITransport(app=with_state, raise_app_exceptions=False)
        self._client = await self._stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url=self._base_url)
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        assert self._client is not None
        response: httpx.Response = self._run(self._client.request(method, url, **kwargs))
        return response

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


TestFunction = TypeVar("TestFunction", bound=Callable[..., None])


def every_operation_of(schema: Any) -> Callable[[TestFunction], TestFunction]:
    """schemathesis's per-operation parametrization (typed for mypy)."""
    parametrize: Callable[[TestFunction], TestFunction] = schema.parametrize()
    return parametrize


def admin_headers() -> dict[str, str]:
    token = SIGNER.token("fuzz", now=datetime.now(UTC), roles=[Role.PLATFORM_ADMIN])
    return {"Authorization": f"Bearer {token}"}


def send(client: InProcessClient, case: Any) -> httpx.Response:
    for name, value in PINNED.items():
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = value
    made_up_token = zlib.crc32(str(case.id).encode()) % 4 == 0
    headers = None if made_up_token else admin_headers()
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    kwargs.pop("cookies", None)
    if "data" in kwargs:  # requests' name for a raw body
        kwargs["content"] = kwargs.pop("data")
    response: httpx.Response = client.request(**kwargs)
    return response


def assert_clean(case: Any, response: httpx.Response) -> None:
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:400]}"
    assert response.status_code < 500, where
    if 400 <= response.status_code < 500:
        assert response.headers.get("content-type", "").startswith(PROBLEM), where
        problem = response.json()
        assert isinstance(problem.get("code"), str), where
        assert problem["code"], where
        assert problem.get("status") == response.status_code, where
        assert isinstance(problem.get("title"), str), where
        assert "Traceback" not in response.text, where


@pytest.fixture(scope="module")
def issuer() -> Iterator[InProcessClient]:
    settings_ = IssuerSettings(public_base_url=BASE_URL, kafka_bootstrap_servers=None)
    app = issuer_app(settings_, event_bus=MemoryEventBus(MemoryBroker()), tokens=SIGNER.verifier())
    with InProcessClient(app, base_url=BASE_URL) as client:
        seed_issuer(client)
        yield client


def seed_issuer(client: InProcessClient) -> None:
    tenant = client.post(
        "/tenants", json={"slug": "uni", "profile": {"name": "Uni"}}, headers=admin_headers()
    )
    assert tenant.status_code == 201, tenant.text
    achievement = client.post(
        "/tenants/uni/achievements",
        json={"name": "A", "description": "An achievement.", "criteria": {"narrative": "Do."}},
        headers=admin_headers(),
    )
    assert achievement.status_code == 201, achievement.text


@pytest.fixture(scope="module")
def wallet() -> Iterator[InProcessClient]:
    app = wallet_app(memory_broker=MemoryBroker(), token_verifier=SIGNER.verifier())
    with InProcessClient(app, base_url=BASE_URL) as client:
        learner = client.post(
            "/learners",
            json={
                "learner_id": "ada",
                "identifiers": [{"type": "emailAddress", "value": "a@b.org"}],
            },
            headers=admin_headers(),
        )
        assert learner.status_code in (200, 201), learner.text
        yield client


async def _no_dns(host: str, port: int) -> list[Any]:
    raise OSError(f"no network in the fuzz tests ({host})")


def _nothing_there(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404)


@pytest.fixture(scope="module")
def verifier() -> Iterator[InProcessClient]:
    app: Starlette = verifier_create_app(
        VerifierSettings(),
        memory_broker=MemoryBroker(),
        tokens=SIGNER.verifier(),
        transport=httpx.MockTransport(_nothing_there),
        resolve=_no_dns,
    )
    with InProcessClient(app, base_url=BASE_URL) as client:
        yield client


def _fuzz(client: InProcessClient, case: Any) -> None:
    assert_clean(case, send(client, case))


@every_operation_of(ISSUER)
@FUZZ_SETTINGS
def test_issuer_answers_every_request_without_a_server_error(
    case: Any, issuer: InProcessClient
) -> None:
    _fuzz(issuer, case)


@every_operation_of(WALLET)
@FUZZ_SETTINGS
def test_wallet_answers_every_request_without_a_server_error(
    case: Any, wallet: InProcessClient
) -> None:
    _fuzz(wallet, case)


@every_operation_of(VERIFIER)
@FUZZ_SETTINGS
def test_verifier_answers_every_request_without_a_server_error(
    case: Any, verifier: InProcessClient
) -> None:
    _fuzz(verifier, case)
