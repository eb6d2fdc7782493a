"""The wallet's settings: the one place the environment is read (prefix `SKILLPASS_WALLET_`;
the shared backends keep their unprefixed names: `MONGODB_URI`, `KAFKA_BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

import base64
import binascii

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from skillpass.platform.settings import ServiceSettings

KEK_BYTES = 32


class WalletSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SKILLPASS_WALLET_", extra="ignore", frozen=True, validate_by_name=True
    )

    service_name: str = "wallet"
    # Where the public share pages live: share URLs are `{public_base_url}/s/{token}`.
    public_base_url: str = "http://127.0.0.1:8000/wallet"
    # Key-encryption key for holder keys: 32 bytes, base64. Unset only in embedded mode, where an
    # ephemeral one is drawn (keys sealed with it die with the process).
    kek: SecretStr | None = None
    # The verifier service (`POST /credentials/verify`); unset: verify in-process with the vc core.
    verifier_url: str | None = None
    # The issuer's public catalogue (pathway definitions); unset: no pathways known.
    issuer_url: str | None = None
    http_timeout_seconds: float = Field(default=5.0, gt=0)
    # JWT: the key set (JSON), audience and issuer every bearer token is checked against.
    jwt_jwks: str | None = None
    jwt_audience: str = "skillpass"
    jwt_issuer: str = "skillpass"
    consumer_group: str = "wallet"
    # Whether the api and consumer processes also run the outbox relay: false where a
    # `--role relay` process runs it (Kubernetes); the default keeps a lone process complete.
    run_relay: bool = True
    consumer_max_attempts: int = Field(default=5, ge=1)

    @field_validator("kek")
    @classmethod
    def _kek_is_32_bytes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            decode_kek(value)
        return value

    def kek_bytes(self) -> bytes | None:
        return None if self.kek is None else decode_kek(self.kek)


def decode_kek(value: SecretStr) -> bytes:
    try:
        raw = base64.b64decode(value.get_secret_value(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("SKILLPASS_WALLET_KEK must be base64") from None
    if len(raw) != KEK_BYTES:
        raise ValueError(f"SKILLPASS_WALLET_KEK must decode to {KEK_BYTES} bytes")
    return raw
