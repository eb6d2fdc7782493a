"""RFC 9457 problem details: every error a client sees is `application/problem+json` with a
machine-readable `code`; never a stack trace."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ExceptionHandler

from skillpass.platform.outages import BACKEND_UNAVAILABLE

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://skillpass.dev/problems/"

log = structlog.get_logger(__name__)


class ProblemError(Exception):
    """Raise from a handler to answer with a problem; `detail` is shown to the client."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.extensions = dict(extensions or {})
        self.headers = dict(headers or {})


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def problem_response(problem: ProblemError) -> ProblemResponse:
    body = {
        **problem.extensions,
        "type": f"{PROBLEM_TYPE_BASE}{problem.code}",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "code": problem.code,
    }
    return ProblemResponse(body, status_code=problem.status, headers=problem.headers)


async def _problem(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(exc)


async def _http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-").replace("'", "")
    return problem_response(
        ProblemError(exc.status_code, code, str(exc.detail), headers=dict(exc.headers or {}))
    )


async def _backend_unavailable(_request: Request, exc: Exception) -> Response:
    log.warning("backend unavailable", error=repr(exc))
    return problem_response(
        ProblemError(
            503,
            "backend-unavailable",
            "A backend service is unavailable; try again shortly.",
            headers={"Retry-After": "1"},
        )
    )


async def _unexpected(_request: Request, exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    return problem_response(ProblemError(500, "internal-error", "An unexpected error occurred."))


EXCEPTION_HANDLERS: Mapping[Any, ExceptionHandler] = {
    ProblemError: _problem,
    HTTPException: _http_exception,
    **dict.fromkeys(BACKEND_UNAVAILABLE, _backend_unavailable),
    Exception: _unexpected,
}


async def read_json(request: Request) -> Any:
    """The request's JSON body, or a 400/415 problem (never a 500) when it is not JSON."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise ProblemError(415, "unsupported-media-type", f"expected JSON, got {content_type}")
    body = await request.body()
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProblemError(400, "invalid-json", f"the body is not valid JSON: {error}") from None
