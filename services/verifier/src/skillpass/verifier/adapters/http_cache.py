"""A small HTTP cache in front of the safe fetcher: TTL from ``Cache-Control`` (bounded),
``ETag`` revalidation, single-flight so a thousand verifications that point at one status list
cause one fetch, and a short memory of failures so they do not cause a thousand either. A cached
response's JSON is parsed once, and what is in the cache can be read without awaiting anything
(:meth:`CachingFetcher.peek`): a verification whose documents are all cached runs no task."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skillpass.verifier.adapters.safe_fetch import FetchedDocument, FetchRefusedError, SafeFetcher

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*(\d+)", re.IGNORECASE)
_UNPARSED: Any = object()


@dataclass(slots=True)
class _Entry:
    document: FetchedDocument
    expires_at: float
    parsed: Any = _UNPARSED  # the body as JSON, once someone asked for it


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    expires_at: float


def freshness_seconds(cache_control: str | None, *, default: float, ceiling: float) -> float:
    """How long a response may be reused: ``no-store``/``no-cache`` → 0, else ``max-age``
    (capped at ``ceiling``), else ``default``."""
    if not cache_control:
        return default
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return min(float(match.group(1)), ceiling) if match else default


class CachingFetcher:
    def __init__(
        self,
        fetcher: SafeFetcher,
        *,
        clock: Callable[[], float],
        default_ttl: float = 300.0,
        max_ttl: float = 3600.0,
        max_entries: int = 10_000,
        failure_ttl: float = 0.0,
    ) -> None:
        self._fetcher = fetcher
        self._clock = clock
        self._default_ttl = default_ttl
        self._max_ttl = max_ttl
        self._max_entries = max_entries
        # Never longer than a good answer may be kept: max_ttl 0 keeps nothing, failures neither.
        self._failure_ttl = min(failure_ttl, max_ttl)
        self._entries: dict[str, _Entry] = {}
        self._failures: dict[str, _Failure] = {}
        self._in_flight: dict[str, asyncio.Future[FetchedDocument]] = {}

    def peek(self, url: str) -> FetchedDocument | None:
        """The fresh cached response for ``url``, without IO; None when only a fetch can tell.
        Raises :class:`FetchRefusedError` while a failure to fetch it is remembered."""
        now = self._clock()
        entry = self._entries.get(url)
        if entry is not None and entry.expires_at > now:
            return entry.document
        if (failure := self._failures.get(url)) is not None:
            if failure.expires_at > now:
                raise FetchRefusedError(failure.reason)
            del self._failures[url]
        return None

    def json_of(self, url: str, document: FetchedDocument) -> Any:
        """``document``'s body (as got for ``url``) as JSON; parsed once while the cache holds
        that response, so callers share the value and must never change it. Raises
        ``ValueError`` for a body that is not JSON."""
        entry = self._entries.get(url)
        if entry is None or entry.document is not document:
            return json.loads(document.body)
        if entry.parsed is _UNPARSED:
            entry.parsed = json.loads(document.body)
        return entry.parsed

    async def get(self, url: str) -> FetchedDocument:
        if (cached := self.peek(url)) is not None:
            return cached
        entry = self._entries.get(url)
        if (pending := self._in_flight.get(url)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[FetchedDocument] = asyncio.get_running_loop().create_future()
        self._in_flight[url] = future
        try:
            document = await self._refresh(url, entry)
        except BaseException as exc:
            if isinstance(exc, FetchRefusedError):
                self._remember_failure(url, str(exc))
            future.set_exception(exc)
            future.exception()  # marks it retrieved when nobody else was waiting
            raise
        else:
            future.set_result(document)
            return document
        finally:
            del self._in_flight[url]

    def _remember_failure(self, url: str, reason: str) -> None:
        if self._failure_ttl <= 0:
            return
        if len(self._failures) >= self._max_entries:
            self._failures.pop(next(iter(self._failures)))
        self._failures[url] = _Failure(reason, self._clock() + self._failure_ttl)

    async def _refresh(self, url: str, stale: _Entry | None) -> FetchedDocument:
        headers: dict[str, str] = {}
        if stale is not None and (etag := stale.document.headers.get("etag")):
            headers["If-None-Match"] = etag
        response = await self._fetcher.get(url, headers=headers)
        if response.status_code == 304 and stale is not None:
            document = stale.document
        elif response.status_code == 200:
            document = response
        else:
            raise FetchRefusedError(f"{url} answered HTTP {response.status_code}")
        ttl = freshness_seconds(
            response.headers.get("cache-control"), default=self._default_ttl, ceiling=self._max_ttl
        )
        if ttl > 0:
            if url not in self._entries and len(self._entries) >= self._max_entries:
                self._entries.pop(next(iter(self._entries)))  # oldest insertion goes first
            # A 304 keeps the response, and its parsed JSON with it.
            parsed = stale.parsed if stale is not None and stale.document is document else _UNPARSED
            self._entries[url] = _Entry(document, self._clock() + ttl, parsed)
        return document
