"""The HTTP side of the gateway: persisted queries (APQ), the per-client rate limit, and how a
service's failures reach clients (union error types for mutations, coded errors for queries)."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

from gateway.tests.support import Backends, Gateway, problem, running_gateway
from skillpass.platform.auth import Role

ME = "{ me { subject } }"


def apq(query_hash: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": query_hash}}


async def test_a_persisted_query_is_found_by_hash_after_it_was_sent_once(gateway: Gateway) -> None:
    digest = hashlib.sha256(ME.encode()).hexdigest()
    miss = await gateway.http.post("/graphql", json={"extensions": apq(digest)})
    assert miss.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    registered = await gateway.query(ME, extensions=apq(digest))
    assert registered == {"data": {"me": None}}
    hit = await gateway.http.post("/graphql", json={"extensions": apq(digest)})
    assert hit.json() == {"data": {"me": None}}


async def test_a_query_that_does_not_parse_or_fit_the_schema_has_a_code(gateway: Gateway) -> None:
    unparsable = await gateway.http.post("/graphql", json={"query": "{ me { "})
    invalid = await gateway.http.post("/graphql", json={"query": "{ me { noSuchField } }"})
    assert unparsable.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "Syntax Error" in unparsable.json()["errors"][0]["message"]
    assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "noSuchField" in invalid.json()["errors"][0]["message"]


async def test_a_persisted_query_with_a_wrong_hash_is_refused(gateway: Gateway) -> None:
    body = await gateway.query(ME, extensions=apq("0" * 64))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_client_over_its_rate_is_told_when_to_come_back(backends: Backends) -> None:
    async with running_gateway(backends, rate_limit_burst=3, rate_limit_per_second=0.5) as gw:
        headers = gw.token("ada", Role.LEARNER, learner_id="ada")
        statuses = [
            (await gw.http.post("/graphql", json={"query": ME}, headers=headers)).status_code
            for _ in range(4)
        ]
        refused = await gw.http.post("/graphql", json={"query": ME}, headers=headers)
        other = await gw.http.post(
            "/graphql", json={"query": ME}, headers=gw.token("bob", Role.LEARNER)
        )
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate-limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert other.status_code == 200  # buckets are per client


CREATE_TENANT = """
mutation { createTenant(input: {slug: "mit", name: "MIT"}) {
  __typename ... on Error { code message } ... on CreateTenantSuccess { tenant { tenantId } }
} }"""


async def test_a_mutation_the_caller_may_not_make_never_reaches_the_service(
    gateway: Gateway, backends: Backends
) -> None:
    body = await gateway.query(
        CREATE_TENANT, headers=gateway.token("reg", Role.ISSUER_ADMIN, tenant="mit")
    )
    assert body["data"]["createTenant"]["__typename"] == "NotAuthorized"
    assert backends.total == 0


async def test_a_service_conflict_is_a_conflict_result_with_its_code(
    gateway: Gateway, backends: Backends
) -> None:
    async def taken(_request: Request) -> Response:
        return problem(409, "tenant-exists", "the slug mit is taken")

    backends.overrides["POST /tenants"] = taken
    body = await gateway.query(CREATE_TENANT, headers=gateway.token("root", Role.PLATFORM_ADMIN))
    assert body["data"]["createTenant"] == {
        "__typename": "Conflict",
        "code": "tenant-exists",
        "message": "the slug mit is taken",
    }


async def test_a_service_validation_problem_is_a_validation_error(
    gateway: Gateway, backends: Backends
) -> None:
    async def invalid(_request: Request) -> Response:
        return problem(422, "invalid-request", "the slug is not valid")

    backends.overrides["POST /tenants"] = invalid
    body = await gateway.query(CREATE_TENANT, headers=gateway.token("root", Role.PLATFORM_ADMIN))
    assert body["data"]["createTenant"]["__typename"] == "ValidationError"


async def test_a_failing_service_is_a_coded_error_without_internals(
    gateway: Gateway, backends: Backends
) -> None:
    async def broken(_request: Request) -> Response:
        return Response("Traceback (most recent call last): ...", status_code=500)

    backends.overrides["GET /learners/ada/holdings/counts"] = broken
    body = await gateway.query(
        "{ wallet { counts { active } } }",
        headers=gateway.token("ada", Role.LEARNER, learner_id="ada"),
    )
    error = body["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Traceback" not in str(body)


async def test_a_learner_cannot_read_another_learners_wallet(
    gateway: Gateway, backends: Backends
) -> None:
    body = await gateway.query(
        '{ wallet(learnerId: "bob") { counts { active } } }',
        headers=gateway.token("ada", Role.LEARNER, learner_id="ada"),
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert backends.total == 0
