"""The verifier's settings: the one place its environment is read (prefix ``SKILLPASS_VERIFIER_``;
the shared backends keep their plain names, ``MONGODB_URI`` and ``KAFKA_BOOTSTRAP_SERVERS``)."""

from __future__ import annotations

import json
from datetime import datetime
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from skillpass.platform.settings import ServiceSettings


class TrustSeed(BaseModel):
    """A trusted issuer to have in a registry from startup (platform defaults, demo tenants)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    did: str = Field(pattern=r"^did:[a-z0-9]+:.+")
    name: str = Field(min_length=1)
    scope: str = "global"
    url: str | None = None
    accreditation_body: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class VerifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SKILLPASS_VERIFIER_", extra="ignore", frozen=True, validate_by_name=True
    )

    service_name: str = "verifier"

    # -- fetching did:web documents and status lists (SSRF policy)
    fetch_allow_http: bool = False  # tests and in-cluster issuers only
    fetch_allowed_hosts: frozenset[str] = frozenset()  # exempt from the public-address rule
    fetch_allowed_networks: tuple[IPv4Network | IPv6Network, ...] = ()  # e.g. the service CIDR
    fetch_max_bytes: int = Field(default=1_000_000, ge=1024)
    fetch_max_redirects: int = Field(default=3, ge=0, le=10)
    fetch_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # DID documents + status lists fetched per verification round (amplification guard).
    fetch_max_documents: int = Field(default=32, ge=1, le=1000)
    # did:web resolves to https; "http" only together with fetch_allow_http (tests, in-cluster).
    did_web_scheme: Literal["https", "http"] = "https"

    # -- caching (Cache-Control wins, within these bounds)
    cache_default_ttl_seconds: float = Field(default=300.0, ge=0)
    cache_max_ttl_seconds: float = Field(default=3600.0, ge=0)
    cache_max_entries: int = Field(default=10_000, ge=1)
    # A document that could not be had is not asked for again this soon (an unreachable issuer
    # must not cost one fetch per verification); never longer than cache_max_ttl_seconds.
    cache_failure_ttl_seconds: float = Field(default=5.0, ge=0)

    # -- policy defaults (a caller may ask for stricter per request)
    require_registered_issuer: bool = False
    require_challenge: bool = True  # a presentation proof without a challenge can be replayed
    trust_seeds: tuple[TrustSeed, ...] = ()
    trust_registry_files: tuple[Path, ...] = ()  # DCC "known DID registry" JSON, global scope

    # -- the public verification endpoints: requests per minute per caller (token bucket)
    rate_limit_per_minute: int = Field(default=120, ge=1)
    rate_limit_burst: int = Field(default=30, ge=1)
    # Trust X-Forwarded-For (only behind the gateway / an ingress that sets it).
    trust_forwarded_for: bool = False

    # -- whether the api also runs the outbox relay: false where a `--role relay` process runs
    # it (Kubernetes); the default keeps a lone process complete
    run_relay: bool = True

    # -- authentication of callers (bearer JWTs; the gateway forwards the caller's token)
    jwt_jwks: str | None = None  # a JWKS as JSON
    jwt_jwks_file: Path | None = None
    jwt_audience: str = "skillpass"
    jwt_issuer: str = "skillpass-dev"

    def jwks(self) -> dict[str, object] | None:
        if self.jwt_jwks is not None:
            loaded: dict[str, object] = json.loads(self.jwt_jwks)
            return loaded
        if self.jwt_jwks_file is not None:
            from_file: dict[str, object] = json.loads(self.jwt_jwks_file.read_text())
            return from_file
        return None
