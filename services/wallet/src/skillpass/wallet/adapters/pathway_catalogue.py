"""The issuer's public pathway catalogue over HTTP: `GET {issuer}/tenants/{tenant}/pathways`.

The wallet reads only what it needs (id, name, target achievement, rule, components) and skips
entries it cannot read; a catalogue that cannot be reached yields no pathways (the progress view
is then empty, not an error)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import quote

import httpx
import structlog

from skillpass.wallet.domain.pathways import Pathway, PathwayComponent, Rule

log = structlog.get_logger(__name__)


def pathway_from_json(tenant_id: str, data: Mapping[str, Any]) -> Pathway | None:
    """Reads `{id, name, target_achievement_id, rule: {kind: all_of|n_of|min_credits, count,
    credits}, components: [{achievement_id, name, credits}], accepted_issuers: [...]}`."""
    try:
        rule = data.get("rule") or {}
        kind = Rule(rule.get("kind", "all_of") if isinstance(rule, Mapping) else rule)
        components = tuple(
            PathwayComponent(
                achievement_id=str(c["achievement_id"]),
                name=str(c.get("name", "")),
                credits=float(c["credits"]) if c.get("credits") is not None else None,
            )
            for c in data.get("components", [])
        )
        return Pathway(
            id=str(data["id"]),
            tenant_id=str(data.get("tenant_id", tenant_id)),
            name=str(data.get("name", data["id"])),
            target_achievement_id=data.get("target_achievement_id"),
            rule=kind,
            components=components,
            required_count=rule.get("count") if isinstance(rule, Mapping) else None,
            required_credits=rule.get("credits") if isinstance(rule, Mapping) else None,
            accepted_issuers=tuple(data.get("accepted_issuers", [])),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning("skipping a pathway the wallet cannot read", tenant=tenant_id)
        return None


class HttpPathwayCatalogue:
    def __init__(self, client: httpx.AsyncClient, *, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    async def pathways(self, tenant_ids: Collection[str]) -> list[Pathway]:
        found: list[Pathway] = []
        for tenant in tenant_ids:
            try:
                response = await self._client.get(f"{self._base}/tenants/{quote(tenant)}/pathways")
                response.raise_for_status()
                body = response.json()
            except (httpx.HTTPError, ValueError) as error:
                log.warning("pathway catalogue unavailable", tenant=tenant, error=repr(error))
                continue
            items = body.get("items", body) if isinstance(body, Mapping) else body
            for item in items if isinstance(items, list) else []:
                if isinstance(item, Mapping) and (p := pathway_from_json(tenant, item)):
                    found.append(p)
        return found
