"""Share links: a public, unguessable URL for one credential or a set, expiring and revocable."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from skillpass.wallet.domain.errors import Gone, InvalidInput

MAX_LIFETIME = timedelta(days=366)
MAX_HOLDINGS_PER_LINK = 50
MAX_LABEL = 200


class LinkState(StrEnum):
    LIVE = "live"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareLink:
    id: str
    token: str  # the capability in the public URL
    learner_id: str
    holding_ids: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    views: int = 0
    label: str = ""

    def __repr__(self) -> str:  # the token is a bearer capability
        return f"ShareLink(id={self.id!r}, learner_id={self.learner_id!r})"

    def state(self, now: datetime) -> LinkState:
        if self.revoked_at is not None:
            return LinkState.REVOKED
        if self.expires_at is not None and now >= self.expires_at:
            return LinkState.EXPIRED
        return LinkState.LIVE

    def require_live(self, now: datetime) -> None:
        state = self.state(now)
        if state is LinkState.REVOKED:
            raise Gone("this share link was revoked", code="share-link-revoked")
        if state is LinkState.EXPIRED:
            raise Gone("this share link has expired", code="share-link-expired")

    def revoke(self, now: datetime) -> ShareLink:
        return self if self.revoked_at is not None else replace(self, revoked_at=now)


def new_share_link(
    *,
    link_id: str,
    token: str,
    learner_id: str,
    holding_ids: tuple[str, ...],
    now: datetime,
    expires_in: timedelta | None,
    label: str = "",
) -> ShareLink:
    if not holding_ids:
        raise InvalidInput("a share link shares at least one credential", code="invalid-share")
    if len(holding_ids) > MAX_HOLDINGS_PER_LINK:
        raise InvalidInput(
            f"a share link shares at most {MAX_HOLDINGS_PER_LINK} credentials",
            code="invalid-share",
        )
    if expires_in is not None and not timedelta(0) < expires_in <= MAX_LIFETIME:
        raise InvalidInput("expiry must be in the future and within a year", code="invalid-share")
    if len(label) > MAX_LABEL:
        raise InvalidInput("the label is too long", code="invalid-share")
    return ShareLink(
        id=link_id,
        token=token,
        learner_id=learner_id,
        holding_ids=tuple(dict.fromkeys(holding_ids)),
        created_at=now,
        expires_at=now + expires_in if expires_in is not None else None,
        label=label,
    )
