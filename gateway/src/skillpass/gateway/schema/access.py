"""The gateway's own authorization checks (the services check again) and how failures of queries
surface: as GraphQL errors with an ``extensions.code`` (mutations use the union error types).

Checking here first means a request the caller may not make never reaches a service.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from graphql import GraphQLError

from skillpass.gateway.clients.errors import BackendProblem, BackendUnavailable
from skillpass.gateway.context import Info
from skillpass.platform.auth import Principal, Role

T = TypeVar("T")

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
BAD_USER_INPUT = "BAD_USER_INPUT"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class QueryError(GraphQLError):
    """An error a client is meant to see (never masked)."""

    def __init__(self, message: str, code: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code, **extensions})


def unauthenticated() -> QueryError:
    return QueryError("sign in: this needs a bearer token", UNAUTHENTICATED)


def forbidden(message: str) -> QueryError:
    return QueryError(message, FORBIDDEN)


def signed_in(info: Info) -> Principal:
    principal = info.context.principal
    if principal is None:
        raise unauthenticated()
    return principal


def tenant_of(principal: Principal | None, tenant_id: str | None) -> str:
    """The tenant asked about: the argument, else the caller's own."""
    chosen = tenant_id or (principal.tenant if principal else None)
    if chosen is None:
        raise QueryError("say which tenant (tenantId)", BAD_USER_INPUT)
    return chosen


def may_administer(principal: Principal | None, tenant_id: str) -> bool:
    return principal is not None and principal.may_administer(tenant_id)


def wallet_of(principal: Principal, learner_id: str | None) -> str:
    """The wallet asked about: the argument, else the caller's own (learners)."""
    chosen = (
        learner_id
        or principal.learner_id
        or (principal.subject if principal.has(Role.LEARNER) else None)
    )
    if chosen is None:
        raise QueryError("say whose wallet (learnerId)", BAD_USER_INPUT)
    return chosen


def may_read_wallet(principal: Principal, learner_id: str) -> bool:
    """A learner their own; platform admins any; a tenant's service account reads (the wallet
    then shows only what that tenant issued)."""
    return principal.may_use_wallet(learner_id) or (
        principal.has(Role.SERVICE) and principal.tenant is not None
    )


def may_use_wallet(principal: Principal | None, learner_id: str) -> bool:
    return principal is not None and principal.may_use_wallet(learner_id)


def as_query_error(problem: BackendProblem) -> QueryError:
    if problem.status == 401:
        return QueryError(problem.detail, UNAUTHENTICATED, service=problem.service)
    if problem.status == 403:
        return QueryError(problem.detail, FORBIDDEN, service=problem.service)
    return QueryError(problem.detail, BAD_USER_INPUT, service=problem.service, reason=problem.code)


async def found_or_none(call: Awaitable[T]) -> T | None:
    """A query's backend call: 404 is ``null``, other problems are GraphQL errors."""
    try:
        return await call
    except BackendProblem as problem:
        if problem.status == 404:
            return None
        raise as_query_error(problem) from None


async def required(call: Awaitable[T]) -> T:
    try:
        return await call
    except BackendProblem as problem:
        raise as_query_error(problem) from None


def unavailable(error: BackendUnavailable) -> QueryError:
    return QueryError(str(error), SERVICE_UNAVAILABLE, service=error.service)
