"""Pathway progress: which components of a stack a learner holds, which are missing, credits.

Pathway definitions belong to the issuer (its catalogue); the wallet reads them and applies the
same counting rule the issuer uses to award the stacked credential: only accepted, active
holdings count (revoked and suspended ones do not), from an issuer the pathway accepts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from skillpass.wallet.domain.holdings import Holding, OfferState, Status


class Rule(StrEnum):
    ALL_OF = "all_of"
    N_OF = "n_of"
    MIN_CREDITS = "min_credits"


@dataclass(frozen=True, slots=True, kw_only=True)
class PathwayComponent:
    achievement_id: str
    name: str = ""
    credits: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pathway:
    id: str
    tenant_id: str
    name: str
    target_achievement_id: str | None
    rule: Rule
    components: tuple[PathwayComponent, ...]
    required_count: int | None = None  # for N_OF
    required_credits: float | None = None  # for MIN_CREDITS
    accepted_issuers: tuple[str, ...] = ()  # issuer ids whose components count; empty: any


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentProgress:
    component: PathwayComponent
    holding_id: str | None  # the holding that satisfies it, None when missing

    @property
    def held(self) -> bool:
        return self.holding_id is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class PathwayProgress:
    pathway: Pathway
    components: tuple[ComponentProgress, ...]
    credits_earned: float
    completed: bool
    stacked_holding_id: str | None  # the pathway's own credential, once held

    @property
    def held(self) -> tuple[ComponentProgress, ...]:
        return tuple(c for c in self.components if c.held)

    @property
    def missing(self) -> tuple[ComponentProgress, ...]:
        return tuple(c for c in self.components if not c.held)


def counts(holding: Holding) -> bool:
    return holding.offer is OfferState.ACCEPTED and holding.status is Status.ACTIVE


def _achievements(holding: Holding) -> tuple[str, ...]:
    """What a pathway may call the holding's achievement: the issuer's catalogue id (from its
    event) or the achievement's id in the credential (imports have only that)."""
    named = (holding.achievement_ref, holding.summary.achievement_id if holding.summary else None)
    return tuple(n for n in named if n)


def progress(pathway: Pathway, holdings: Iterable[Holding]) -> PathwayProgress:
    usable = [
        h
        for h in holdings
        if counts(h)
        and h.summary is not None
        and (not pathway.accepted_issuers or h.summary.issuer_id in pathway.accepted_issuers)
    ]
    by_achievement: dict[str, Holding] = {}
    for holding in sorted(usable, key=lambda h: (h.received_at, h.id)):
        for achievement in _achievements(holding):
            by_achievement.setdefault(achievement, holding)
    components = tuple(
        ComponentProgress(
            component=c,
            holding_id=by_achievement[c.achievement_id].id
            if c.achievement_id in by_achievement
            else None,
        )
        for c in pathway.components
    )
    credits = 0.0
    for c in components:
        if c.holding_id is None:
            continue
        summary = by_achievement[c.component.achievement_id].summary
        earned = summary.credits if summary is not None else None
        credits += earned if earned is not None else (c.component.credits or 0.0)
    held = sum(1 for c in components if c.held)
    if pathway.rule is Rule.ALL_OF:
        completed = held == len(components) and held > 0
    elif pathway.rule is Rule.N_OF:
        completed = held >= (pathway.required_count or len(components))
    else:
        completed = credits >= (pathway.required_credits or 0.0) and held > 0
    stacked = next(
        (
            h.id
            for h in usable
            if pathway.target_achievement_id is not None
            and pathway.target_achievement_id in _achievements(h)
        ),
        None,
    )
    return PathwayProgress(
        pathway=pathway,
        components=components,
        credits_earned=credits,
        completed=completed or stacked is not None,
        stacked_holding_id=stacked,
    )


def relevant_progress(
    pathways: Iterable[Pathway], holdings: Iterable[Holding]
) -> list[PathwayProgress]:
    """Progress on the pathways the learner has started (holds a component or the target)."""
    held = list(holdings)
    results = []
    for pathway in pathways:
        result = progress(pathway, held)
        if result.held or result.stacked_holding_id is not None:
            results.append(result)
    return results
