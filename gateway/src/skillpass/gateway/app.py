"""The gateway's ASGI app: Strawberry GraphQL on Starlette (the platform app factory gives it
health, readiness, problem+json, a body cap and tracing).

Before GraphQL sees a request, :class:`CallerGate` checks the bearer token (once, here; the same
token is forwarded to the services, which check it again) and the caller's rate limit. A
websocket may instead authenticate in graphql-transport-ws's ``connection_init`` payload
(``{"Authorization": "Bearer …"}``), since browsers cannot set headers on websockets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from skillpass.gateway.bootstrap import GatewayRuntime, open_gateway
from skillpass.gateway.context import GatewayContext
from skillpass.gateway.rate_limit import TokenBuckets
from skillpass.gateway.schema import build_schema
from skillpass.gateway.settings import GatewaySettings
from skillpass.platform.app import AppResources
from skillpass.platform.app import create_app as create_service_app
from skillpass.platform.auth import AuthError, Principal
from skillpass.platform.problems import ProblemError, problem_response

STATE_KEY = "gateway"
PRINCIPAL_KEY = "skillpass.principal"  # set on the ASGI scope by CallerGate

RuntimeFactory = Callable[[], AbstractAsyncContextManager[GatewayRuntime]]


def runtime_of(scope: Scope) -> GatewayRuntime:
    runtime: GatewayRuntime = scope["state"][STATE_KEY]
    return runtime


class CallerGate:
    """Authenticates the bearer token (if any) and applies the per-client rate limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = runtime_of(scope)
        principal: Principal | None = None
        authorization = Headers(scope=scope).get("authorization")
        if authorization is not None:
            try:
                principal = runtime.authenticate(authorization)
            except AuthError as error:
                problem = ProblemError(
                    error.status, error.code, str(error), headers={"WWW-Authenticate": "Bearer"}
                )
                await self._refuse(scope, receive, send, problem)
                return
        client = scope.get("client") or ("unknown", 0)
        key = f"sub:{principal.subject}" if principal else f"ip:{client[0]}"
        wait = runtime.buckets.take(key)
        if wait > 0:
            retry = TokenBuckets.retry_after_header(wait)
            problem = ProblemError(
                429, "rate-limited", "too many requests; slow down", headers={"Retry-After": retry}
            )
            await self._refuse(scope, receive, send, problem)
            return
        await self.app({**scope, PRINCIPAL_KEY: principal}, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, problem: ProblemError) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": problem.code})
            return
        await problem_response(problem)(scope, receive, send)


class GatewayGraphQL(GraphQL[GatewayContext, None]):
    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GatewayContext:
        return GatewayContext.create(
            request=request,
            response=response,
            services=runtime_of(request.scope).services,
            principal=request.scope.get(PRINCIPAL_KEY),
        )

    async def on_ws_connect(self, context: GatewayContext) -> UnsetType | dict[str, object] | None:
        """A token in ``connection_init`` (when the handshake carried none)."""
        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        if context.principal is None and isinstance(authorization, str):
            try:
                context.sign_in(runtime_of(context.request.scope).authenticate(authorization))
            except AuthError:
                raise ConnectionRejectionError({"code": "unauthenticated"}) from None
        return await super().on_ws_connect(context)


async def _root(_request: Request) -> Response:
    return RedirectResponse("/graphql")


def create_app(
    settings: GatewaySettings | None = None,
    *,
    runtime: RuntimeFactory | None = None,
    **options: Any,
) -> Starlette:
    """The gateway; ``runtime`` (or ``options`` for :func:`open_gateway`: ``tokens``,
    ``transports``, ``memory_broker``) decides how services and events are reached."""
    settings = settings or GatewaySettings()
    factory: RuntimeFactory = runtime or (lambda: open_gateway(settings, **options))
    graphql = GatewayGraphQL(
        build_schema(settings),
        graphql_ide="graphiql" if settings.graphiql else None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
    )
    gate = CallerGate(graphql)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[AppResources]:
        async with factory() as opened:
            yield AppResources(probes=opened.probes, state={STATE_KEY: opened})

    return create_service_app(
        settings=settings,
        routes=[
            Route("/", _root, methods=["GET"]),
            Route("/graphql", gate, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", gate),
        ],
        lifespan=lifespan,
    )
