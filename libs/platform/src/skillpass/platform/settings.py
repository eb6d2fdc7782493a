"""Settings every service shares; each service extends `ServiceSettings` in its own settings.py,
the only module that reads the environment.

The shared backends are named without a service prefix (`KAFKA_BOOTSTRAP_SERVERS`,
`MONGODB_URI`, `OTEL_*`): one environment configures the whole stack. Unset backends mean the
embedded run mode (in-memory bus and stores).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Subclasses set `service_name` and `model_config = SettingsConfigDict(env_prefix="ISSUER_")`
    for their own fields; the shared fields below keep their unprefixed names."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, validate_by_name=True)

    service_name: str = "skillpass"
    kafka_bootstrap_servers: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS")
    )
    kafka_replication_factor: int = Field(
        default=1, ge=1, validation_alias=AliasChoices("KAFKA_REPLICATION_FACTOR")
    )
    kafka_topic_partitions: int = Field(
        default=3, ge=1, validation_alias=AliasChoices("KAFKA_TOPIC_PARTITIONS")
    )
    # Broker authentication (Strimzi: SCRAM-SHA-512 over TLS); PLAINTEXT for the local stack.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SASL_MECHANISM")
    )
    kafka_sasl_username: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SASL_USERNAME")
    )
    kafka_sasl_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SASL_PASSWORD")
    )
    kafka_ssl_cafile: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SSL_CAFILE")
    )
    # A secret: the URI may carry credentials.
    mongodb_uri: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("MONGODB_URI")
    )
    mongodb_database: str | None = Field(
        default=None, validation_alias=AliasChoices("MONGODB_DATABASE")
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL"))
    max_request_body_bytes: int = Field(
        default=1_048_576, ge=1, validation_alias=AliasChoices("MAX_REQUEST_BODY_BYTES")
    )
    readiness_timeout_seconds: float = Field(
        default=2.0, gt=0, validation_alias=AliasChoices("READINESS_TIMEOUT_SECONDS")
    )

    @property
    def embedded(self) -> bool:
        """No Kafka configured: run on the in-memory bus and stores."""
        return self.kafka_bootstrap_servers is None

    @property
    def database_name(self) -> str:
        """One database per service, named after it unless MONGODB_DATABASE says otherwise."""
        return self.mongodb_database or self.service_name.replace("-", "_")
