"""What the wallet reads out of an Open Badges 3.0 / VC credential to list, search and show it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from skillpass.vc.validation import as_list, node_id, parse_datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Skill:
    """An OB 3.0 `Alignment` of the achievement: the skill it evidences."""

    name: str
    url: str | None = None
    code: str | None = None
    framework: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """What a skill filter may name: its name, URL or code (case-insensitive)."""
        return tuple(k.lower() for k in (self.name, self.url, self.code) if k)


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialSummary:
    credential_id: str
    name: str
    issuer_id: str
    issuer_name: str | None = None
    achievement_id: str | None = None
    achievement_name: str | None = None
    achievement_type: str | None = None
    description: str | None = None
    image_url: str | None = None
    skills: tuple[Skill, ...] = ()
    credits: float | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    @property
    def search_text(self) -> str:
        """Lower-cased names that free-text search runs over."""
        parts = [self.name, self.achievement_name, self.issuer_name, *(s.name for s in self.skills)]
        return " \n".join(p.lower() for p in parts if p)

    @property
    def skill_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for s in self.skills for k in s.keys))


def credential_id_of(credential: Mapping[str, Any]) -> str:
    """The credential's `id`, or (a VC 2.0 id is optional) a digest of its content."""
    cid = credential.get("id")
    if isinstance(cid, str) and cid:
        return cid
    canonical = json.dumps(credential, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "urn:sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, Mapping):  # a JSON-LD language map / value object
        for key in ("@value", "en", "en-US"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return None


def _image(value: object) -> str | None:
    if isinstance(value, str):
        return value
    return node_id(value) if isinstance(value, Mapping) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def subject_of(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    return subject if isinstance(subject, Mapping) else {}


def achievement_of(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    achievement = subject_of(credential).get("achievement")
    return achievement if isinstance(achievement, Mapping) else {}


def skills_of(achievement: Mapping[str, Any]) -> tuple[Skill, ...]:
    skills = []
    for alignment in as_list(achievement.get("alignment")):
        if not isinstance(alignment, Mapping):
            continue
        name = _text(alignment.get("targetName"))
        if name is None:
            continue
        skills.append(
            Skill(
                name=name,
                url=_text(alignment.get("targetUrl")),
                code=_text(alignment.get("targetCode")),
                framework=_text(alignment.get("targetFramework")),
            )
        )
    return tuple(skills)


def summarize(credential: Mapping[str, Any]) -> CredentialSummary:
    issuer = credential.get("issuer")
    achievement = achievement_of(credential)
    subject = subject_of(credential)
    achievement_name = _text(achievement.get("name"))
    kind = achievement.get("achievementType")
    return CredentialSummary(
        credential_id=credential_id_of(credential),
        name=_text(credential.get("name")) or achievement_name or "Credential",
        issuer_id=node_id(issuer) or "",
        issuer_name=_text(issuer.get("name")) if isinstance(issuer, Mapping) else None,
        achievement_id=node_id(achievement),
        achievement_name=achievement_name,
        achievement_type=kind if isinstance(kind, str) else None,
        description=_text(achievement.get("description")) or _text(credential.get("description")),
        image_url=_image(achievement.get("image")) or _image(credential.get("image")),
        skills=skills_of(achievement),
        credits=_number(subject.get("creditsEarned"))
        or _number(achievement.get("creditsAvailable")),
        valid_from=parse_datetime(
            credential.get("validFrom") or credential.get("issuanceDate"), require_timezone=False
        ),
        valid_until=parse_datetime(
            credential.get("validUntil") or credential.get("expirationDate"),
            require_timezone=False,
        ),
    )
