"""The ports the resolvers call: one Protocol per service, bound to one caller (their bearer token
travels with every call, so each service enforces authorization again).

Answers are the services' JSON documents (see each service's OpenAPI); the schema's types read
them. Failures raise :class:`~skillpass.gateway.clients.errors.BackendProblem` (a 4xx with the
service's ``code``) or :class:`~skillpass.gateway.clients.errors.BackendUnavailable`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Json = dict[str, Any]


class IssuerPort(Protocol):
    async def create_tenant(self, body: Mapping[str, Any]) -> Json: ...

    async def tenant(self, tenant_id: str) -> Json: ...

    async def rotate_key(self, tenant_id: str) -> Json: ...

    async def achievements(self, tenant_id: str) -> list[Json]: ...

    async def achievement(self, tenant_id: str, achievement_id: str) -> Json: ...

    async def create_achievement(self, tenant_id: str, body: Mapping[str, Any]) -> Json: ...

    async def pathways(self, tenant_id: str) -> list[Json]: ...

    async def create_pathway(self, tenant_id: str, body: Mapping[str, Any]) -> Json: ...

    async def pathway_progress(self, pathway_id: str, recipient: str) -> Json: ...

    async def issue(
        self, tenant_id: str, body: Mapping[str, Any], *, idempotency_key: str | None
    ) -> Json: ...

    async def issue_batch(
        self, tenant_id: str, rows: Sequence[Mapping[str, Any]], *, idempotency_key: str | None
    ) -> Json: ...

    async def batch_job(self, tenant_id: str, job_id: str) -> Json: ...

    async def credential(self, tenant_id: str, credential_id: str) -> Json: ...

    async def change_status(
        self, tenant_id: str, credential_id: str, *, action: str, reason: str
    ) -> Json:
        """``action``: revoke, suspend or reinstate."""

    async def status_list(self, list_id: str) -> Json: ...


class WalletPort(Protocol):
    async def register_learner(self, body: Mapping[str, Any]) -> Json: ...

    async def learner(self, learner_id: str) -> Json: ...

    async def holdings(
        self,
        learner_id: str,
        *,
        offers: bool,
        filters: Mapping[str, str],
        limit: int,
        cursor: str | None,
    ) -> Json: ...

    async def holding(self, learner_id: str, holding_id: str) -> Json: ...

    async def counts(self, learner_id: str) -> Json: ...

    async def accept_offer(self, learner_id: str, holding_id: str) -> Json: ...

    async def decline_offer(self, learner_id: str, holding_id: str, reason: str) -> Json: ...

    async def import_credential(self, learner_id: str, credential: Mapping[str, Any]) -> Json: ...

    async def pathway_progress(self, learner_id: str) -> list[Json]: ...

    async def share_links(self, learner_id: str) -> list[Json]: ...

    async def create_share_link(
        self,
        learner_id: str,
        *,
        holding_ids: Sequence[str],
        expires_in_seconds: int | None,
        label: str,
    ) -> Json: ...

    async def revoke_share_link(self, learner_id: str, link_id: str) -> Json: ...

    async def create_presentation(
        self,
        learner_id: str,
        *,
        holding_ids: Sequence[str] | None,
        challenge: str | None,
        domain: str | None,
    ) -> Json: ...


class VerifierPort(Protocol):
    async def verify_credential(
        self, credential: Mapping[str, Any], options: Mapping[str, Any]
    ) -> Json: ...

    async def verify_presentation(
        self, presentation: Mapping[str, Any], options: Mapping[str, Any]
    ) -> Json: ...

    async def verification(self, verification_id: str) -> Json: ...

    async def add_trusted_issuer(self, scope: str, did: str, body: Mapping[str, Any]) -> Json: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Backends:
    """The three services as one caller sees them."""

    issuer: IssuerPort
    wallet: WalletPort
    verifier: VerifierPort
