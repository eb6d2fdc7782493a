"""One contract for `ShareLinkRepository`, on memory and on the real MongoDB-wire server."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from skillpass.wallet.domain.errors import Conflict
from skillpass.wallet.domain.sharing import ShareLink, new_share_link
from skillpass.wallet.testing import FIXED_NOW

from .conftest import Repositories


def link(link_id: str, token: str, *, minutes: int = 0) -> ShareLink:
    return new_share_link(
        link_id=link_id,
        token=token,
        learner_id="ada",
        holding_ids=("h_1", "h_2"),
        now=FIXED_NOW + timedelta(minutes=minutes),
        expires_in=timedelta(days=7),
        label="job application",
    )


async def test_a_link_round_trips_and_is_found_by_token(repositories: Repositories) -> None:
    links = repositories.share_links
    await links.add(link("l1", "tok-1"))
    assert await links.get("l1") == link("l1", "tok-1")
    assert await links.by_token("tok-1") == link("l1", "tok-1")
    assert await links.by_token("tok-x") is None


async def test_tokens_are_unique(repositories: Repositories) -> None:
    await repositories.share_links.add(link("l1", "tok-1"))
    with pytest.raises(Conflict):
        await repositories.share_links.add(link("l2", "tok-1"))


async def test_a_learners_links_come_newest_first(repositories: Repositories) -> None:
    links = repositories.share_links
    await links.add(link("l1", "tok-1", minutes=1))
    await links.add(link("l2", "tok-2", minutes=2))
    assert [x.id for x in await links.of_learner("ada")] == ["l2", "l1"]
    assert await links.of_learner("eve") == []


async def test_revoking_keeps_the_first_revocation_time(repositories: Repositories) -> None:
    links = repositories.share_links
    await links.add(link("l1", "tok-1"))
    first = await links.revoke("l1", at=FIXED_NOW + timedelta(hours=1))
    again = await links.revoke("l1", at=FIXED_NOW + timedelta(hours=2))
    assert first is not None
    assert again is not None
    assert first.revoked_at == again.revoked_at == FIXED_NOW + timedelta(hours=1)
    assert await links.revoke("nope", at=FIXED_NOW) is None


async def test_concurrent_views_are_all_counted(repositories: Repositories) -> None:
    links = repositories.share_links
    await links.add(link("l1", "tok-1"))
    await asyncio.gather(*(links.count_view("l1") for _ in range(20)))
    stored = await links.get("l1")
    assert stored is not None
    assert stored.views == 20
