"""Documents over HTTP (httpx.MockTransport, names resolved through a table): what comes back,
and a reason safe to show whenever nothing does."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence

import httpx

from skillpass.verifier.adapters.did_web import DidWebResolver
from skillpass.verifier.adapters.documents import HttpDocuments
from skillpass.verifier.adapters.http_cache import CachingFetcher
from skillpass.verifier.adapters.safe_fetch import FetchPolicy, IPAddress, SafeFetcher

DID = "did:web:uni.example:issuers:cs"
PAGES = {
    "/issuers/cs/did.json": json.dumps({"id": DID}).encode(),
    "/issuers/other/did.json": json.dumps({"id": "did:web:elsewhere"}).encode(),
    "/issuers/broken/did.json": b"<html>",
    "/status/1": json.dumps({"type": ["VerifiableCredential"]}).encode(),
    "/status/array": b"[]",
    "/status/html": b"<html>",
}


async def resolve(host: str, port: int) -> Sequence[IPAddress]:
    return [ipaddress.ip_address("10.0.0.1" if host == "intranet.example" else "93.184.216.34")]


def handler(request: httpx.Request) -> httpx.Response:
    body = PAGES.get(request.url.path)
    return httpx.Response(404) if body is None else httpx.Response(200, content=body)


async def test_documents_and_the_reasons_they_could_not_be_had() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        cache = CachingFetcher(SafeFetcher(client, FetchPolicy(), resolve=resolve), clock=lambda: 0)
        documents = HttpDocuments(cache, DidWebResolver(cache))
        assert (await documents.did_document(DID)).document == {"id": DID}
        other = await documents.did_document("did:web:uni.example:issuers:other")
        assert other.document is None
        assert "is not the DID document of" in (other.problem or "")
        assert "is not JSON" in ((await documents.did_document(DID[:-2] + "broken")).problem or "")
        assert "HTTP 404" in ((await documents.did_document(DID[:-2] + "nope")).problem or "")
        assert "not supported" in ((await documents.did_document("did:ion:abc")).problem or "")
        assert "non-public" in (
            (await documents.did_document("did:web:intranet.example")).problem or ""
        )
        assert (await documents.status_list("https://uni.example/status/1")).document
        assert "not a JSON object" in (
            (await documents.status_list("https://uni.example/status/array")).problem or ""
        )
        assert "not JSON" in (
            (await documents.status_list("https://uni.example/status/html")).problem or ""
        )
        assert "plain http" in (
            (await documents.status_list("http://uni.example/status/1")).problem or ""
        )
        assert "not an http(s) URL" in (
            (await documents.status_list("did:web:uni.example")).problem or ""
        )


async def test_a_failed_fetch_is_not_repeated_until_its_short_ttl_has_passed() -> None:
    pages, asked, now = dict(PAGES), list[str](), [0.0]

    def counting(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        body = pages.get(request.url.path)
        return httpx.Response(404) if body is None else httpx.Response(200, content=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(counting)) as client:
        fetcher = SafeFetcher(client, FetchPolicy(), resolve=resolve)
        cache = CachingFetcher(fetcher, clock=lambda: now[0], failure_ttl=5.0)
        documents = HttpDocuments(cache, DidWebResolver(cache))
        late = "https://uni.example/status/late"
        for _ in range(3):
            assert "HTTP 404" in ((await documents.status_list(late)).problem or "")
        assert asked == ["/status/late"]
        pages["/status/late"] = PAGES["/status/1"]
        now[0] = 5.5
        assert (await documents.status_list(late)).document
        assert asked == ["/status/late"] * 2


async def test_failures_are_not_remembered_when_nothing_may_be_cached() -> None:
    asked: list[str] = []

    def counting(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return handler(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(counting)) as client:
        fetcher = SafeFetcher(client, FetchPolicy(), resolve=resolve)
        cache = CachingFetcher(fetcher, clock=lambda: 0.0, max_ttl=0.0, failure_ttl=5.0)
        documents = HttpDocuments(cache, DidWebResolver(cache))
        for _ in range(2):
            assert (await documents.status_list("https://uni.example/status/gone")).problem
        assert len(asked) == 2


async def test_cached_documents_are_at_hand_without_io_and_parsed_once() -> None:
    pages, asked, now = dict(PAGES), list[str](), [0.0]

    def counting(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        body = pages.get(request.url.path)
        if body is None:
            return httpx.Response(404)
        return httpx.Response(200, content=body, headers={"cache-control": "max-age=60"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(counting)) as client:
        fetcher = SafeFetcher(client, FetchPolicy(), resolve=resolve)
        cache = CachingFetcher(fetcher, clock=lambda: now[0], failure_ttl=5.0)
        documents = HttpDocuments(cache, DidWebResolver(cache))
        url = "https://uni.example/status/1"
        assert documents.known_status_list(url) is None
        assert documents.known_did_document(DID) is None
        fetched, did = await documents.status_list(url), await documents.did_document(DID)
        known, known_did = documents.known_status_list(url), documents.known_did_document(DID)
        assert known is not None
        assert known_did is not None
        # The very objects fetched: parsed once while the response is cached.
        assert known.document is fetched.document
        assert known_did.document is did.document
        assert (await documents.status_list(url)).document is fetched.document
        # What is known to fail or is not supported is at hand too.
        assert "HTTP 404" in ((await documents.status_list(url + "0")).problem or "")
        assert "HTTP 404" in (getattr(documents.known_status_list(url + "0"), "problem", ""))
        assert "not supported" in (
            getattr(documents.known_did_document("did:ion:x"), "problem", "")
        )
        assert asked == ["/status/1", "/issuers/cs/did.json", "/status/10"]
        # Once the response is stale, only a fetch can tell; a new response is parsed anew.
        now[0] = 61.0
        assert documents.known_status_list(url) is None
        pages["/status/1"] = json.dumps({"type": ["VerifiableCredential", "X"]}).encode()
        refreshed = await documents.status_list(url)
        assert refreshed.document == {"type": ["VerifiableCredential", "X"]}
        assert getattr(documents.known_status_list(url), "document", None) is refreshed.document
