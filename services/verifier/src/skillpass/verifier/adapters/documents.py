"""The ``Documents`` port over HTTP: did:web documents and status list credentials through the
SSRF-safe, caching, single-flight fetcher."""

from __future__ import annotations

import json

from skillpass.verifier.adapters.did_web import DidWebResolver
from skillpass.verifier.adapters.http_cache import CachingFetcher
from skillpass.verifier.adapters.safe_fetch import FetchRefusedError
from skillpass.verifier.service_layer.ports import Fetched


class HttpDocuments:
    def __init__(self, fetcher: CachingFetcher, did_web: DidWebResolver) -> None:
        self._fetcher = fetcher
        self._did_web = did_web

    async def did_document(self, did: str) -> Fetched:
        if not did.startswith("did:web:"):
            method = ":".join(did.split(":", 2)[:2])
            return Fetched(None, f"DID method {method} is not supported")
        document, problem = await self._did_web.resolve_with_reason(did)
        return Fetched(document, problem)

    async def status_list(self, url: str) -> Fetched:
        try:
            fetched = await self._fetcher.get(url)
        except FetchRefusedError as exc:
            return Fetched(None, str(exc))
        try:
            document = json.loads(fetched.body)
        except ValueError:
            return Fetched(None, "the status list is not JSON")
        if not isinstance(document, dict):
            return Fetched(None, "the status list is not a JSON object")
        return Fetched(document)
