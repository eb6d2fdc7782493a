"""schemathesis over the gateway's GraphQL schema (``gateway/schema.graphql``), in process: the
whole platform embedded (``skillpass dev``'s app, demo data seeded), a bounded number of queries
and mutations per root field (``SKILLPASS_FUZZ_EXAMPLES``, default 25), sent with the demo
platform admin's token (every fourth with the demo learner's).

What must hold: no server error (no 5xx, and no resolver failing unexpectedly, which the gateway
masks as ``INTERNAL_SERVER_ERROR``), and every error of an executed field carries an
``extensions.code``. (Errors of a request that does not validate, e.g. a missing required
argument, come from graphql-core without a code; they are not checked here.)
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from skillpass.cli.embedded import EmbeddedPlatform
from tests.fuzz.test_openapi_fuzz import EXAMPLES, InProcessClient, every_operation_of

pytestmark = [
    pytest.mark.timeout(600),
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

SDL = Path(__file__).resolve().parents[2] / "gateway" / "schema.graphql"
BASE_URL = "http://127.0.0.1:8000"

NODES = schemathesis.graphql.nodes


def _field(name: str, value: graphql.ValueNode) -> graphql.ObjectFieldNode:
    return graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value)


# The schema's JSON scalar (credentials, presentations, options): any literal, nested.
JSON_LITERALS: st.SearchStrategy[graphql.ValueNode] = st.recursive(
    st.one_of(
        st.text(max_size=30).map(NODES.String),
        st.integers(-(2**31), 2**31 - 1).map(NODES.Int),
        st.booleans().map(NODES.Boolean),
        st.just(NODES.Null),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(NODES.List),
        st.dictionaries(
            st.from_regex(r"[A-Za-z@][A-Za-z0-9_]{0,12}", fullmatch=True), inner, max_size=5
        ).map(lambda d: NODES.Object([_field(k, v) for k, v in d.items()])),
    ),
    max_leaves=20,
)
schemathesis.graphql.scalar("JSON", JSON_LITERALS)

GATEWAY = schemathesis.graphql.from_path(str(SDL))
GATEWAY.config.generation.update(max_examples=EXAMPLES)
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@pytest.fixture(scope="module")
def platform() -> Iterator[tuple[InProcessClient, EmbeddedPlatform]]:
    embedded = EmbeddedPlatform(base_url=BASE_URL)
    with InProcessClient(embedded.app, base_url=BASE_URL) as client:
        yield client, embedded


def assert_clean(case: Any, response: httpx.Response) -> None:
    where = f"{case.body!r:.300} -> {response.status_code}: {response.text[:400]}"
    assert response.status_code < 500, where
    body = response.json()
    if response.status_code >= 400 and "errors" not in body:
        assert response.headers.get("content-type", "").startswith("application/problem+json")
        assert body.get("code"), where
        return
    for error in body.get("errors") or []:
        assert "Traceback" not in error.get("message", ""), where
        if "path" not in error:
            continue  # the request itself is invalid (GraphQL validation): nothing was executed
        code = (error.get("extensions") or {}).get("code")
        assert code, where
        assert code != "INTERNAL_SERVER_ERROR", where


@every_operation_of(GATEWAY)
@FUZZ_SETTINGS
def test_the_gateway_answers_every_query_and_mutation_without_a_server_error(
    case: Any, platform: tuple[InProcessClient, EmbeddedPlatform]
) -> None:
    client, embedded = platform
    assert embedded.demo is not None
    tokens = embedded.demo.tokens
    learner = zlib.crc32(str(case.id).encode()) % 4 == 0
    token = tokens.learner if learner else tokens.platform_admin
    kwargs = case.as_transport_kwargs(
        base_url=f"{BASE_URL}/graphql", headers={"Authorization": f"Bearer {token}"}
    )
    kwargs.pop("cookies", None)
    response = client.request(**kwargs)
    assert_clean(case, response)
