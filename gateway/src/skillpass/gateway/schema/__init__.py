"""The gateway's GraphQL schema: built once per app (the persisted-query store is the app's)."""

from __future__ import annotations

import strawberry
import structlog
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext

from skillpass.gateway.clients.errors import BackendProblem, BackendUnavailable
from skillpass.gateway.limits import limit_extensions
from skillpass.gateway.persisted_queries import PersistedQueries, PersistedQueryStore
from skillpass.gateway.schema.access import (
    BAD_USER_INPUT,
    SERVICE_UNAVAILABLE,
    QueryError,
    as_query_error,
)
from skillpass.gateway.schema.errors import (
    Conflict,
    Gone,
    NotAuthorized,
    NotFound,
    RateLimited,
    ValidationError,
)
from skillpass.gateway.schema.ids import InvalidGlobalId
from skillpass.gateway.schema.mutation import Mutation
from skillpass.gateway.schema.query import Query
from skillpass.gateway.schema.subscription import Subscription
from skillpass.gateway.schema.types import (
    Achievement,
    BatchJob,
    Holding,
    InvalidCursor,
    IssuedCredential,
    Learner,
    Pathway,
    ShareLink,
    Tenant,
    Verification,
)
from skillpass.gateway.settings import GatewaySettings

log = structlog.get_logger(__name__)

# The fields whose `first` multiplies the cost of what they contain.
CONNECTION_FIELDS = frozenset({"holdings", "offers"})


class ErrorCodes(MaskErrors):
    """Every error a client sees has an ``extensions.code``. A service that is down is
    SERVICE_UNAVAILABLE, a service's problem keeps its meaning, a bad id or cursor is
    BAD_USER_INPUT; anything unexpected is logged and masked (no stack trace, no internals)."""

    def __init__(self) -> None:
        super().__init__(error_message="Unexpected error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._translate(error) for error in errors]

    def _translate(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is None:
            return _with_document_code(error)
        if isinstance(original, QueryError):
            return error
        replacement: GraphQLError
        if isinstance(original, BackendUnavailable):
            log.warning("backend unavailable", service=original.service, reason=original.reason)
            replacement = QueryError(str(original), SERVICE_UNAVAILABLE, service=original.service)
        elif isinstance(original, BackendProblem):
            replacement = as_query_error(original)
        elif isinstance(original, InvalidCursor | InvalidGlobalId):
            replacement = QueryError(str(original), BAD_USER_INPUT)
        elif isinstance(original, GraphQLError):
            return error
        else:
            log.error("unexpected error in a resolver", exc_info=original, path=error.path)
            replacement = QueryError(self.error_message, "INTERNAL_SERVER_ERROR")
        return GraphQLError(
            replacement.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=replacement.extensions,
        )


def _with_document_code(error: GraphQLError) -> GraphQLError:
    """A query that does not parse or does not fit the schema: the usual GraphQL codes."""
    if error.extensions and "code" in error.extensions:
        return error
    parse = error.message.startswith("Syntax Error")
    error.extensions = {
        **(error.extensions or {}),
        "code": "GRAPHQL_PARSE_FAILED" if parse else "GRAPHQL_VALIDATION_FAILED",
    }
    return error


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Expected errors are answers, not incidents: ``ErrorCodes`` logs the unexpected ones."""


def build_schema(
    settings: GatewaySettings, *, persisted: PersistedQueryStore | None = None
) -> strawberry.Schema:
    store = persisted or PersistedQueryStore(max_entries=settings.persisted_queries_max)
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            Tenant,
            Achievement,
            Pathway,
            IssuedCredential,
            BatchJob,
            Holding,
            Learner,
            ShareLink,
            Verification,
            ValidationError,
            NotFound,
            NotAuthorized,
            Conflict,
            RateLimited,
            Gone,
        ],
        extensions=[
            lambda: PersistedQueries(store=store),
            *limit_extensions(
                max_depth=settings.max_depth,
                max_aliases=settings.max_aliases,
                max_tokens=settings.max_tokens,
                max_cost=settings.max_cost,
                connection_fields=CONNECTION_FIELDS,
            ),
            ErrorCodes,
        ],
    )
