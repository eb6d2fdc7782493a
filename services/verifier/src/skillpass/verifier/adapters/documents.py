"""The ``Documents`` port over HTTP: did:web documents and status list credentials through the
SSRF-safe, caching, single-flight fetcher."""

from __future__ import annotations

from skillpass.verifier.adapters.did_web import DidWebResolver
from skillpass.verifier.adapters.http_cache import CachingFetcher
from skillpass.verifier.adapters.safe_fetch import FetchedDocument, FetchRefusedError
from skillpass.verifier.service_layer.ports import Fetched


class HttpDocuments:
    def __init__(self, fetcher: CachingFetcher, did_web: DidWebResolver) -> None:
        self._fetcher = fetcher
        self._did_web = did_web

    async def did_document(self, did: str) -> Fetched:
        if (known := self.known_did_document(did)) is not None:
            return known
        document, problem = await self._did_web.resolve_with_reason(did)
        return Fetched(document, problem)

    def known_did_document(self, did: str) -> Fetched | None:
        if not did.startswith("did:web:"):
            method = ":".join(did.split(":", 2)[:2])
            return Fetched(None, f"DID method {method} is not supported")
        known = self._did_web.known(did)
        return None if known is None else Fetched(*known)

    async def status_list(self, url: str) -> Fetched:
        try:
            fetched = await self._fetcher.get(url)
        except FetchRefusedError as exc:
            return Fetched(None, str(exc))
        return self._status_list(url, fetched)

    def known_status_list(self, url: str) -> Fetched | None:
        try:
            fetched = self._fetcher.peek(url)
        except FetchRefusedError as exc:
            return Fetched(None, str(exc))
        return None if fetched is None else self._status_list(url, fetched)

    def _status_list(self, url: str, fetched: FetchedDocument) -> Fetched:
        try:
            document = self._fetcher.json_of(url, fetched)
        except ValueError:
            return Fetched(None, "the status list is not JSON")
        if not isinstance(document, dict):
            return Fetched(None, "the status list is not a JSON object")
        return Fetched(document)
