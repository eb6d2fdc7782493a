"""Holding queries: filters and cursor pagination that stays stable while holdings arrive.

Holdings are listed newest first by (received_at, id): both are set once and never change, so a
cursor naming the last item seen keeps its place however many holdings are inserted meanwhile
(new ones sort before the first page and never shift later pages).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from skillpass.wallet.domain.errors import InvalidInput
from skillpass.wallet.domain.holdings import Holding, OfferState, Status

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_TEXT_QUERY = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldingFilter:
    """Who may be seen (learner and/or tenant) and what the caller asked for."""

    learner_id: str | None = None
    tenant_id: str | None = None  # a tenant's service account sees only what the tenant issued
    offers: tuple[OfferState, ...] = (OfferState.ACCEPTED,)
    issuer: str | None = None
    achievement_type: str | None = None
    skill: str | None = None  # skill name, URL or code, case-insensitive
    status: Status | None = None
    issued_from: datetime | None = None  # validFrom ≥
    issued_to: datetime | None = None  # validFrom <
    text: str | None = None  # case-insensitive substring of the names

    def __post_init__(self) -> None:
        if self.learner_id is None and self.tenant_id is None:
            raise ValueError("a holding query is scoped to a learner or a tenant")
        if self.text is not None and len(self.text) > MAX_TEXT_QUERY:
            raise InvalidInput("the search text is too long", code="invalid-filter")
        if (
            self.issued_from is not None
            and self.issued_to is not None
            and self.issued_from >= self.issued_to
        ):
            raise InvalidInput("issued_from must be before issued_to", code="invalid-filter")

    @property
    def text_needle(self) -> str | None:
        return self.text.strip().lower() if self.text and self.text.strip() else None

    def matches(self, holding: Holding) -> bool:
        """The reference semantics; the MongoDB adapter's query must agree (contract suite)."""
        summary = holding.summary
        if summary is None or holding.offer not in self.offers:
            return False
        if self.learner_id is not None and holding.learner_id != self.learner_id:
            return False
        if self.tenant_id is not None and holding.tenant_id != self.tenant_id:
            return False
        if self.issuer is not None and summary.issuer_id != self.issuer:
            return False
        if self.achievement_type is not None and summary.achievement_type != self.achievement_type:
            return False
        if self.skill is not None and self.skill.lower() not in summary.skill_keys:
            return False
        if self.status is not None and holding.status is not self.status:
            return False
        if self.issued_from is not None or self.issued_to is not None:
            issued = summary.valid_from
            if issued is None:
                return False
            if self.issued_from is not None and issued < self.issued_from:
                return False
            if self.issued_to is not None and issued >= self.issued_to:
                return False
        needle = self.text_needle
        return needle is None or needle in summary.search_text


@dataclass(frozen=True, slots=True, kw_only=True)
class Cursor:
    """The sort key of the last item of a page; the next page starts strictly after it."""

    received_at: datetime
    holding_id: str

    @classmethod
    def after(cls, holding: Holding) -> Cursor:
        return cls(received_at=holding.received_at, holding_id=holding.id)

    def encode(self) -> str:
        raw = json.dumps([self.received_at.isoformat(), self.holding_id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            received_at, holding_id = json.loads(raw)
            moment = datetime.fromisoformat(received_at)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise InvalidInput(
                "the cursor is not one this API returned", code="invalid-cursor"
            ) from None
        if moment.tzinfo is None or not isinstance(holding_id, str):
            raise InvalidInput("the cursor is not one this API returned", code="invalid-cursor")
        return cls(received_at=moment, holding_id=holding_id)

    def precedes(self, holding: Holding) -> bool:
        """True when `holding` comes after this cursor in newest-first order."""
        return (holding.received_at, holding.id) < (self.received_at, self.holding_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    items: tuple[Holding, ...]
    next_cursor: Cursor | None


def page_size(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be 1..{MAX_PAGE_SIZE}", code="invalid-limit")
    return limit


def sort_key(holding: Holding) -> tuple[datetime, str]:
    return (holding.received_at, holding.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusCounts:
    active: int = 0
    suspended: int = 0
    revoked: int = 0
    offers: int = 0
