"""Sample Open Badges 3.0 credentials: the realistic ``AchievementCredential`` used by the
benchmark, the CLI's ``bench vc`` and tests. Pure: the caller chooses the number that makes each
one distinct (its ``id`` and its subject)."""

from __future__ import annotations

from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def achievement_credential(n: int, *, issuer: str) -> dict[str, Any]:
    """An unsigned OB 3.0 ``AchievementCredential`` with achievement, criteria, alignments,
    result descriptions and results, evidence and an issuer profile; ``n`` makes its ``id`` and
    subject unique."""
    suffix = f"{n:012d}"
    achievement_id = "https://skillpass.example/achievements/data-analysis-fundamentals"
    return {
        "@context": [VC_V2, OB_V3P0],
        "id": f"urn:uuid:00000000-0000-4000-8000-{suffix}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data Analysis Fundamentals",
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": "Example Institute of Technology",
            "url": "https://institute.example/",
            "email": "badges@institute.example",
            "image": {"id": "https://institute.example/logo.png", "type": "Image"},
        },
        "validFrom": "2026-01-15T09:00:00Z",
        "validUntil": "2031-01-15T09:00:00Z",
        "credentialSubject": {
            "id": f"did:example:learner-{suffix}",
            "type": ["AchievementSubject"],
            "activityStartDate": "2025-09-01T00:00:00Z",
            "activityEndDate": "2025-12-19T00:00:00Z",
            "creditsEarned": 5,
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": "Data Analysis Fundamentals",
                "description": (
                    "Cleans, explores and visualises tabular data and reports findings "
                    "with appropriate statistical summaries."
                ),
                "criteria": {
                    "id": f"{achievement_id}/criteria",
                    "narrative": (
                        "Pass four graded assignments (≥ 70 %) and a final project reviewed "
                        "by two assessors."
                    ),
                },
                "image": {
                    "id": f"{achievement_id}/badge.png",
                    "type": "Image",
                    "caption": "Data Analysis Fundamentals badge",
                },
                "creditsAvailable": 5,
                "fieldOfStudy": "Data Science",
                "humanCode": "DAF-101",
                "tag": ["data", "statistics", "python"],
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Analyse data",
                        "targetUrl": "https://esco.example/skill/analyse-data",
                        "targetDescription": "Study and evaluate data to support decisions.",
                        "targetFramework": "ESCO",
                        "targetCode": "S2.8.1",
                        "targetType": "ceasn:Competency",
                    },
                    {
                        "type": ["Alignment"],
                        "targetName": "Use statistical methods",
                        "targetUrl": "https://esco.example/skill/statistics",
                        "targetFramework": "ESCO",
                        "targetType": "ceasn:Competency",
                    },
                ],
                "resultDescription": [
                    {
                        "id": f"{achievement_id}/results/grade",
                        "type": ["ResultDescription"],
                        "name": "Final grade",
                        "resultType": "LetterGrade",
                        "allowedValue": ["A", "B", "C", "D"],
                        "requiredValue": "C",
                    },
                    {
                        "id": f"{achievement_id}/results/project",
                        "type": ["ResultDescription"],
                        "name": "Final project score",
                        "resultType": "Percent",
                        "valueMin": "0",
                        "valueMax": "100",
                    },
                ],
                "creator": {
                    "id": issuer,
                    "type": ["Profile"],
                    "name": "Example Institute of Technology",
                },
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": f"{achievement_id}/results/grade",
                    "value": "A",
                },
                {
                    "type": ["Result"],
                    "resultDescription": f"{achievement_id}/results/project",
                    "value": str(70 + n % 31),
                    "status": "Completed",
                },
            ],
        },
        "evidence": [
            {
                "id": f"https://institute.example/evidence/{suffix}",
                "type": ["Evidence"],
                "name": "Final project report",
                "narrative": "A reproducible analysis of municipal energy use.",
                "genre": "Project",
            }
        ],
    }
