"""Reading a credential a learner uploads: JSON, or an Open Badges 3.0 baked PNG.

OB 3.0 bakes a credential into a PNG as an `iTXt` chunk with keyword `openbadgecredential` whose
text is the credential JSON (or a VC-JWT, which the wallet does not accept: it verifies Data
Integrity proofs).
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any

from skillpass.wallet.domain.errors import InvalidInput, Unprocessable

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAKED_KEYWORD = b"openbadgecredential"
MAX_CREDENTIAL_BYTES = 512 * 1024
JSON_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json", "application/vc")


def credential_from_upload(content_type: str, body: bytes) -> dict[str, Any]:
    """The credential in an upload; raises InvalidInput / Unprocessable with a reason."""
    media = content_type.split(";")[0].strip().lower()
    if media == "image/png" or body.startswith(PNG_SIGNATURE):
        return _credential_json(baked_png_text(body))
    if media in JSON_TYPES or media.endswith("+json") or not media:
        document = _credential_json(body)
        wrapped = document.get("verifiableCredential")
        # VC-API style `{"verifiableCredential": {...}}` as well as the bare credential
        return dict(wrapped) if isinstance(wrapped, Mapping) else document
    raise InvalidInput(
        f"unsupported media type {media}: send JSON or a baked PNG", code="unsupported-media-type"
    )


def _credential_json(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_CREDENTIAL_BYTES:
        raise InvalidInput("the credential is too large", code="credential-too-large")
    text = data.strip()
    if text.startswith(b"ey"):
        raise Unprocessable(
            "VC-JWT credentials are not supported; import a Data Integrity (JSON-LD) credential",
            code="unsupported-credential-format",
        )
    try:
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(
            f"the credential is not valid JSON: {error}", code="invalid-json"
        ) from None
    if not isinstance(document, dict):
        raise InvalidInput("a credential is a JSON object", code="invalid-credential")
    return document


def baked_png_text(png: bytes) -> bytes:
    """The text of the `openbadgecredential` iTXt chunk of a PNG."""
    if not png.startswith(PNG_SIGNATURE):
        raise InvalidInput("not a PNG image", code="invalid-baked-badge")
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        if len(data) != length:
            break
        if kind == b"iTXt":
            text = _itxt_text(data)
            if text is not None:
                return text
        if kind == b"IEND":
            break
        position += 12 + length
    raise Unprocessable("the PNG carries no Open Badges credential", code="no-baked-credential")


def _itxt_text(data: bytes) -> bytes | None:
    keyword, _, rest = data.partition(b"\x00")
    if keyword != BAKED_KEYWORD or len(rest) < 2:
        return None
    compressed, rest = rest[0], rest[2:]
    _language, _, rest = rest.partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if not compressed:
        return text
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(text, MAX_CREDENTIAL_BYTES + 1)
    except zlib.error:
        raise InvalidInput("the baked credential is corrupt", code="invalid-baked-badge") from None
    if len(out) > MAX_CREDENTIAL_BYTES:
        raise InvalidInput("the credential is too large", code="credential-too-large")
    return out


def bake_png(png: bytes, credential: Mapping[str, Any]) -> bytes:
    """`png` with the credential baked in (an uncompressed iTXt chunk before IEND)."""
    text = json.dumps(credential, separators=(",", ":"), ensure_ascii=False).encode()
    data = BAKED_KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + text
    chunk = struct.pack(">I", len(data)) + b"iTXt" + data
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + data) & 0xFFFFFFFF)
    iend = png.rfind(b"IEND") - 4
    if not png.startswith(PNG_SIGNATURE) or iend < len(PNG_SIGNATURE):
        raise InvalidInput("not a PNG image", code="invalid-baked-badge")
    return png[:iend] + chunk + png[iend:]
