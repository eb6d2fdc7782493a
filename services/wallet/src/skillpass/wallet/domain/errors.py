"""Domain errors: each carries a machine-readable `code` that the HTTP edge turns into a problem."""

from __future__ import annotations


class WalletError(Exception):
    """A rule of the wallet was broken by the request; the message is safe to show the caller."""

    status = 422
    code = "invalid-request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidInput(WalletError):  # noqa: N818 - reads as the condition
    status = 400
    code = "invalid-input"


class NotFound(WalletError):  # noqa: N818
    status = 404
    code = "not-found"


class Conflict(WalletError):  # noqa: N818
    status = 409
    code = "conflict"


class Gone(WalletError):  # noqa: N818
    status = 410
    code = "gone"


class Unprocessable(WalletError):  # noqa: N818
    status = 422
    code = "unprocessable"
