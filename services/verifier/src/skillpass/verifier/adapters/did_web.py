"""``did:web`` resolution over the safe, caching fetcher (https://w3c-ccg.github.io/did-method-web/).

The pure core resolves DIDs synchronously from documents handed to it; this adapter fetches those
documents beforehand. A DID that cannot be had resolves to ``None`` with the reason logged by the
caller, which the core reports as a failed ``proof`` check — never as an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from skillpass.verifier.adapters.http_cache import CachingFetcher
from skillpass.verifier.adapters.safe_fetch import FetchedDocument, FetchRefusedError

Resolution = tuple[Mapping[str, Any] | None, str | None]  # the document, or None and why


class DidWebError(ValueError):
    """The DID is not a well-formed ``did:web``."""


@lru_cache(maxsize=1024)  # asked for at every verification; bounded against floods of DIDs
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

    async def resolve_with_reason(self, did: str) -> Resolution:
        """The DID document, or None and why (safe to show: never a response body)."""
        try:
            url = self._url(did)
            document = await self._fetcher.get(url)
        except (DidWebError, FetchRefusedError) as exc:
            return None, str(exc)
        return self._read(did, url, document)

    def known(self, did: str) -> Resolution | None:
        """As :meth:`resolve_with_reason` when the answer is at hand without IO (cached, or
        known to be unobtainable), else None. The document is shared: never change it."""
        try:
            url = self._url(did)
            document = self._fetcher.peek(url)
        except (DidWebError, FetchRefusedError) as exc:
            return None, str(exc)
        return None if document is None else self._read(did, url, document)

    def _url(self, did: str) -> str:
        url = did_web_url(did)
        return url if self._scheme == "https" else self._scheme + url[len("https") :]

    def _read(self, did: str, url: str, document: FetchedDocument) -> Resolution:
        try:
            parsed = self._fetcher.json_of(url, document)
        except ValueError:
            return None, f"{url} is not JSON"
        if not isinstance(parsed, dict) or parsed.get("id") != did:
            # A document for another DID must not stand in for this one.
            return None, f"{url} is not the DID document of {did}"
        return parsed, None
