"""A thousand concurrent verifications of credentials on one status list fetch that list (and
the issuer's DID document) once, over real HTTP from a local issuer site."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx

from skillpass.vc.cryptosuites import Suite
from skillpass.verifier.bootstrap import Verifier
from skillpass.verifier.service_layer.messages import VerifyCredential
from skillpass.verifier.testing import TestIssuer
from skillpass.verifier.testing.site import IssuerSite

CONCURRENT = 1_000


async def test_a_thousand_verifications_fetch_the_status_list_once(
    app: tuple[httpx.AsyncClient, Verifier], site: IssuerSite
) -> None:
    _, verifier = app
    issuer = TestIssuer.at(site.base_url, "busy")
    # JCS and no OB schema keep the thousand signatures and verifications fast: the fetching is
    # what this test is about.
    site.documents[issuer.path] = issuer.did_document()
    list_path = urlsplit(issuer.list_url("revocation")).path
    site.documents[list_path] = issuer.status_list("revocation", suite=Suite.EDDSA_JCS_2022)
    site.delay = 0.05  # every verification arrives while the first fetch is in flight
    credentials = [
        issuer.credential(suite=Suite.EDDSA_JCS_2022, open_badge=False) for _ in range(CONCURRENT)
    ]

    reports = await asyncio.gather(
        *(verifier.bus.handle(VerifyCredential(credential=c)) for c in credentials)
    )

    assert all(r.verified for r in reports), reports[0].failures()
    assert site.hits[list_path] == 1
    assert site.hits[issuer.path] == 1
    assert len({r.id for r in reports}) == CONCURRENT
