"""The demo data ``skillpass dev`` starts with, created through the GraphQL API itself: a tenant
with four achievements (three stack into the fourth through a pathway), a learner whose verified
email receives what the tenant issues, and the bearer tokens of everyone a newcomer may want to
be (platform admin, the tenant's registrar, the learner, a partner, an employer)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skillpass.platform.auth import DevTokenSigner, Role

TENANT = "demo-university"
LEARNER = "ada"
LEARNER_EMAIL = "ada@example.edu"
PARTNER = "acme-partner"

# (query, variables, bearer token) -> the response's `data`; raises on GraphQL errors.
GraphQLCall = Callable[[str, Mapping[str, Any], str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoTokens:
    platform_admin: str
    issuer_admin: str
    learner: str
    partner: str
    verifier: str

    def as_json(self) -> dict[str, str]:
        return {
            "platform-admin": self.platform_admin,
            "issuer-admin": self.issuer_admin,
            "learner": self.learner,
            "partner": self.partner,
            "verifier": self.verifier,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Demo:
    tenant_id: str
    achievement_ids: dict[str, str]  # by name
    pathway_id: str
    learner_id: str
    learner_email: str
    tokens: DemoTokens


def demo_tokens(signer: DevTokenSigner, *, tenant: str = TENANT) -> DemoTokens:
    now = datetime.now(UTC)
    return DemoTokens(
        platform_admin=signer.token("platform-admin", now=now, roles=[Role.PLATFORM_ADMIN]),
        issuer_admin=signer.token(
            f"registrar@{tenant}", now=now, roles=[Role.ISSUER_ADMIN], tenant=tenant
        ),
        learner=signer.token(LEARNER, now=now, roles=[Role.LEARNER], learner_id=LEARNER),
        partner=signer.token(PARTNER, now=now, roles=[Role.PARTNER], partner_of=[tenant]),
        verifier=signer.token("employer", now=now, roles=[Role.VERIFIER]),
    )


COMPONENTS = (
    ("Python Basics", "Writes and tests small Python programs."),
    ("Data Wrangling", "Cleans and reshapes tabular data."),
    ("Statistics for Data Science", "Applies descriptive and inferential statistics."),
)
CERTIFICATE = ("Data Science Certificate", "Completed the data science pathway.")

CREATE_TENANT = """
mutation($input: CreateTenantInput!) {
  createTenant(input: $input) {
    __typename
    ... on CreateTenantSuccess { tenant { tenantId did } }
    ... on Error { code message }
  }
}"""

CREATE_ACHIEVEMENT = """
mutation($input: CreateAchievementInput!) {
  createAchievement(input: $input) {
    __typename
    ... on CreateAchievementSuccess { achievement { achievementId name } }
    ... on Error { code message }
  }
}"""

CREATE_PATHWAY = """
mutation($input: CreatePathwayInput!) {
  createPathway(input: $input) {
    __typename
    ... on CreatePathwaySuccess { pathway { pathwayId } }
    ... on Error { code message }
  }
}"""

REGISTER_LEARNER = """
mutation($input: RegisterLearnerInput!) {
  registerLearner(input: $input) {
    __typename
    ... on RegisterLearnerSuccess { learner { learnerId } }
    ... on Error { code message }
  }
}"""


class SeedError(RuntimeError):
    pass


def _success(data: Mapping[str, Any], field: str) -> dict[str, Any]:
    result: dict[str, Any] = data[field]
    if "code" in result:
        raise SeedError(f"{field}: {result['code']}: {result.get('message')}")
    return result


async def seed_demo(graphql: GraphQLCall, signer: DevTokenSigner, *, tenant: str = TENANT) -> Demo:
    tokens = demo_tokens(signer, tenant=tenant)
    admin = tokens.platform_admin
    _success(
        await graphql(
            CREATE_TENANT,
            {
                "input": {
                    "slug": tenant,
                    "name": "Demo University",
                    "url": "https://demo-university.example",
                    "description": "A university that exists to show skillpass.",
                }
            },
            admin,
        ),
        "createTenant",
    )
    achievement_ids: dict[str, str] = {}
    for name, description in (*COMPONENTS, CERTIFICATE):
        created = _success(
            await graphql(
                CREATE_ACHIEVEMENT,
                {
                    "input": {
                        "tenantId": tenant,
                        "name": name,
                        "description": description,
                        "criteriaNarrative": f"Passed the assessment of {name}.",
                        "achievementType": "Certificate"
                        if (name, description) == CERTIFICATE
                        else "Course",
                        "creditsAvailable": 5.0,
                    }
                },
                tokens.issuer_admin,
            ),
            "createAchievement",
        )
        achievement_ids[name] = created["achievement"]["achievementId"]
    pathway = _success(
        await graphql(
            CREATE_PATHWAY,
            {
                "input": {
                    "tenantId": tenant,
                    "name": CERTIFICATE[0],
                    "targetAchievementId": achievement_ids[CERTIFICATE[0]],
                    "rule": {
                        "kind": "ALL_OF",
                        "components": [achievement_ids[name] for name, _ in COMPONENTS],
                    },
                }
            },
            tokens.issuer_admin,
        ),
        "createPathway",
    )
    _success(
        await graphql(
            REGISTER_LEARNER,
            {
                "input": {
                    "learnerId": LEARNER,
                    "identifiers": [{"type": "emailAddress", "value": LEARNER_EMAIL}],
                }
            },
            admin,
        ),
        "registerLearner",
    )
    return Demo(
        tenant_id=tenant,
        achievement_ids=achievement_ids,
        pathway_id=pathway["pathway"]["pathwayId"],
        learner_id=LEARNER,
        learner_email=LEARNER_EMAIL,
        tokens=tokens,
    )


def write_tokens(path: Path, demo: Demo, *, graphql_url: str) -> None:
    """The tokens and ids as JSON (mode 0600: bearer tokens are credentials)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "graphql": graphql_url,
        "tenantId": demo.tenant_id,
        "learnerId": demo.learner_id,
        "learnerEmail": demo.learner_email,
        "pathwayId": demo.pathway_id,
        "achievementIds": demo.achievement_ids,
        "tokens": demo.tokens.as_json(),
    }
    path.write_text(json.dumps(body, indent=2) + "\n")
    path.chmod(0o600)
