"""Hostile documents are refused at parse or validation time: no service is ever called."""

from __future__ import annotations

from gateway.tests.support import Backends, Gateway, holding, running_gateway
from skillpass.platform.auth import Role


def codes(body: dict[str, object]) -> list[str]:
    errors = body.get("errors")
    assert isinstance(errors, list), body
    assert errors, body
    return [str(e.get("extensions", {}).get("code", e.get("message"))) for e in errors]


async def test_a_document_deeper_than_the_limit_is_rejected_before_any_backend_call(
    backends: Backends,
) -> None:
    # The schema has no cycles, so depth is bounded anyway; a low limit shows the check runs.
    deep = (
        "{ wallet { holdings { edges { node { issuer { tenant { achievements { name } } } } } } } }"
    )
    async with running_gateway(backends, max_depth=4) as gateway:
        body = await gateway.query(deep, headers=gateway.token("root", Role.PLATFORM_ADMIN))
    assert body.get("data") is None
    assert any("exceeds maximum operation depth" in str(e) for e in body["errors"])
    assert backends.total == 0


async def test_an_alias_bomb_is_rejected_before_any_backend_call(gateway: Gateway) -> None:
    aliases = " ".join(f"a{i}: wallet {{ counts {{ active }} }}" for i in range(50))
    body = await gateway.query(
        "{ " + aliases + " }", headers=gateway.token("ada", Role.LEARNER, learner_id="ada")
    )
    assert body.get("data") is None
    assert any("aliases" in str(e).lower() for e in body["errors"])
    assert gateway.backends.total == 0


async def test_a_token_bomb_is_rejected_at_parse_time(gateway: Gateway) -> None:
    fields = " ".join("__typename" for _ in range(3000))
    body = await gateway.query("{ " + fields + " }")
    assert body.get("data") is None
    assert any("token" in str(e).lower() for e in body["errors"])
    assert gateway.backends.total == 0


async def test_a_costly_page_request_is_rejected_before_any_backend_call(
    gateway: Gateway,
) -> None:
    pages = " ".join(
        f"p{i}: wallet {{ holdings(first: 100) {{ edges {{ node {{ name }} }} }} }}"
        for i in range(12)
    )
    body = await gateway.query(
        "{ " + pages + " }", headers=gateway.token("ada", Role.LEARNER, learner_id="ada")
    )
    assert "QUERY_TOO_COSTLY" in codes(body)
    assert gateway.backends.total == 0


async def test_first_is_capped_at_the_page_maximum(gateway: Gateway, backends: Backends) -> None:
    backends.holdings = [holding(i, "mit") for i in range(150)]
    body = await gateway.query(
        "{ wallet { holdings(first: 500) {"
        " edges { node { holdingId } } pageInfo { hasNextPage } } } }",
        headers=gateway.token("ada", Role.LEARNER, learner_id="ada"),
    )
    holdings = body["data"]["wallet"]["holdings"]
    assert len(holdings["edges"]) == 100
    assert holdings["pageInfo"]["hasNextPage"] is False  # the stand-in says no next cursor
    assert backends.calls["GET /learners/ada/holdings"] == 1
