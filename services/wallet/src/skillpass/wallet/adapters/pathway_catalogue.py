"""The issuer's pathway catalogue over HTTP: `GET {issuer}/tenants/{tenant}/pathways`.

Reads the issuer's representation (`{items: [{id, tenantId, name, targetAchievementId,
rule: {kind: allOf|nOf|credits, components: [achievement ids], n, credits},
acceptedIssuers}]}`) and skips entries it cannot read; a catalogue that cannot be reached yields
no pathways (the progress view is then empty, not an error). Component and target ids are the
issuer's catalogue achievement ids, which its `issuer.credential.issued.v1` events carry; their
names and credits come from the same tenant's public `GET …/achievements` (OB 3.0 `Achievement`
under `achievement`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import quote

import httpx
import structlog

from skillpass.wallet.domain.pathways import Pathway, PathwayComponent, Rule

log = structlog.get_logger(__name__)

RULES = {"allOf": Rule.ALL_OF, "nOf": Rule.N_OF, "credits": Rule.MIN_CREDITS}


def pathway_from_json(
    tenant_id: str,
    data: Mapping[str, Any],
    achievements: Mapping[str, PathwayComponent] | None = None,
) -> Pathway | None:
    known = achievements or {}
    try:
        rule = data["rule"]
        components = tuple(
            known.get(str(c)) or PathwayComponent(achievement_id=str(c))
            for c in rule["components"]
            if c
        )
        n = rule.get("n")
        credits = rule.get("credits")
        return Pathway(
            id=str(data["id"]),
            tenant_id=str(data.get("tenantId") or tenant_id),
            name=str(data.get("name") or data["id"]),
            target_achievement_id=data.get("targetAchievementId") or None,
            rule=RULES[rule["kind"]],
            components=components,
            required_count=int(n) if n is not None else None,
            required_credits=float(credits) if credits is not None else None,
            accepted_issuers=tuple(str(i) for i in data.get("acceptedIssuers") or ()),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning("skipping a pathway the wallet cannot read", tenant=tenant_id)
        return None


def components_from_json(body: Any) -> dict[str, PathwayComponent]:
    """Achievement id → its name and credits, from the issuer's achievement list."""
    items = body.get("items") if isinstance(body, Mapping) else None
    found: dict[str, PathwayComponent] = {}
    for item in items if isinstance(items, list) else []:
        definition = item.get("achievement") if isinstance(item, Mapping) else None
        if not isinstance(definition, Mapping) or not isinstance(item.get("id"), str):
            continue
        name = definition.get("name")
        credits = definition.get("creditsAvailable")
        found[item["id"]] = PathwayComponent(
            achievement_id=item["id"],
            name=name if isinstance(name, str) else "",
            credits=float(credits) if isinstance(credits, int | float) else None,
        )
    return found


class HttpPathwayCatalogue:
    def __init__(self, client: httpx.AsyncClient, *, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    async def pathways(self, tenant_ids: Collection[str]) -> list[Pathway]:
        found: list[Pathway] = []
        for tenant in tenant_ids:
            catalogue = f"{self._base}/tenants/{quote(tenant, safe='')}"
            body = await self._get(f"{catalogue}/pathways", tenant)
            items = body.get("items") if isinstance(body, Mapping) else None
            if not isinstance(items, list) or not items:
                continue
            achievements = components_from_json(
                await self._get(f"{catalogue}/achievements", tenant)
            )
            for item in items:
                if isinstance(item, Mapping) and (
                    p := pathway_from_json(tenant, item, achievements)
                ):
                    found.append(p)
        return found

    async def _get(self, url: str, tenant: str) -> Any:
        try:
            response = await self._client.get(url)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("pathway catalogue unavailable", tenant=tenant, error=repr(error))
            return None
