"""A wallet page costs a constant number of backend calls: one for the page, then one profile and
one catalogue call per distinct issuing tenant, however many holdings point at them."""

from __future__ import annotations

import pytest

from gateway.tests.support import Backends, Gateway, holding
from skillpass.platform.auth import Role

PAGE = """
query Page($first: Int!) {
  wallet(learnerId: "ada") {
    holdings(first: $first) {
      edges { node {
        holdingId
        issuer { did name tenant { tenantId name } }
        achievement { id definition { achievementId name } }
      } }
    }
  }
}"""


@pytest.mark.parametrize("size", [10, 50])
async def test_a_page_with_issuers_and_achievements_makes_a_constant_number_of_calls(
    gateway: Gateway, backends: Backends, size: int
) -> None:
    backends.holdings = [holding(i, "mit" if i % 2 else "harvard") for i in range(size)]
    body = await gateway.query(
        PAGE, {"first": size}, headers=gateway.token("root", Role.PLATFORM_ADMIN)
    )
    assert "errors" not in body, body
    edges = body["data"]["wallet"]["holdings"]["edges"]
    assert len(edges) == size
    assert all(e["node"]["issuer"]["tenant"]["name"] in ("mit", "harvard") for e in edges)
    assert all(e["node"]["achievement"]["definition"] is not None for e in edges)
    assert dict(backends.calls) == {
        "GET /learners/ada/holdings": 1,
        "GET /tenants/mit": 1,
        "GET /tenants/harvard": 1,
        "GET /tenants/mit/achievements": 1,
        "GET /tenants/harvard/achievements": 1,
    }
