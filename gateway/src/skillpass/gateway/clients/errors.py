"""What a service call can fail with, as the gateway sees it.

A 4xx problem+json answer is a :class:`BackendProblem` carrying the service's machine-readable
``code``; the schema maps it to a named GraphQL error type. A service that cannot be reached or
answers 5xx is :class:`BackendUnavailable` (a GraphQL error, never a leaked stack trace).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class BackendProblem(Exception):  # noqa: N818 - an RFC 9457 problem
    def __init__(
        self,
        *,
        service: str,
        status: int,
        code: str,
        detail: str,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{service}: {status} {code}: {detail}")
        self.service = service
        self.status = status
        self.code = code
        self.detail = detail
        self.extensions = dict(extensions or {})


class BackendUnavailable(Exception):  # noqa: N818 - reads as the condition
    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"the {service} service is unavailable: {reason}")
        self.service = service
        self.reason = reason
