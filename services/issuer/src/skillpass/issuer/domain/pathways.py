"""Pathways (stacks): a target achievement earned by holding component achievements.

A rule is one of: all of the components, at least N of them, or at least X credits earned over
them. Components count when issued by the pathway's own tenant or by one of the partner issuer
DIDs the pathway accepts, and only while active (a revoked or suspended credential stops
counting). Progress is kept per *recipient key* (see ``recipients``) and evaluated purely here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from skillpass.issuer.domain.credentials import CredentialState
from skillpass.issuer.domain.recipients import SubjectIdentity

# Namespace of the deterministic ids of stacked credentials (one per pathway and recipient).
STACKED_NAMESPACE: Final = uuid.UUID("6b1f0f0e-2c61-4f0a-9a57-6f3e0d1c5a11")


class InvalidPathway(ValueError):  # noqa: N818 - reads as the condition
    pass


class RuleKind(StrEnum):
    ALL_OF = "allOf"
    N_OF = "nOf"
    CREDITS = "credits"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    kind: RuleKind
    components: tuple[str, ...]  # achievement ids
    n: int | None = None  # N_OF
    credits: float | None = None  # CREDITS

    def problems(self) -> list[str]:
        problems = []
        if not self.components:
            problems.append("a rule needs at least one component achievement")
        if len(set(self.components)) != len(self.components):
            problems.append("components must be distinct")
        if self.kind is RuleKind.N_OF and (
            self.n is None or not 1 <= self.n <= len(self.components)
        ):
            problems.append("nOf needs 1 <= n <= the number of components")
        if self.kind is RuleKind.CREDITS and (self.credits is None or self.credits <= 0):
            problems.append("credits needs a positive credit total")
        return problems


@dataclass(frozen=True, slots=True, kw_only=True)
class Pathway:
    id: str
    tenant_id: str
    name: str
    target_achievement_id: str
    rule: Rule
    issuer_did: str  # the tenant's own DID
    accepted_issuers: frozenset[str] = frozenset()  # partner tenants' issuer DIDs
    created_at: datetime
    description: str | None = None

    def accepts(self, issuer_did: str) -> bool:
        return issuer_did == self.issuer_did or issuer_did in self.accepted_issuers


def new_pathway(
    *,
    pathway_id: str,
    tenant_id: str,
    issuer_did: str,
    name: str,
    target_achievement_id: str,
    rule: Rule,
    accepted_issuers: Iterable[str] = (),
    now: datetime,
    description: str | None = None,
) -> Pathway:
    problems = rule.problems()
    if not name.strip():
        problems.append("name must not be empty")
    if target_achievement_id in rule.components:
        problems.append("the target achievement cannot be its own component")
    if problems:
        raise InvalidPathway("; ".join(problems))
    return Pathway(
        id=pathway_id,
        tenant_id=tenant_id,
        name=name,
        target_achievement_id=target_achievement_id,
        rule=rule,
        issuer_did=issuer_did,
        accepted_issuers=frozenset(accepted_issuers),
        created_at=now,
        description=description,
    )


# ----------------------------------------------------------------------------- holdings


@dataclass(frozen=True, slots=True, kw_only=True)
class Holding:
    """One credential a recipient holds, as pathway evaluation sees it."""

    credential_id: str
    achievement_id: str
    issuer_did: str
    credits: float
    state: CredentialState
    subject: SubjectIdentity | None  # reused as the subject of a stacked credential
    issued_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RecipientHoldings:
    """The aggregate kept per recipient key."""

    recipient_key: str
    holdings: Mapping[str, Holding] = field(default_factory=dict)  # by credential id

    def with_holding(self, holding: Holding) -> RecipientHoldings:
        return replace(self, holdings={**self.holdings, holding.credential_id: holding})

    def with_state(self, credential_id: str, state: CredentialState) -> RecipientHoldings:
        holding = self.holdings.get(credential_id)
        if holding is None:
            return self
        return replace(
            self, holdings={**self.holdings, credential_id: replace(holding, state=state)}
        )

    def achievements(self) -> frozenset[str]:
        return frozenset(h.achievement_id for h in self.holdings.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentProgress:
    achievement_id: str
    held: bool
    credential_id: str | None = None
    credits: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PathwayProgress:
    pathway_id: str
    complete: bool
    components: tuple[ComponentProgress, ...]
    rule: Rule
    credits_earned: float

    @property
    def held(self) -> tuple[ComponentProgress, ...]:
        return tuple(c for c in self.components if c.held)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(c.achievement_id for c in self.components if not c.held)

    @property
    def still_needed(self) -> dict[str, Any]:
        """What is left, in the rule's terms (the skill-gap view)."""
        if self.rule.kind is RuleKind.ALL_OF:
            return {"components": len(self.missing)}
        if self.rule.kind is RuleKind.N_OF:
            assert self.rule.n is not None
            return {"components": max(0, self.rule.n - len(self.held))}
        assert self.rule.credits is not None
        return {"credits": max(0.0, self.rule.credits - self.credits_earned)}


def evaluate(pathway: Pathway, holdings: RecipientHoldings) -> PathwayProgress:
    """Which components the recipient holds (active, from an accepted issuer) and whether the rule
    is met. Several credentials for one achievement count once (the one with most credits)."""
    best: dict[str, Holding] = {}
    for holding in holdings.holdings.values():
        if (
            holding.state is not CredentialState.ACTIVE
            or holding.achievement_id not in pathway.rule.components
            or not pathway.accepts(holding.issuer_did)
        ):
            continue
        current = best.get(holding.achievement_id)
        if current is None or (holding.credits, holding.credential_id) > (
            current.credits,
            current.credential_id,
        ):
            best[holding.achievement_id] = holding
    components = tuple(
        ComponentProgress(
            achievement_id=a,
            held=a in best,
            credential_id=best[a].credential_id if a in best else None,
            credits=best[a].credits if a in best else 0.0,
        )
        for a in pathway.rule.components
    )
    credits = sum(c.credits for c in components)
    rule = pathway.rule
    if rule.kind is RuleKind.ALL_OF:
        complete = len(best) == len(rule.components)
    elif rule.kind is RuleKind.N_OF:
        assert rule.n is not None
        complete = len(best) >= rule.n
    else:
        assert rule.credits is not None
        complete = credits >= rule.credits
    return PathwayProgress(
        pathway_id=pathway.id,
        complete=complete,
        components=components,
        rule=rule,
        credits_earned=credits,
    )


def stacked_credential_uuid(pathway_id: str, recipient_key: str) -> str:
    """The one id a pathway's credential for a recipient can have: issuing it twice (redelivered
    events, two consumers racing) hits the same record."""
    return str(uuid.uuid5(STACKED_NAMESPACE, f"{pathway_id}\n{recipient_key}"))
