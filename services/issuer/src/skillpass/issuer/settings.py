"""The issuer's settings: the one place its environment is read (prefix ``SKILLPASS_ISSUER_``;
the shared backends keep their unprefixed names: ``MONGODB_URI``, ``KAFKA_BOOTSTRAP_SERVERS``)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from skillpass.platform.settings import ServiceSettings

KEK_BYTES = 32


def decode_kek(text: str) -> bytes:
    """A 32-byte key given as base64 (standard or URL-safe) or hex."""
    text = text.strip()
    candidates = []
    if len(text) == 2 * KEK_BYTES:
        with contextlib.suppress(ValueError):
            candidates.append(bytes.fromhex(text))
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        with contextlib.suppress(binascii.Error, ValueError):
            candidates.append(decoder(text + "=" * (-len(text) % 4)))
    for key in candidates:
        if len(key) == KEK_BYTES:
            return key
    raise ValueError(f"the key-encryption key must be {KEK_BYTES} bytes in base64 or hex")


class IssuerSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SKILLPASS_ISSUER_", extra="ignore", frozen=True, validate_by_name=True
    )

    service_name: str = "issuer"
    # Where the issuer is reachable from the outside: credential, status list and achievement URLs
    # and the did:web host (a port becomes %3A in the DID) derive from it.
    public_base_url: str = "http://localhost:8001"
    # Key-encryption key for issuer signing keys (32 bytes, base64 or hex). Required with MongoDB;
    # the embedded mode makes a throwaway one when unset.
    kek: SecretStr | None = None
    # Keys recipient pseudonyms (pathway progress); derived from the KEK when unset.
    recipient_pepper: SecretStr | None = None
    # JWT verification: a JWKS (JSON text), audience and issuer.
    jwt_jwks: str | None = None
    jwt_audience: str = "skillpass"
    jwt_issuer: str = "skillpass"
    # Batches: worker processes for signing, rows per chunk, rows per job.
    batch_workers: int = Field(default=2, ge=1)
    batch_chunk_size: int = Field(default=250, ge=1)
    # Chunks one process issues at once (one's database writes overlap another's signing), and
    # how long a claimed chunk stays a dead process's before another process takes it over.
    batch_lanes: int = Field(default=2, ge=1)
    batch_lease_seconds: float = Field(default=30.0, gt=0)
    max_batch_rows: int = Field(default=10_000, ge=1)
    consumer_group: str = "issuer-pathways"
    # Whether the api and consumer processes also run the outbox relay / the api the batch worker.
    # False where `--role relay` / `--role worker` processes run them (Kubernetes), so the roles
    # scale apart; the default keeps a lone process (`make up`, tests) complete.
    run_relay: bool = True
    run_batch_worker: bool = True
    # Batches of thousands of rows need more than the platform's 1 MiB default.
    max_request_body_bytes: int = Field(
        default=8 * 1_048_576, ge=1, validation_alias=AliasChoices("MAX_REQUEST_BODY_BYTES")
    )

    @field_validator("public_base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ValueError("public_base_url must be http(s)://host[:port] without a path")
        return value.rstrip("/")

    @field_validator("kek")
    @classmethod
    def _kek_decodes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            decode_kek(value.get_secret_value())
        return value

    @property
    def public_host(self) -> str:
        return urlsplit(self.public_base_url).netloc

    def kek_bytes(self) -> bytes | None:
        return None if self.kek is None else decode_kek(self.kek.get_secret_value())

    def pepper_bytes(self, kek: bytes) -> bytes:
        if self.recipient_pepper is not None:
            return self.recipient_pepper.get_secret_value().encode()
        return hmac.new(kek, b"skillpass issuer recipient pepper", hashlib.sha256).digest()
