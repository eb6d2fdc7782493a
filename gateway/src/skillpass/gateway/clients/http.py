"""The ports over HTTP/JSON: one pooled ``httpx.AsyncClient`` per service, owned by the gateway's
lifespan (and instrumented by the platform telemetry, so each call is a client span that carries
``traceparent`` onwards). A per-request adapter binds the caller's bearer token to the calls.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from skillpass.gateway.clients.errors import BackendProblem, BackendUnavailable
from skillpass.gateway.clients.ports import Backends, Json

STATUS_ACTIONS = ("revoke", "suspend", "reinstate")


def _segment(value: str) -> str:
    """A path segment: ids are quoted so that nothing a caller sends can change the route."""
    return quote(value, safe="")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a call is made for: their bearer token (forwarded as it came) and their address
    (``X-Forwarded-For``, so a service's per-client limits see the client, not the gateway)."""

    token: str | None = None
    address: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.address is not None:
            headers["X-Forwarded-For"] = self.address
        return headers


class ServiceHttp:
    """Calls one service; raises the gateway's errors instead of returning bad responses."""

    def __init__(self, name: str, client: httpx.AsyncClient) -> None:
        self.name = name
        self._client = client

    async def call(
        self,
        method: str,
        path: str,
        *,
        caller: Caller,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        sent = {**caller.headers(), **(headers or {})}
        try:
            response = await self._client.request(
                method, path, json=json, params=params, headers=sent
            )
        except httpx.HTTPError as error:
            raise BackendUnavailable(self.name, type(error).__name__) from None
        if response.status_code >= 500:
            raise BackendUnavailable(self.name, f"status {response.status_code}")
        if response.status_code >= 400:
            raise self._problem(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise BackendUnavailable(self.name, "the answer is not JSON") from None

    def _problem(self, response: httpx.Response) -> BackendProblem:
        body: Any = None
        with contextlib.suppress(ValueError):
            body = response.json()
        if not isinstance(body, dict):
            body = {}
        known = {"type", "title", "status", "detail", "code"}
        return BackendProblem(
            service=self.name,
            status=response.status_code,
            code=str(body.get("code") or response.reason_phrase.lower().replace(" ", "-")),
            detail=str(body.get("detail") or body.get("title") or response.reason_phrase),
            extensions={k: v for k, v in body.items() if k not in known},
        )


def _object(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Json]:
    items = value.get("items", []) if isinstance(value, dict) else value
    return [item for item in items or [] if isinstance(item, dict)]


class HttpIssuer:
    def __init__(self, http: ServiceHttp, caller: Caller) -> None:
        self._http = http
        self._caller = caller

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._http.call(method, path, caller=self._caller, **kwargs)

    async def create_tenant(self, body: Mapping[str, Any]) -> Json:
        return _object(await self._call("POST", "/tenants", json=dict(body)))

    async def tenant(self, tenant_id: str) -> Json:
        return _object(await self._call("GET", f"/tenants/{_segment(tenant_id)}"))

    async def rotate_key(self, tenant_id: str) -> Json:
        return _object(await self._call("POST", f"/tenants/{_segment(tenant_id)}/keys/rotate"))

    async def achievements(self, tenant_id: str) -> list[Json]:
        return _items(await self._call("GET", f"/tenants/{_segment(tenant_id)}/achievements"))

    async def achievement(self, tenant_id: str, achievement_id: str) -> Json:
        path = f"/tenants/{_segment(tenant_id)}/achievements/{_segment(achievement_id)}"
        return _object(await self._call("GET", path))

    async def create_achievement(self, tenant_id: str, body: Mapping[str, Any]) -> Json:
        path = f"/tenants/{_segment(tenant_id)}/achievements"
        return _object(await self._call("POST", path, json=dict(body)))

    async def pathways(self, tenant_id: str) -> list[Json]:
        return _items(await self._call("GET", f"/tenants/{_segment(tenant_id)}/pathways"))

    async def create_pathway(self, tenant_id: str, body: Mapping[str, Any]) -> Json:
        path = f"/tenants/{_segment(tenant_id)}/pathways"
        return _object(await self._call("POST", path, json=dict(body)))

    async def pathway_progress(self, pathway_id: str, recipient: str) -> Json:
        path = f"/pathways/{_segment(pathway_id)}/progress"
        return _object(await self._call("GET", path, params={"recipient": recipient}))

    async def issue(
        self, tenant_id: str, body: Mapping[str, Any], *, idempotency_key: str | None
    ) -> Json:
        # In the body, not the Idempotency-Key header: a client's key may be any text, and HTTP
        # header values must be ASCII.
        payload = {**body, "idempotencyKey": idempotency_key} if idempotency_key else dict(body)
        path = f"/tenants/{_segment(tenant_id)}/credentials"
        return _object(await self._call("POST", path, json=payload))

    async def issue_batch(
        self, tenant_id: str, rows: Sequence[Mapping[str, Any]], *, idempotency_key: str | None
    ) -> Json:
        path = f"/tenants/{_segment(tenant_id)}/batch-jobs"
        body: dict[str, Any] = {"rows": [dict(row) for row in rows]}
        if idempotency_key:
            body["idempotencyKey"] = idempotency_key  # in the body, as for a single credential
        return _object(await self._call("POST", path, json=body))

    async def batch_job(self, tenant_id: str, job_id: str) -> Json:
        path = f"/tenants/{_segment(tenant_id)}/batch-jobs/{_segment(job_id)}"
        return _object(await self._call("GET", path))

    async def credential(self, tenant_id: str, credential_id: str) -> Json:
        path = f"/tenants/{_segment(tenant_id)}/credentials/{_segment(credential_id)}"
        return _object(await self._call("GET", path))

    async def change_status(
        self, tenant_id: str, credential_id: str, *, action: str, reason: str
    ) -> Json:
        if action not in STATUS_ACTIONS:
            raise ValueError(f"unknown status action {action!r}")
        path = f"/tenants/{_segment(tenant_id)}/credentials/{_segment(credential_id)}/{action}"
        return _object(await self._call("POST", path, json={"reason": reason}))

    async def status_list(self, list_id: str) -> Json:
        return _object(await self._call("GET", f"/status-lists/{_segment(list_id)}"))


class HttpWallet:
    def __init__(self, http: ServiceHttp, caller: Caller) -> None:
        self._http = http
        self._caller = caller

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._http.call(method, path, caller=self._caller, **kwargs)

    @staticmethod
    def _learner(learner_id: str) -> str:
        return f"/learners/{_segment(learner_id)}"

    async def register_learner(self, body: Mapping[str, Any]) -> Json:
        return _object(await self._call("POST", "/learners", json=dict(body)))

    async def learner(self, learner_id: str) -> Json:
        return _object(await self._call("GET", self._learner(learner_id)))

    async def holdings(
        self,
        learner_id: str,
        *,
        offers: bool,
        filters: Mapping[str, str],
        limit: int,
        cursor: str | None,
    ) -> Json:
        params = {**filters, "limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        which = "offers" if offers else "holdings"
        return _object(
            await self._call("GET", f"{self._learner(learner_id)}/{which}", params=params)
        )

    async def holding(self, learner_id: str, holding_id: str) -> Json:
        path = f"{self._learner(learner_id)}/holdings/{_segment(holding_id)}"
        return _object(await self._call("GET", path))

    async def counts(self, learner_id: str) -> Json:
        return _object(await self._call("GET", f"{self._learner(learner_id)}/holdings/counts"))

    async def accept_offer(self, learner_id: str, holding_id: str) -> Json:
        path = f"{self._learner(learner_id)}/offers/{_segment(holding_id)}/accept"
        return _object(await self._call("POST", path))

    async def decline_offer(self, learner_id: str, holding_id: str, reason: str) -> Json:
        path = f"{self._learner(learner_id)}/offers/{_segment(holding_id)}/decline"
        return _object(await self._call("POST", path, json={"reason": reason}))

    async def import_credential(self, learner_id: str, credential: Mapping[str, Any]) -> Json:
        path = f"{self._learner(learner_id)}/holdings/import"
        return _object(await self._call("POST", path, json=dict(credential)))

    async def pathway_progress(self, learner_id: str) -> list[Json]:
        return _items(await self._call("GET", f"{self._learner(learner_id)}/pathways"))

    async def share_links(self, learner_id: str) -> list[Json]:
        return _items(await self._call("GET", f"{self._learner(learner_id)}/share-links"))

    async def create_share_link(
        self,
        learner_id: str,
        *,
        holding_ids: Sequence[str],
        expires_in_seconds: int | None,
        label: str,
    ) -> Json:
        body: Json = {"holding_ids": list(holding_ids), "label": label}
        if expires_in_seconds is not None:
            body["expires_in_seconds"] = expires_in_seconds
        path = f"{self._learner(learner_id)}/share-links"
        return _object(await self._call("POST", path, json=body))

    async def revoke_share_link(self, learner_id: str, link_id: str) -> Json:
        path = f"{self._learner(learner_id)}/share-links/{_segment(link_id)}"
        return _object(await self._call("DELETE", path))

    async def create_presentation(
        self,
        learner_id: str,
        *,
        holding_ids: Sequence[str] | None,
        challenge: str | None,
        domain: str | None,
    ) -> Json:
        body: Json = {"challenge": challenge, "domain": domain}
        if holding_ids is not None:
            body["holding_ids"] = list(holding_ids)
        path = f"{self._learner(learner_id)}/presentations"
        return _object(await self._call("POST", path, json=body))


class HttpVerifier:
    def __init__(self, http: ServiceHttp, caller: Caller) -> None:
        self._http = http
        self._caller = caller

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._http.call(method, path, caller=self._caller, **kwargs)

    async def verify_credential(
        self, credential: Mapping[str, Any], options: Mapping[str, Any]
    ) -> Json:
        body = {"verifiableCredential": dict(credential), "options": dict(options)}
        return _object(await self._call("POST", "/credentials/verify", json=body))

    async def verify_presentation(
        self, presentation: Mapping[str, Any], options: Mapping[str, Any]
    ) -> Json:
        body = {"verifiablePresentation": dict(presentation), "options": dict(options)}
        return _object(await self._call("POST", "/presentations/verify", json=body))

    async def verification(self, verification_id: str) -> Json:
        return _object(await self._call("GET", f"/verifications/{_segment(verification_id)}"))

    async def add_trusted_issuer(self, scope: str, did: str, body: Mapping[str, Any]) -> Json:
        path = f"/trust/registries/{_segment(scope)}/issuers/{_segment(did)}"
        return _object(await self._call("PUT", path, json=dict(body)))


class ServiceClients:
    """The three pooled clients; :meth:`for_caller` binds them to one caller's token."""

    def __init__(
        self, *, issuer: httpx.AsyncClient, wallet: httpx.AsyncClient, verifier: httpx.AsyncClient
    ) -> None:
        self.issuer = ServiceHttp("issuer", issuer)
        self.wallet = ServiceHttp("wallet", wallet)
        self.verifier = ServiceHttp("verifier", verifier)

    def for_caller(self, token: str | None, address: str | None = None) -> Backends:
        caller = Caller(token=token, address=address)
        return Backends(
            issuer=HttpIssuer(self.issuer, caller),
            wallet=HttpWallet(self.wallet, caller),
            verifier=HttpVerifier(self.verifier, caller),
        )
