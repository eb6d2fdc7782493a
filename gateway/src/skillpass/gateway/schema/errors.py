"""Expected failures are part of the schema: every mutation returns a union of its success type
and these error types (the services' problem ``code`` travels along, machine-readable).

A service's problem maps by its HTTP status: 400/422 → ``ValidationError``, 401/403 →
``NotAuthorized``, 404 → ``NotFound``, 409 → ``Conflict``, 410 → ``Gone``, 429 → ``RateLimited``.
"""

from __future__ import annotations

import strawberry

from skillpass.gateway.clients.errors import BackendProblem


@strawberry.interface(description="An expected failure: what went wrong, and a code to branch on.")
class Error:
    message: str
    code: str


@strawberry.type(description="The input was refused; `field` names the input, when known.")
class ValidationError(Error):
    field: str | None = None


@strawberry.type(description="Nothing with that id exists that the caller may see.")
class NotFound(Error):  # noqa: N818 - GraphQL type names, not exceptions
    pass


@strawberry.type(description="Not signed in, or the caller's roles do not allow this.")
class NotAuthorized(Error):  # noqa: N818 - GraphQL type names, not exceptions
    pass


@strawberry.type(
    description="The request clashes with what exists (a taken slug, a decided offer)."
)
class Conflict(Error):  # noqa: N818 - GraphQL type names, not exceptions
    pass


@strawberry.type(description="The thing existed but no longer may be used (an expired link).")
class Gone(Error):  # noqa: N818 - GraphQL type names, not exceptions
    pass


@strawberry.type(description="Too many requests; retry after `retryAfterSeconds`.")
class RateLimited(Error):  # noqa: N818 - GraphQL type names, not exceptions
    retry_after_seconds: int = 1


ErrorType = ValidationError | NotFound | NotAuthorized | Conflict | Gone | RateLimited


def from_problem(problem: BackendProblem) -> ErrorType:
    message, code = problem.detail, problem.code
    if problem.status in (401, 403):
        return NotAuthorized(message=message, code=code)
    if problem.status == 404:
        return NotFound(message=message, code=code)
    if problem.status == 409:
        return Conflict(message=message, code=code)
    if problem.status == 410:
        return Gone(message=message, code=code)
    if problem.status == 429:
        return RateLimited(message=message, code=code)
    field = problem.extensions.get("field")
    return ValidationError(
        message=message, code=code, field=field if isinstance(field, str) else None
    )


def not_authorized(message: str = "the caller may not do this") -> NotAuthorized:
    return NotAuthorized(message=message, code="forbidden")


def not_signed_in() -> NotAuthorized:
    return NotAuthorized(message="sign in: this needs a bearer token", code="unauthenticated")


def invalid(message: str, *, field: str | None = None, code: str = "invalid-input") -> ErrorType:
    return ValidationError(message=message, code=code, field=field)
