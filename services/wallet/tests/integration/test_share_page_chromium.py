"""The public share page in a real browser: headless Chromium renders it at phone width (the
screenshot lands in test-artifacts/), the verification on it ran live, and the link stops
working when revoked."""

from __future__ import annotations

import asyncio
import base64
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from skillpass.wallet.testing import TestIssuer

from .conftest import Wallet, problem
from .test_http_api import holding_via_events, register_ada

CHROMIUM = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    None,
)
BADGE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120">'
    '<circle cx="60" cy="60" r="56" fill="#0a58ca"/>'
    '<circle cx="60" cy="60" r="44" fill="#fff"/>'
    '<text x="60" y="70" font-size="30" text-anchor="middle" fill="#0a58ca" '
    'font-family="sans-serif">DAF</text></svg>'
)
BADGE = "data:image/svg+xml;base64," + base64.b64encode(BADGE_SVG.encode()).decode()


async def chromium(*args: str) -> bytes:
    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",  # tests may run as root in a container
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-dev-shm-usage",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(60):
            out, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0
    return out


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)")
async def test_share_page_renders_in_chromium_verifies_live_and_dies_on_revoke(
    wallet: Wallet, issuer: TestIssuer, pytestconfig: pytest.Config
) -> None:
    await register_ada(wallet)
    holding = await holding_via_events(
        wallet,
        issuer,
        name="Data Analysis Fundamentals",
        image=BADGE,
        skills=("Analyse data", "Statistics", "Python"),
    )
    headers = wallet.learner("ada")
    link = (
        await wallet.http.post(
            "/learners/ada/share-links", json={"holding_ids": [holding["id"]]}, headers=headers
        )
    ).json()
    path = urlparse(link["url"]).path
    page = await wallet.http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "✓ Verified" in page.text  # the verifier port ran when the page was served

    artifacts = pytestconfig.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    html_file = artifacts / "wallet-share-page.html"
    html_file.write_text(page.text, encoding="utf-8")
    screenshot = artifacts / "wallet-share-page.png"
    screenshot.unlink(missing_ok=True)

    dom = (await chromium("--dump-dom", html_file.as_uri())).decode()
    assert "<h1" in dom
    assert "Data Analysis Fundamentals" in dom
    assert "Add to LinkedIn profile" in dom
    await chromium(f"--screenshot={screenshot}", "--window-size=390,2300", html_file.as_uri())
    assert screenshot.stat().st_size > 10_000
    assert _png_size(screenshot) == (390, 2300)

    await wallet.http.delete(f"/learners/ada/share-links/{link['id']}", headers=headers)
    problem(await wallet.http.get(path, headers={"Accept": "text/html"}), 410, "share-link-revoked")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
