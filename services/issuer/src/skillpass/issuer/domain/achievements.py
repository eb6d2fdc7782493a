"""The catalogue: OB 3.0 ``Achievement`` definitions, versioned.

An achievement keeps one stable id (its URL, ``<base>/achievements/<id>``, is the OB 3.0
``Achievement.id``) and a version number. Editing it creates the next version; a credential keeps
the version it was issued with (``Achievement.version`` in the credential, ``achievement_version``
in the event), so old credentials never change meaning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from skillpass.issuer.domain.tenants import Image

# OB 3.0 AchievementType values (the spec also allows ``ext:<Name>`` extensions).
ACHIEVEMENT_TYPES: Final = frozenset(
    {
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    }
)


class InvalidAchievement(ValueError):  # noqa: N818 - reads as the condition
    """An achievement definition that cannot be published."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Alignment:
    """A link to a skill framework entry (ESCO, O*NET, or any ``targetUrl``)."""

    target_name: str
    target_url: str
    target_description: str | None = None
    target_framework: str | None = None
    target_code: str | None = None
    target_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": self.target_name,
            "targetUrl": self.target_url,
        }
        for key, value in (
            ("targetDescription", self.target_description),
            ("targetFramework", self.target_framework),
            ("targetCode", self.target_code),
            ("targetType", self.target_type),
        ):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultDescription:
    id: str  # a short name, made absolute under the achievement URL
    name: str
    result_type: str  # OB 3.0 ResultType: LetterGrade, Percent, Status, ...
    allowed_value: tuple[str, ...] = ()
    required_value: str | None = None
    value_min: str | None = None
    value_max: str | None = None

    def to_json(self, achievement_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.absolute_id(achievement_url),
            "type": ["ResultDescription"],
            "name": self.name,
            "resultType": self.result_type,
        }
        if self.allowed_value:
            out["allowedValue"] = list(self.allowed_value)
        for key, value in (
            ("requiredValue", self.required_value),
            ("valueMin", self.value_min),
            ("valueMax", self.value_max),
        ):
            if value is not None:
                out[key] = value
        return out

    def absolute_id(self, achievement_url: str) -> str:
        return f"{achievement_url}/results/{self.id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AchievementDefinition:
    """What an admin edits: everything but the identity and version."""

    name: str
    description: str
    criteria_narrative: str | None = None
    criteria_id: str | None = None
    achievement_type: str | None = None
    image: Image | None = None
    alignment: tuple[Alignment, ...] = ()
    tags: tuple[str, ...] = ()
    credits_available: float | None = None
    result_descriptions: tuple[ResultDescription, ...] = ()
    field_of_study: str | None = None
    human_code: str | None = None

    def problems(self) -> list[str]:
        problems = []
        if not self.name.strip():
            problems.append("name must not be empty")
        if not self.description.strip():
            problems.append("description must not be empty")
        if self.criteria_narrative is None and self.criteria_id is None:
            problems.append("criteria needs a narrative or an id (URL)")
        kind = self.achievement_type
        if kind is not None and kind not in ACHIEVEMENT_TYPES and not kind.startswith("ext:"):
            problems.append(f"achievementType {kind!r} is not an OB 3.0 AchievementType")
        if self.credits_available is not None and self.credits_available < 0:
            problems.append("creditsAvailable must not be negative")
        names = [r.id for r in self.result_descriptions]
        if len(names) != len(set(names)):
            problems.append("resultDescription ids must be unique")
        return problems


@dataclass(frozen=True, slots=True, kw_only=True)
class Achievement:
    id: str
    tenant_id: str
    version: int
    definition: AchievementDefinition
    created_at: datetime
    updated_at: datetime
    history: tuple[int, ...] = field(default=())  # earlier version numbers (kept in the store)

    def url(self, base_url: str) -> str:
        return f"{base_url}/achievements/{self.id}"

    def revise(self, definition: AchievementDefinition, *, now: datetime) -> Achievement:
        return replace(
            self,
            definition=definition,
            version=self.version + 1,
            updated_at=now,
            history=(*self.history, self.version),
        )

    def to_ob3(self, *, base_url: str, creator: Mapping[str, Any]) -> dict[str, Any]:
        """The OB 3.0 ``Achievement`` object embedded in credentials."""
        d = self.definition
        url = self.url(base_url)
        criteria: dict[str, Any] = {}
        if d.criteria_id is not None:
            criteria["id"] = d.criteria_id
        if d.criteria_narrative is not None:
            criteria["narrative"] = d.criteria_narrative
        out: dict[str, Any] = {
            "id": url,
            "type": ["Achievement"],
            "name": d.name,
            "description": d.description,
            "criteria": criteria,
            "version": str(self.version),
            "creator": dict(creator),
        }
        if d.achievement_type is not None:
            out["achievementType"] = d.achievement_type
        if d.image is not None:
            out["image"] = d.image.to_json()
        if d.alignment:
            out["alignment"] = [a.to_json() for a in d.alignment]
        if d.tags:
            out["tag"] = list(d.tags)
        if d.credits_available is not None:
            out["creditsAvailable"] = d.credits_available
        if d.result_descriptions:
            out["resultDescription"] = [r.to_json(url) for r in d.result_descriptions]
        if d.field_of_study is not None:
            out["fieldOfStudy"] = d.field_of_study
        if d.human_code is not None:
            out["humanCode"] = d.human_code
        return out


def new_achievement(
    *, achievement_id: str, tenant_id: str, definition: AchievementDefinition, now: datetime
) -> Achievement:
    if problems := definition.problems():
        raise InvalidAchievement("; ".join(problems))
    return Achievement(
        id=achievement_id,
        tenant_id=tenant_id,
        version=1,
        definition=definition,
        created_at=now,
        updated_at=now,
    )


def revised(
    achievement: Achievement, definition: AchievementDefinition, *, now: datetime
) -> Achievement:
    if problems := definition.problems():
        raise InvalidAchievement("; ".join(problems))
    return achievement.revise(definition, now=now)


def tags_of(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
