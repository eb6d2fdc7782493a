"""The Starlette app factory every service uses: health, readiness, problem+json errors, a request
body cap, tracing; and a lifespan that owns every client.

A service passes its routes and a lifespan that opens its clients and yields `AppResources`:

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[AppResources]:
        async with mongo_client(uri, app_name="issuer") as client, KafkaEventBus(...) as bus:
            yield AppResources(
                probes={"mongodb": mongo_probe(client), "kafka": bus.ping},
                state={"handlers": build_handlers(client, bus)},
            )

    app = create_app(settings=settings, routes=routes, lifespan=lifespan)

Handlers read `request.state.<name>` for what `state` holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send

from skillpass.platform.problems import EXCEPTION_HANDLERS, ProblemError, problem_response
from skillpass.platform.readiness import ReadinessProbe
from skillpass.platform.settings import ServiceSettings
from skillpass.platform.telemetry import configure_telemetry

READINESS_STATE_KEY = "readiness_probes"
READINESS_TIMEOUT_STATE_KEY = "readiness_timeout"


@dataclass(frozen=True, slots=True, kw_only=True)
class AppResources:
    """What a service's lifespan yields: its readiness probes and the request state."""

    probes: Mapping[str, ReadinessProbe] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)


ServiceLifespan = Callable[[Starlette], AbstractAsyncContextManager[AppResources]]


@asynccontextmanager
async def _no_resources(_app: Starlette) -> AsyncIterator[AppResources]:
    yield AppResources()


async def healthz(_request: Request) -> Response:
    """Liveness: the process answers. Never checks backends (a restart would not fix them)."""
    return JSONResponse({"status": "ok"})


async def _run_probe(probe: ReadinessProbe, max_wait: float) -> str | None:
    try:
        async with asyncio.timeout(max_wait):
            await probe()
    except TimeoutError:
        return "timed out"
    except Exception as error:
        return type(error).__name__
    return None


async def readyz(request: Request) -> Response:
    """Readiness: every backend probe answers within the timeout, else a 503 problem."""
    probes: Mapping[str, ReadinessProbe] = getattr(request.state, READINESS_STATE_KEY, {})
    timeout: float = getattr(request.state, READINESS_TIMEOUT_STATE_KEY, 2.0)
    names = list(probes)
    failures = await asyncio.gather(*(_run_probe(probes[name], timeout) for name in names))
    checks = {name: failure or "ok" for name, failure in zip(names, failures, strict=True)}
    if any(failures):
        down = ", ".join(name for name, failure in zip(names, failures, strict=True) if failure)
        raise ProblemError(503, "not-ready", f"unavailable: {down}", extensions={"checks": checks})
    return JSONResponse({"status": "ready", "checks": checks})


class BodySizeLimitMiddleware:
    """Refuse request bodies over `max_bytes` with a 413 problem, whether or not the client sent
    a Content-Length (chunked bodies are counted as they stream)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = ProblemError(
            413, "payload-too-large", f"the request body exceeds {self.max_bytes} bytes"
        )
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await problem_response(too_large)(scope, receive, send)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise too_large  # handled by the app's ProblemError handler
            return message

        await self.app(scope, counting_receive, send)


def create_app(
    *,
    settings: ServiceSettings,
    routes: Sequence[BaseRoute],
    lifespan: ServiceLifespan | None = None,
    middleware: Sequence[Middleware] = (),
    exception_handlers: Mapping[Any, ExceptionHandler] | None = None,
    debug: bool = False,
) -> Starlette:
    service_lifespan = lifespan or _no_resources

    @asynccontextmanager
    async def app_lifespan(app: Starlette) -> AsyncIterator[Mapping[str, Any]]:
        configure_telemetry(
            service_name=settings.service_name,
            otlp_endpoint=settings.otel_exporter_otlp_endpoint,
            log_level=settings.log_level,
        )
        async with service_lifespan(app) as resources:
            yield {
                **resources.state,
                READINESS_STATE_KEY: dict(resources.probes),
                READINESS_TIMEOUT_STATE_KEY: settings.readiness_timeout_seconds,
            }

    return Starlette(
        debug=debug,
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *routes,
        ],
        middleware=[
            Middleware(OpenTelemetryMiddleware, excluded_urls="healthz,readyz"),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes),
            *middleware,
        ],
        exception_handlers={**EXCEPTION_HANDLERS, **(exception_handlers or {})},
        lifespan=app_lifespan,
    )
