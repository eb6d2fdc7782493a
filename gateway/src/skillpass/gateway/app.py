"""The gateway's ASGI app: Strawberry GraphQL on Starlette (GraphiQL at ``/graphql`` in dev)."""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL


@strawberry.type
class Query:
    @strawberry.field(description="Liveness of the gateway.")
    def health(self) -> str:
        return "ok"


schema = strawberry.Schema(query=Query)


async def _healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _root(_: Request) -> Response:
    return RedirectResponse("/graphql")


def create_app(*, graphiql: bool = True) -> Starlette:
    graphql = GraphQL[None, None](schema, graphql_ide="graphiql" if graphiql else None)
    return Starlette(
        routes=[
            Route("/", _root),
            Route("/healthz", _healthz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ]
    )
