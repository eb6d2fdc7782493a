"""Verifiable presentations the wallet builds for a learner (signed by an adapter)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from skillpass.wallet.domain.errors import InvalidInput

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
MAX_CHALLENGE = 512


def unsigned_presentation(
    credentials: Iterable[Mapping[str, Any]], *, holder: str, presentation_id: str
) -> dict[str, Any]:
    return {
        "@context": [VC_V2_CONTEXT],
        "id": presentation_id,
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [dict(c) for c in credentials],
    }


def check_challenge(value: object, name: str) -> str | None:
    """A verifier's `challenge` or `domain`: optional, a non-empty bounded string when given."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CHALLENGE:
        raise InvalidInput(f"{name} must be a non-empty string", code="invalid-presentation")
    return value
