"""The verifier app over HTTP (in process), fetching from an issuer site on 127.0.0.1 that the
test fetch policy allow-lists."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from skillpass.platform.auth import DevTokenSigner
from skillpass.verifier.bootstrap import Verifier
from skillpass.verifier.testing import FIXED_NOW, TestIssuer
from skillpass.verifier.testing.site import (
    IssuerSite,
    local_settings,
    publish,
    running_app,
    serve_site,
)


@pytest.fixture
async def site() -> AsyncIterator[IssuerSite]:
    async with serve_site() as running:
        yield running


@pytest.fixture
def web_issuer(site: IssuerSite) -> TestIssuer:
    issuer = TestIssuer.at(site.base_url)
    publish(site, issuer)
    return issuer


@pytest.fixture
def signer() -> DevTokenSigner:
    return DevTokenSigner(issuer="skillpass-dev", audience="skillpass")


@pytest.fixture
async def app(signer: DevTokenSigner) -> AsyncIterator[tuple[httpx.AsyncClient, Verifier]]:
    async with running_app(
        local_settings(), tokens=signer.verifier(), clock=lambda: FIXED_NOW
    ) as running:
        yield running


@pytest.fixture
def client(app: tuple[httpx.AsyncClient, Verifier]) -> httpx.AsyncClient:
    return app[0]
