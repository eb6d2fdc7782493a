"""Expected failures of the use cases, each with a machine-readable code; the HTTP entrypoint
turns them into problem+json (the status is a hint for it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class IssuerError(Exception):
    status = 400

    def __init__(
        self, code: str, detail: str, *, extensions: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extensions = dict(extensions or {})


class UnknownResourceError(IssuerError):
    """Unknown tenant, achievement, pathway, credential, job: 404."""

    status = 404


class RequestRejectedError(IssuerError):
    """The request is well-formed JSON but cannot be carried out as asked: 422."""

    status = 422


class RequestConflictError(IssuerError):
    """The request clashes with what exists (a taken slug, a reused idempotency key): 409."""

    status = 409
