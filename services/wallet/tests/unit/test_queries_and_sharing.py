from __future__ import annotations

from datetime import timedelta

import pytest

from skillpass.wallet.domain.errors import Gone, InvalidInput
from skillpass.wallet.domain.queries import Cursor, HoldingFilter, page_size
from skillpass.wallet.domain.sharing import LinkState, new_share_link
from skillpass.wallet.testing import FIXED_NOW


def test_a_cursor_round_trips() -> None:
    cursor = Cursor(received_at=FIXED_NOW, holding_id="h_1")
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("token", ["", "nope", "W10", "WyJ4IiwxXQ", "WyIyMDI2LTAxLTAxIiwiaCJd"])
def test_a_forged_cursor_is_refused(token: str) -> None:
    with pytest.raises(InvalidInput):
        Cursor.decode(token)


def test_page_size_is_bounded() -> None:
    assert page_size(None) == 20
    for bad in (0, 101):
        with pytest.raises(InvalidInput):
            page_size(bad)


def test_a_query_needs_a_scope_and_a_sane_date_range() -> None:
    with pytest.raises(ValueError, match="scoped"):
        HoldingFilter()
    with pytest.raises(InvalidInput):
        HoldingFilter(learner_id="ada", issued_from=FIXED_NOW, issued_to=FIXED_NOW)
    with pytest.raises(InvalidInput):
        HoldingFilter(learner_id="ada", text="x" * 500)


def test_a_share_link_lives_until_it_expires_or_is_revoked() -> None:
    link = new_share_link(
        link_id="l",
        token="t",
        learner_id="ada",
        holding_ids=("h", "h"),
        now=FIXED_NOW,
        expires_in=timedelta(hours=1),
    )
    assert link.holding_ids == ("h",)
    assert link.state(FIXED_NOW) is LinkState.LIVE
    assert link.state(FIXED_NOW + timedelta(hours=1)) is LinkState.EXPIRED
    with pytest.raises(Gone):
        link.require_live(FIXED_NOW + timedelta(hours=2))
    revoked = link.revoke(FIXED_NOW)
    assert revoked.state(FIXED_NOW) is LinkState.REVOKED
    assert revoked.revoke(FIXED_NOW + timedelta(minutes=5)) == revoked
    assert "t" not in repr(link)


@pytest.mark.parametrize(
    ("holding_ids", "expires_in"),
    [((), None), (("h",), timedelta(0)), (("h",), timedelta(days=400)), (("h",) * 51, None)],
)
def test_invalid_share_links_are_refused(
    holding_ids: tuple[str, ...], expires_in: timedelta | None
) -> None:
    ids = tuple(f"{h}{n}" for n, h in enumerate(holding_ids))
    with pytest.raises(InvalidInput):
        new_share_link(
            link_id="l",
            token="t",
            learner_id="a",
            holding_ids=ids,
            now=FIXED_NOW,
            expires_in=expires_in,
        )
