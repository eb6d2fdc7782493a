"""The plugin's deterministic fixtures: a fixed clock, fresh keys, tokens the services accept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from skillpass.platform.auth import DevTokenSigner, Role


def test_fixed_clock_always_says_the_same_time(
    fixed_now: datetime, fixed_clock: Callable[[], datetime]
) -> None:
    assert fixed_clock() == fixed_clock() == fixed_now
    assert fixed_now.tzinfo is not None


def test_key_encryption_key_is_32_fresh_bytes(key_encryption_key: bytes) -> None:
    assert len(key_encryption_key) == 32
    assert key_encryption_key != bytes(32)


def test_token_signer_mints_tokens_its_verifier_accepts(token_signer: DevTokenSigner) -> None:
    token = token_signer.token("ada", now=datetime.now(UTC), roles=[Role.LEARNER])
    assert token_signer.verifier().verify(token).subject == "ada"
