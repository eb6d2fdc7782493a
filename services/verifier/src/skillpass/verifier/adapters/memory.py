"""In-memory twins for what has no platform twin: documents served from dicts (embedded mode
with local issuers, and the handler tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skillpass.verifier.service_layer.ports import Fetched


class StaticDocuments:
    """DID documents and status lists by DID / URL; anything else cannot be had."""

    def __init__(
        self,
        *,
        dids: Mapping[str, Mapping[str, Any]] | None = None,
        status_lists: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.dids: dict[str, Mapping[str, Any]] = dict(dids or {})
        self.status_lists: dict[str, Mapping[str, Any]] = dict(status_lists or {})
        self.requests: list[str] = []  # what was asked for, in order (tests read it)

    async def did_document(self, did: str) -> Fetched:
        return self.known_did_document(did)

    async def status_list(self, url: str) -> Fetched:
        return self.known_status_list(url)

    # Everything here is at hand: no answer needs IO.
    def known_did_document(self, did: str) -> Fetched:
        self.requests.append(did)
        found = self.dids.get(did)
        return Fetched(found) if found is not None else Fetched(None, f"{did} is not known")

    def known_status_list(self, url: str) -> Fetched:
        self.requests.append(url)
        found = self.status_lists.get(url)
        return Fetched(found) if found is not None else Fetched(None, f"{url} could not be had")
