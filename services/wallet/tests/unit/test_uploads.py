from __future__ import annotations

import json

import pytest

from skillpass.wallet.domain.errors import InvalidInput, Unprocessable
from skillpass.wallet.domain.uploads import bake_png, credential_from_upload
from skillpass.wallet.testing import PIXEL_PNG


def test_a_baked_png_yields_its_credential() -> None:
    credential = {"id": "urn:uuid:1", "name": "Baked ✓"}
    assert credential_from_upload("image/png", bake_png(PIXEL_PNG, credential)) == credential


def test_json_uploads_may_be_bare_or_wrapped() -> None:
    credential = {"id": "urn:uuid:1"}
    assert credential_from_upload("application/json", json.dumps(credential).encode()) == credential
    wrapped = json.dumps({"verifiableCredential": credential}).encode()
    assert credential_from_upload("application/ld+json", wrapped) == credential


@pytest.mark.parametrize(
    ("media", "body", "error"),
    [
        ("application/json", b"{", InvalidInput),
        ("application/json", b"[1]", InvalidInput),
        ("application/json", b"eyJhbGciOi.x.y", Unprocessable),
        ("text/plain", b"hello", InvalidInput),
        ("image/png", b"\x89PNG\r\n\x1a\nnot really", Unprocessable),
        ("image/png", b"GIF89a", InvalidInput),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(
    media: str, body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        credential_from_upload(media, body)
