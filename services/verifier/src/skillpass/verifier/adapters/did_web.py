"""``did:web`` resolution over the safe, caching fetcher (https://w3c-ccg.github.io/did-method-web/).

The pure core resolves DIDs synchronously from documents handed to it; this adapter fetches those
documents beforehand. A DID that cannot be had resolves to ``None`` with the reason logged by the
caller, which the core reports as a failed ``proof`` check — never as an exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from skillpass.verifier.adapters.http_cache import CachingFetcher
from skillpass.verifier.adapters.safe_fetch import FetchRefusedError


class DidWebError(ValueError):
    """The DID is not a well-formed ``did:web``."""


def did_web_url(did: str) -> str:
    """``did:web:example.com:issuers:a`` → ``https://example.com/issuers/a/did.json``;
    ``did:web:example.com`` → ``https://example.com/.well-known/did.json``; ``%3A`` is a port."""
    if not did.startswith("did:web:") or "#" in did or "?" in did:
        raise DidWebError(f"{did!r} is not a did:web DID")
    host, *path = did[len("did:web:") :].split(":")
    host = unquote(host)
    if not host or "/" in host or "@" in host or any(not p or "/" in unquote(p) for p in path):
        raise DidWebError(f"{did!r} is not a well-formed did:web DID")
    suffix = "/".join(unquote(p) for p in path) + "/did.json" if path else ".well-known/did.json"
    return f"https://{host}/{suffix}"


class DidWebResolver:
    def __init__(self, fetcher: CachingFetcher, *, scheme: str = "https") -> None:
        # ``scheme="http"`` only for tests and in-cluster issuers (the fetch policy must allow it).
        self._fetcher = fetcher
        self._scheme = scheme

    async def resolve(self, did: str) -> Mapping[str, Any] | None:
        document, _ = await self.resolve_with_reason(did)
        return document

    async def resolve_with_reason(self, did: str) -> tuple[Mapping[str, Any] | None, str | None]:
        """The DID document, or None and why (safe to show: never a response body)."""
        try:
            url = did_web_url(did)
        except DidWebError as exc:
            return None, str(exc)
        if self._scheme != "https":
            url = self._scheme + url[len("https") :]
        try:
            document = await self._fetcher.get(url)
        except FetchRefusedError as exc:
            return None, str(exc)
        try:
            parsed = json.loads(document.body)
        except ValueError:
            return None, f"{url} is not JSON"
        if not isinstance(parsed, dict) or parsed.get("id") != did:
            # A document for another DID must not stand in for this one.
            return None, f"{url} is not the DID document of {did}"
        return parsed, None
