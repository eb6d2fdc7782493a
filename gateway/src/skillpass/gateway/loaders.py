"""DataLoaders, created per request: every object a page needs from the issuer is fetched once per
distinct key, in one round of concurrent calls, however many holdings point at it. A wallet page
of 50 holdings with their issuer and achievement costs one holdings call plus one profile and one
catalogue call per distinct issuing tenant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from skillpass.gateway.clients.errors import BackendProblem
from skillpass.gateway.clients.ports import Backends, Json

K = TypeVar("K")
V = TypeVar("V")


def _per_key(fetch: Callable[[K], Awaitable[V]]) -> Callable[[list[K]], Awaitable[list[V | None]]]:
    """A batch function over a service without a batch endpoint: one concurrent call per distinct
    key (the DataLoader has already removed duplicates); a 4xx answer is ``None`` for that key."""

    async def one(key: K) -> V | None:
        try:
            return await fetch(key)
        except BackendProblem:
            return None

    async def load(keys: list[K]) -> list[V | None]:
        return list(await asyncio.gather(*(one(key) for key in keys)))

    return load


class Loaders:
    def __init__(self, backends: Backends) -> None:
        self.tenant: DataLoader[str, Json | None] = DataLoader(
            load_fn=_per_key(backends.issuer.tenant)
        )
        self.catalogue: DataLoader[str, list[Json] | None] = DataLoader(
            load_fn=_per_key(backends.issuer.achievements)
        )

        async def holding(key: tuple[str, str]) -> Json:
            return await backends.wallet.holding(*key)

        self.holding: DataLoader[tuple[str, str], Json | None] = DataLoader(
            load_fn=_per_key(holding)
        )

    async def achievement(self, tenant_id: str, achievement_id: str) -> Json | None:
        """An achievement of a tenant's catalogue, by its catalogue id or its public URL."""
        catalogue: Sequence[Json] = await self.catalogue.load(tenant_id) or ()
        for item in catalogue:
            ob3 = item.get("achievement")
            public_id = ob3.get("id") if isinstance(ob3, dict) else None
            if achievement_id in (item.get("id"), public_id):
                return item
        return None
