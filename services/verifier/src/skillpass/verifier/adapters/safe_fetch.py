"""Fetching documents a credential points at (did:web DID documents, status lists) without
becoming an SSRF proxy.

Every hop is checked *after* DNS resolution: the request is sent to the address that was checked
(the host name still travels in ``Host`` and TLS SNI, so certificates are verified against it),
which closes the DNS-rebinding gap between "check" and "connect". Redirects are followed by hand,
each target checked again. Bodies are read as a stream and cut off at a size cap.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
# host, port -> the addresses it resolves to
Resolve: TypeAlias = Callable[[str, int], Awaitable[Sequence[IPAddress]]]


class FetchRefusedError(Exception):
    """The URL may not be fetched (scheme, address, size, redirects) or the fetch failed.
    The message is safe to show to callers: it never includes response bodies."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchPolicy:
    allow_http: bool = False  # plain HTTP only for tests / in-cluster issuers
    allowed_hosts: frozenset[str] = frozenset()  # host names exempt from the address check
    allowed_networks: tuple[IPNetwork, ...] = ()  # e.g. the cluster's service CIDR
    max_bytes: int = 1_000_000
    max_redirects: int = 3
    timeout_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    url: str  # the final URL after redirects
    status_code: int
    headers: httpx.Headers
    body: bytes = field(repr=False)


async def resolve_with_dns(host: str, port: int) -> Sequence[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def is_public(address: IPAddress) -> bool:
    """Only globally routable unicast addresses; IPv4-mapped IPv6 is judged as its IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class SafeFetcher:
    """GET with the SSRF policy applied to every hop. The client is owned by the caller's
    lifespan; ``resolve`` is injectable so tests can point names at chosen addresses."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        policy: FetchPolicy,
        *,
        resolve: Resolve = resolve_with_dns,
    ) -> None:
        self._client = client
        self._policy = policy
        self._resolve = resolve

    async def get(self, url: str, *, headers: dict[str, str] | None = None) -> FetchedDocument:
        current = url
        for _ in range(self._policy.max_redirects + 1):
            response = await self._get_once(current, headers or {})
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise FetchRefusedError(f"redirect without Location from {current}")
                current = urljoin(current, location)
                continue
            return response
        raise FetchRefusedError(f"more than {self._policy.max_redirects} redirects from {url}")

    async def _get_once(self, url: str, headers: dict[str, str]) -> FetchedDocument:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise FetchRefusedError(f"not an http(s) URL: {url}")
        if parts.scheme == "http" and not self._policy.allow_http:
            raise FetchRefusedError(f"plain http is not allowed: {url}")
        if parts.username or parts.password:
            raise FetchRefusedError("URLs with credentials are not fetched")
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = await self._checked_address(host, port)
        netloc = f"[{address}]" if address.version == 6 else str(address)
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        request_headers = {**headers, "Host": parts.netloc.rsplit("@", 1)[-1]}
        try:
            async with self._client.stream(
                "GET",
                pinned,
                headers=request_headers,
                extensions={"sni_hostname": host},
                timeout=self._policy.timeout_seconds,
                follow_redirects=False,
            ) as response:
                too_big = FetchRefusedError(f"{url} is larger than {self._policy.max_bytes} bytes")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self._policy.max_bytes:
                    raise too_big
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self._policy.max_bytes:
                        raise too_big
                return FetchedDocument(url, response.status_code, response.headers, bytes(body))
        except httpx.HTTPError as exc:
            raise FetchRefusedError(f"could not fetch {url}: {type(exc).__name__}") from exc

    async def _checked_address(self, host: str, port: int) -> IPAddress:
        try:
            addresses = await self._resolve(host, port)
        except OSError as exc:
            raise FetchRefusedError(f"cannot resolve {host}") from exc
        if not addresses:
            raise FetchRefusedError(f"cannot resolve {host}")
        if host.lower() in self._policy.allowed_hosts:
            return addresses[0]
        for address in addresses:
            # Every answer must pass: an attacker's name may mix public and private records.
            allowed = any(address in net for net in self._policy.allowed_networks)
            if not (allowed or is_public(address)):
                raise FetchRefusedError(f"{host} resolves to a non-public address")
        return addresses[0]
