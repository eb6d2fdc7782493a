"""The fetcher refuses SSRF targets after DNS resolution, pins the checked address, caps sizes
and redirects; the cache honours Cache-Control and ETag and fetches once per key at a time.

Requests go to ``httpx.MockTransport`` (nothing leaves the process); names resolve through an
injected table, so "public" addresses here are never contacted.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Coroutine, Mapping, Sequence

import httpx
import pytest

from skillpass.verifier.adapters.http_cache import CachingFetcher, freshness_seconds
from skillpass.verifier.adapters.safe_fetch import (
    FetchPolicy,
    FetchRefusedError,
    IPAddress,
    Resolve,
    SafeFetcher,
)

PUBLIC = "93.184.216.34"


def table(mapping: Mapping[str, Sequence[str]]) -> Resolve:
    async def resolve(host: str, port: int) -> Sequence[IPAddress]:
        if host not in mapping:
            raise OSError("no such host")
        return [ipaddress.ip_address(a) for a in mapping[host]]

    return resolve


def fetcher(
    handler: Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]],
    names: Mapping[str, Sequence[str]],
    policy: FetchPolicy | None = None,
) -> tuple[SafeFetcher, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return SafeFetcher(client, policy or FetchPolicy(), resolve=table(names)), client


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104 - the unspecified address is an SSRF target too
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "100.64.0.1",
        "224.0.0.1",
    ],
)
async def test_non_public_addresses_are_refused_after_resolution(address: str) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    safe, client = fetcher(handler, {"evil.test": [address]})
    async with client:
        with pytest.raises(FetchRefusedError, match="non-public"):
            await safe.get("https://evil.test/did.json")
    assert calls == []


async def test_one_private_record_among_public_ones_is_refused() -> None:
    safe, client = fetcher(lambda r: httpx.Response(200), {"mixed.test": [PUBLIC, "10.0.0.1"]})
    async with client:
        with pytest.raises(FetchRefusedError, match="non-public"):
            await safe.get("https://mixed.test/x")


async def test_request_goes_to_the_checked_address_with_the_host_name_kept() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"{}")

    safe, client = fetcher(handler, {"issuer.example": [PUBLIC]})
    async with client:
        document = await safe.get("https://issuer.example/issuers/a/did.json")
    assert document.body == b"{}"
    assert seen[0].url.host == PUBLIC
    assert seen[0].headers["host"] == "issuer.example"
    assert seen[0].extensions["sni_hostname"] == "issuer.example"


async def test_plain_http_is_refused_unless_configured() -> None:
    safe, client = fetcher(lambda r: httpx.Response(200), {"issuer.example": [PUBLIC]})
    async with client:
        with pytest.raises(FetchRefusedError, match="plain http"):
            await safe.get("http://issuer.example/x")


async def test_allow_listed_network_may_be_private() -> None:
    policy = FetchPolicy(allow_http=True, allowed_networks=(ipaddress.ip_network("10.0.0.0/8"),))
    safe, client = fetcher(
        lambda r: httpx.Response(200, content=b"ok"), {"svc": ["10.9.9.9"]}, policy
    )
    async with client:
        assert (await safe.get("http://svc/x")).body == b"ok"


async def test_redirect_to_a_private_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://internal.test/secret"})

    names = {"issuer.example": [PUBLIC], "internal.test": ["192.168.0.10"]}
    safe, client = fetcher(handler, names)
    async with client:
        with pytest.raises(FetchRefusedError, match=r"internal\.test resolves to a non-public"):
            await safe.get("https://issuer.example/x")


async def test_redirect_loops_stop_at_the_limit() -> None:
    safe, client = fetcher(
        lambda r: httpx.Response(302, headers={"location": "/again"}),
        {"issuer.example": [PUBLIC]},
        FetchPolicy(max_redirects=2),
    )
    async with client:
        with pytest.raises(FetchRefusedError, match="more than 2 redirects"):
            await safe.get("https://issuer.example/x")


async def test_bodies_over_the_cap_are_refused() -> None:
    safe, client = fetcher(
        lambda r: httpx.Response(200, content=b"x" * 2048),
        {"issuer.example": [PUBLIC]},
        FetchPolicy(max_bytes=1024),
    )
    async with client:
        with pytest.raises(FetchRefusedError, match="larger than 1024"):
            await safe.get("https://issuer.example/big")


async def test_unresolvable_host_is_refused() -> None:
    safe, client = fetcher(lambda r: httpx.Response(200), {})
    async with client:
        with pytest.raises(FetchRefusedError, match="cannot resolve"):
            await safe.get("https://nowhere.test/")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, 300.0),
        ("max-age=60", 60.0),
        ("public, max-age=99999", 3600.0),
        ("no-store", 0.0),
        ("no-cache, max-age=60", 0.0),
        ("s-maxage=5", 300.0),
    ],
)
def test_freshness_follows_cache_control(header: str | None, expected: float) -> None:
    assert freshness_seconds(header, default=300.0, ceiling=3600.0) == expected


async def test_concurrent_requests_for_one_url_fetch_it_once() -> None:
    hits = 0

    async def slow_handler(request: httpx.Request) -> httpx.Response:
        nonlocal hits
        hits += 1
        await asyncio.sleep(0.01)
        return httpx.Response(200, content=b"list", headers={"cache-control": "max-age=60"})

    safe, client = fetcher(slow_handler, {"issuer.example": [PUBLIC]})
    cache = CachingFetcher(safe, clock=lambda: 0.0)
    async with client:
        bodies = await asyncio.gather(
            *(cache.get("https://issuer.example/sl/1") for _ in range(1000))
        )
    assert hits == 1
    assert {b.body for b in bodies} == {b"list"}


async def test_stale_entry_is_revalidated_with_its_etag() -> None:
    now = 0.0
    seen_etags: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen_etags.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"cache-control": "max-age=10"})
        return httpx.Response(
            200, content=b"v1", headers={"etag": '"v1"', "cache-control": "max-age=10"}
        )

    safe, client = fetcher(handler, {"issuer.example": [PUBLIC]})
    cache = CachingFetcher(safe, clock=lambda: now)
    async with client:
        first = await cache.get("https://issuer.example/sl")
        now = 5.0
        await cache.get("https://issuer.example/sl")  # fresh: no request
        now = 11.0
        second = await cache.get("https://issuer.example/sl")
    assert seen_etags == [None, '"v1"']
    assert first.body == second.body == b"v1"


async def test_failed_fetch_is_reported_to_every_waiter_and_not_cached() -> None:
    hits = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal hits
        hits += 1
        await asyncio.sleep(0.01)  # keep the first fetch in flight while the others arrive
        return httpx.Response(500)

    safe, client = fetcher(handler, {"issuer.example": [PUBLIC]})
    cache = CachingFetcher(safe, clock=lambda: 0.0)
    async with client:
        results = await asyncio.gather(
            *(cache.get("https://issuer.example/sl") for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, FetchRefusedError) for r in results)
        with pytest.raises(FetchRefusedError, match="HTTP 500"):
            await cache.get("https://issuer.example/sl")
    assert hits == 2
