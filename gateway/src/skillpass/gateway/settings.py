"""The gateway's settings: the one place its environment is read (prefix ``SKILLPASS_GATEWAY_``;
the shared backends keep their plain names, ``KAFKA_BOOTSTRAP_SERVERS`` for the subscription feed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from skillpass.platform.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SKILLPASS_GATEWAY_", extra="ignore", frozen=True, validate_by_name=True
    )

    service_name: str = "gateway"

    # -- the services (unset in embedded mode, where they are reached in-process)
    issuer_url: str = "http://127.0.0.1:8101"
    wallet_url: str = "http://127.0.0.1:8102"
    verifier_url: str = "http://127.0.0.1:8103"
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    http_max_connections: int = Field(default=100, ge=1)

    # -- bearer tokens: a JWKS (JSON text, a file, or a URL fetched at start), audience, issuer
    jwt_jwks: str | None = None
    jwt_jwks_file: Path | None = None
    jwt_jwks_url: str | None = None
    jwt_audience: str = "skillpass"
    jwt_issuer: str = "skillpass"

    # -- GraphQL
    graphiql: bool = False
    max_depth: int = Field(default=10, ge=1)
    max_aliases: int = Field(default=15, ge=1)
    max_tokens: int = Field(default=2_000, ge=10)
    max_cost: int = Field(default=1_000, ge=1)  # the sum of requested page sizes
    persisted_queries_max: int = Field(default=5_000, ge=1)
    max_subscriptions_per_connection: int = Field(default=20, ge=1)

    # -- per-client rate limit (requests per second, burst)
    rate_limit_per_second: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=60, ge=1)

    # -- subscriptions: each replica reads every event in a consumer group of its own
    replica_id: str = "local"
    subscriber_queue_size: int = Field(default=256, ge=1)
    batch_poll_seconds: float = Field(default=0.5, gt=0)

    def jwks(self) -> dict[str, Any] | None:
        """The key set given inline or as a file (a URL is fetched by the lifespan)."""
        if self.jwt_jwks is not None:
            loaded: dict[str, Any] = json.loads(self.jwt_jwks)
            return loaded
        if self.jwt_jwks_file is not None:
            from_file: dict[str, Any] = json.loads(self.jwt_jwks_file.read_text())
            return from_file
        return None
