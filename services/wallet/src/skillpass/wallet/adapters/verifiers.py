"""The `CredentialVerifier` port: the verifier service over HTTP (`POST /credentials/verify`,
W3C VC-API), or the vc core in-process (embedded mode) with the same checks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import httpx
import structlog

from skillpass.vc.credentials import verify
from skillpass.vc.dids import resolve_did_key
from skillpass.vc.loader import BUNDLED, DocumentLoader
from skillpass.vc.result import VerificationResult
from skillpass.vc.validation import as_list, node_id
from skillpass.wallet.domain.verification import CheckLine, VerificationReport

log = structlog.get_logger(__name__)

# Fetches a JSON document (a DID document, a status list credential); None when it cannot be had.
DocumentFetcher = Callable[[str], Awaitable[Mapping[str, Any] | None]]


async def _nothing(_reference: str) -> Mapping[str, Any] | None:
    return None


def report_of(result: VerificationResult) -> VerificationReport:
    return VerificationReport(
        verified=result.verified,
        checks=tuple(
            CheckLine(check=c.name, outcome=c.outcome.value, reason=c.reason) for c in result.checks
        ),
        warnings=result.warnings,
        errors=tuple(f"{c.name}: {c.reason}" for c in result.failures()),
    )


class EmbeddedVerifier:
    """`skillpass.vc.credentials.verify` in a worker thread. The core is pure, so what it needs
    from the network (the issuer's DID document, the status lists) is fetched first through the
    injected fetchers; did:key resolves offline."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        fetch_did: DocumentFetcher = _nothing,
        fetch_status_list: DocumentFetcher = _nothing,
        loader: DocumentLoader = BUNDLED,
    ) -> None:
        self._clock = clock
        self._fetch_did = fetch_did
        self._fetch_status_list = fetch_status_list
        self._loader = loader

    async def verify(self, credential: Mapping[str, Any]) -> VerificationReport:
        lists = await self._status_lists(credential)
        dids = await self._dids(credential, lists.values())

        def resolver(did: str) -> Mapping[str, Any] | None:
            return resolve_did_key(did) if did.startswith("did:key:") else dids.get(did)

        result = await asyncio.to_thread(
            verify,
            credential,
            resolver=resolver,
            now=self._clock(),
            loader=self._loader,
            status_source=lists.get,
        )
        return report_of(result)

    async def _status_lists(self, credential: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        urls = {
            entry["statusListCredential"]
            for entry in as_list(credential.get("credentialStatus"))
            if isinstance(entry, Mapping) and isinstance(entry.get("statusListCredential"), str)
        }
        found = await asyncio.gather(*(self._fetch_status_list(u) for u in sorted(urls)))
        return {u: doc for u, doc in zip(sorted(urls), found, strict=True) if doc is not None}

    async def _dids(
        self, credential: Mapping[str, Any], lists: Any
    ) -> dict[str, Mapping[str, Any]]:
        wanted = {
            did
            for doc in (credential, *lists)
            if (did := node_id(doc.get("issuer"))) and not did.startswith("did:key:")
        }
        for proof in as_list(credential.get("proof")):
            if isinstance(proof, Mapping) and isinstance(proof.get("verificationMethod"), str):
                did = proof["verificationMethod"].partition("#")[0]
                if not did.startswith("did:key:"):
                    wanted.add(did)
        ordered = sorted(wanted)
        found = await asyncio.gather(*(self._fetch_did(d) for d in ordered))
        return {d: doc for d, doc in zip(ordered, found, strict=True) if doc is not None}


class HttpVerifier:
    """The verifier service. Unreachable or failing: a report with an `error` check, never an
    exception (a share page still renders, an import is refused with the reason)."""

    def __init__(self, client: httpx.AsyncClient, *, base_url: str) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/credentials/verify"

    async def verify(self, credential: Mapping[str, Any]) -> VerificationReport:
        try:
            response = await self._client.post(
                self._url, json={"verifiableCredential": dict(credential), "options": {}}
            )
        except httpx.HTTPError as error:
            log.warning("verifier unreachable", error=type(error).__name__)
            return VerificationReport.unavailable("the verifier service could not be reached")
        if response.status_code >= 500:
            return VerificationReport.unavailable(
                f"the verifier service failed ({response.status_code})"
            )
        try:
            body = response.json()
        except ValueError:
            return VerificationReport.unavailable("the verifier service answered with non-JSON")
        if not isinstance(body, Mapping):
            return VerificationReport.unavailable("the verifier service answered oddly")
        if response.status_code >= 400:
            detail = str(body.get("detail") or body.get("title") or response.status_code)
            return VerificationReport(
                verified=False,
                checks=(CheckLine(check="request", outcome="failed", reason=detail),),
                errors=(detail,),
            )
        return VerificationReport.from_json(body)
