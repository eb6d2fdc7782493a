"""The typed context every resolver gets: who is calling, the services bound to their token, the
request's DataLoaders and the replica's event hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from skillpass.gateway.clients.http import ServiceClients
from skillpass.gateway.clients.ports import Backends
from skillpass.gateway.event_hub import EventHub
from skillpass.gateway.loaders import Loaders
from skillpass.gateway.settings import GatewaySettings
from skillpass.platform.auth import Principal


def address_of(request: Request | WebSocket) -> str | None:
    return request.client.host if request.client else None


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayServices:
    """What lives as long as the app: settings, the pooled clients, the event hub."""

    settings: GatewaySettings
    clients: ServiceClients
    hub: EventHub


@dataclass(slots=True, kw_only=True)
class GatewayContext:
    request: Request | WebSocket
    response: Response | WebSocket | None
    services: GatewayServices
    principal: Principal | None
    backends: Backends
    loaders: Loaders
    # graphql-transport-ws: the connection_init payload (a token may come this way)
    connection_params: dict[str, Any] | None = field(default=None)

    def sign_in(self, principal: Principal | None) -> None:
        """Bind the context to a caller (a websocket authenticates after it connected)."""
        self.principal = principal
        token = principal.token if principal is not None else None
        self.backends = self.services.clients.for_caller(token, address_of(self.request))
        self.loaders = Loaders(self.backends)

    @classmethod
    def create(
        cls,
        *,
        request: Request | WebSocket,
        response: Response | WebSocket | None,
        services: GatewayServices,
        principal: Principal | None,
    ) -> GatewayContext:
        backends = services.clients.for_caller(
            principal.token if principal else None, address_of(request)
        )
        return cls(
            request=request,
            response=response,
            services=services,
            principal=principal,
            backends=backends,
            loaders=Loaders(backends),
        )


Info = strawberry.Info[GatewayContext, None]
