"""Every query and mutation, as every role, against one tenant's and one learner's data: who is
allowed gets an answer, everyone else gets ``NotAuthorized`` / FORBIDDEN / UNAUTHENTICATED and
not one byte of the data (the canaries: the learner's holding, credential and share-link ids, the
tenant's key and credential ids never appear in a refusal).

Roles: anonymous, platform admin, the tenant's issuer admin and another tenant's, the learner and
another learner, a partner entitled to the tenant and one entitled to another, an employer
(verifier). Runs on the embedded platform, so the services' own checks stand behind the gateway's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import graphql
import pytest

from skillpass.cli.embedded import EmbeddedPlatform
from skillpass.gateway.sdl import sdl
from skillpass.platform.auth import Role
from tests.e2e.story import OFFERS

OTHER_TENANT = "other-college"
ROLES = (
    "anonymous",
    "platform-admin",
    "issuer-admin-own",
    "issuer-admin-other",
    "learner-own",
    "learner-other",
    "partner-own",
    "partner-other",
    "verifier",
)
ADMINS = frozenset({"platform-admin", "issuer-admin-own"})
WALLET = frozenset({"platform-admin", "learner-own"})
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}


@dataclass(frozen=True, slots=True)
class Operation:
    name: str  # the root field
    document: str
    variables: Callable[[Fixture], Mapping[str, Any]]
    allowed: frozenset[str]


@dataclass
class Fixture:
    """The data the operations aim at (the own tenant's and learner's)."""

    tenant: str
    achievement: str
    other_achievement: str
    offers: list[str]  # holding ids of offers, one per deciding mutation
    accepted_holding: str
    credentials: dict[str, str]  # purpose -> credential id
    share_link: str
    verification: str
    batch_job: str
    status_list: str
    holding_global_id: str
    credential_json: dict[str, Any]
    canaries: list[str]


RESULT = "__typename ... on Error { code message }"


def status_change(purpose: str) -> Callable[[Fixture], Mapping[str, Any]]:
    def variables(f: Fixture) -> Mapping[str, Any]:
        return {"i": {"tenantId": f.tenant, "credentialId": f.credentials[purpose]}}

    return variables


OPERATIONS = [
    # --- queries
    Operation("me", "{ me { subject roles } }", lambda f: {}, EVERYONE),
    Operation(
        "tenant",
        "query($id: String) { tenant(id: $id) { tenantId did keys { publicKeyMultibase } } }",
        lambda f: {"id": f.tenant},
        ADMINS,
    ),
    Operation(
        "achievements",
        "query($t: String) { achievements(tenantId: $t) { achievementId name } }",
        lambda f: {"t": f.tenant},
        EVERYONE,  # the catalogue is public
    ),
    Operation(
        "achievement",
        "query($id: ID!, $t: String) { achievement(id: $id, tenantId: $t) { name } }",
        lambda f: {"id": f.achievement, "t": f.tenant},
        EVERYONE,
    ),
    Operation(
        "pathways",
        "query($t: String) { pathways(tenantId: $t) { pathwayId name } }",
        lambda f: {"t": f.tenant},
        EVERYONE,
    ),
    Operation(
        "wallet",
        """query { wallet(learnerId: "ada") {
            counts { active offers }
            holdings { edges { node { holdingId credentialId } } }
            offers { edges { node { holdingId credentialId } } }
            shares { shareLinkId url }
            pathwayProgress { pathwayId }
        } }""",
        lambda f: {},
        WALLET,
    ),
    Operation(
        "credential",
        "query($id: ID!, $t: String) { credential(id: $id, tenantId: $t) { credentialId status } }",
        lambda f: {"id": f.credentials["read"], "t": f.tenant},
        ADMINS,
    ),
    Operation(
        "batchJob",
        "query($id: ID!, $t: String) { batchJob(id: $id, tenantId: $t) { jobId state } }",
        lambda f: {"id": f.batch_job, "t": f.tenant},
        ADMINS,
    ),
    Operation(
        "verification",
        "query($id: ID!) { verification(id: $id) { verificationId verified } }",
        lambda f: {"id": f.verification},
        frozenset({"platform-admin", "verifier"}),  # its requester (the employer) and admins
    ),
    Operation(
        "statusList",
        "query($id: String!) { statusList(id: $id) { id purpose } }",
        lambda f: {"id": f.status_list},
        EVERYONE,  # published for every verifier
    ),
    Operation(
        "node",
        "query($id: ID!) { node(id: $id) { id ... on Holding { holdingId credentialId } } }",
        lambda f: {"id": f.holding_global_id},
        WALLET,
    ),
    # --- mutations
    Operation(
        "createTenant",
        f"mutation($i: CreateTenantInput!) {{ createTenant(input: $i) {{ {RESULT} }} }}",
        lambda f: {
            "i": {"slug": f"t-{len(f.canaries)}-{datetime.now(UTC).microsecond}", "name": "N"}
        },
        frozenset({"platform-admin"}),
    ),
    Operation(
        "rotateIssuerKey",
        f"mutation($t: String!) {{ rotateIssuerKey(tenantId: $t) {{ {RESULT} }} }}",
        lambda f: {"t": f.tenant},
        ADMINS,
    ),
    Operation(
        "createAchievement",
        f"mutation($i: CreateAchievementInput!) {{ createAchievement(input: $i) {{ {RESULT} }} }}",
        lambda f: {
            "i": {"tenantId": f.tenant, "name": "X", "description": "d", "criteriaNarrative": "c"}
        },
        ADMINS,
    ),
    Operation(
        "createPathway",
        f"mutation($i: CreatePathwayInput!) {{ createPathway(input: $i) {{ {RESULT} }} }}",
        lambda f: {
            "i": {
                "tenantId": f.tenant,
                "name": "P",
                "targetAchievementId": f.other_achievement,
                "rule": {"kind": "ALL_OF", "components": [f.achievement]},
            }
        },
        ADMINS,
    ),
    Operation(
        "issueCredential",
        f"mutation($i: IssueCredentialInput!) {{ issueCredential(input: $i) {{ {RESULT} }} }}",
        lambda f: {
            "i": {
                "tenantId": f.tenant,
                "achievementId": f.achievement,
                "recipient": {"email": "someone@example.edu"},
            }
        },
        ADMINS,
    ),
    Operation(
        "issueCredentials",
        f"mutation($i: IssueCredentialsInput!) {{ issueCredentials(input: $i) {{ {RESULT} }} }}",
        lambda f: {
            "i": {
                "tenantId": f.tenant,
                "rows": [{"achievementId": f.achievement, "recipient": {"email": "x@example.edu"}}],
            }
        },
        ADMINS,
    ),
    *(
        Operation(
            name,
            f"mutation($i: ChangeCredentialStatusInput!) {{ {name}(input: $i) {{ {RESULT} }} }}",
            status_change(purpose),
            ADMINS,
        )
        for name, purpose in (
            ("revokeCredential", "revoke"),
            ("suspendCredential", "suspend"),
            ("reinstateCredential", "suspend"),
        )
    ),
    Operation(
        "registerLearner",
        f"mutation($i: RegisterLearnerInput!) {{ registerLearner(input: $i) {{ {RESULT} }} }}",
        lambda f: {"i": {"learnerId": "ada"}},
        WALLET,
    ),
    Operation(
        "acceptOffer",
        f'mutation($h: ID!) {{ acceptOffer(holdingId: $h, learnerId: "ada") {{ {RESULT} }} }}',
        lambda f: {"h": f.offers[0]},
        WALLET,
    ),
    Operation(
        "declineOffer",
        f'mutation($h: ID!) {{ declineOffer(holdingId: $h, learnerId: "ada") {{ {RESULT} }} }}',
        lambda f: {"h": f.offers[1]},
        WALLET,
    ),
    Operation(
        "importCredential",
        "mutation($c: JSON!) {"
        f' importCredential(credential: $c, learnerId: "ada") {{ {RESULT} }} }}',
        lambda f: {"c": {"not": "a credential"}},
        WALLET,
    ),
    Operation(
        "createShareLink",
        f"mutation($i: CreateShareLinkInput!) {{ createShareLink(input: $i) {{ {RESULT} }} }}",
        lambda f: {"i": {"holdingIds": [f.accepted_holding], "learnerId": "ada"}},
        WALLET,
    ),
    Operation(
        "revokeShareLink",
        f'mutation($id: ID!) {{ revokeShareLink(id: $id, learnerId: "ada") {{ {RESULT} }} }}',
        lambda f: {"id": f.share_link},
        WALLET,
    ),
    Operation(
        "createPresentation",
        "mutation($i: CreatePresentationInput!) {"
        f" createPresentation(input: $i) {{ {RESULT} }} }}",
        lambda f: {"i": {"holdingIds": [f.accepted_holding], "challenge": "c", "learnerId": "ada"}},
        WALLET,
    ),
    Operation(
        "verifyCredential",
        f"mutation($c: JSON!) {{ verifyCredential(credential: $c) {{ {RESULT} }} }}",
        lambda f: {"c": f.credential_json},
        EVERYONE,
    ),
    Operation(
        "verifyPresentation",
        f"mutation($p: JSON!) {{ verifyPresentation(presentation: $p) {{ {RESULT} }} }}",
        lambda f: {"p": {"type": ["VerifiablePresentation"]}},
        EVERYONE,
    ),
    Operation(
        "addTrustedIssuer",
        f"mutation($i: AddTrustedIssuerInput!) {{ addTrustedIssuer(input: $i) {{ {RESULT} }} }}",
        lambda f: {"i": {"scope": f.tenant, "did": "did:web:trusted.example", "name": "T"}},
        ADMINS,
    ),
]


def test_every_query_and_mutation_is_in_the_matrix() -> None:
    schema = graphql.build_schema(sdl())
    assert schema.query_type is not None
    assert schema.mutation_type is not None
    root_fields = {*schema.query_type.fields, *schema.mutation_type.fields}
    assert root_fields == {operation.name for operation in OPERATIONS}


@pytest.fixture
async def platform() -> AsyncIterator[EmbeddedPlatform]:
    embedded = EmbeddedPlatform()
    async with embedded.running():
        yield embedded


def tokens(platform: EmbeddedPlatform, tenant: str) -> dict[str, str | None]:
    now = datetime.now(UTC)
    sign = platform.signer.token
    return {
        "anonymous": None,
        "platform-admin": sign("root", now=now, roles=[Role.PLATFORM_ADMIN]),
        "issuer-admin-own": sign("reg", now=now, roles=[Role.ISSUER_ADMIN], tenant=tenant),
        "issuer-admin-other": sign("reg2", now=now, roles=[Role.ISSUER_ADMIN], tenant=OTHER_TENANT),
        "learner-own": sign("ada", now=now, roles=[Role.LEARNER], learner_id="ada"),
        "learner-other": sign("bob", now=now, roles=[Role.LEARNER], learner_id="bob"),
        "partner-own": sign("p1", now=now, roles=[Role.PARTNER], partner_of=[tenant]),
        "partner-other": sign("p2", now=now, roles=[Role.PARTNER], partner_of=[OTHER_TENANT]),
        "verifier": sign("employer", now=now, roles=[Role.VERIFIER]),
    }


async def arrange(platform: EmbeddedPlatform, who: dict[str, str | None]) -> Fixture:
    demo = platform.demo
    assert demo is not None
    admin, registrar = who["platform-admin"], demo.tokens.issuer_admin
    gql = platform.graphql
    await gql(
        'mutation { createTenant(input: {slug: "other-college", name: "Other"}) { __typename } }',
        {},
        admin,
    )
    await gql(
        'mutation { registerLearner(input: {learnerId: "bob", identifiers: '
        '[{type: "emailAddress", value: "bob@example.edu"}]}) { __typename } }',
        {},
        admin,
    )
    achievement = demo.achievement_ids["Python Basics"]
    issued: list[str] = []
    for _ in range(6):
        data = await gql(
            """mutation($i: IssueCredentialInput!) { issueCredential(input: $i) {
                ... on IssueCredentialSuccess { credential { credentialId } } } }""",
            {
                "i": {
                    "tenantId": demo.tenant_id,
                    "achievementId": achievement,
                    "recipient": {"email": demo.learner_email},
                }
            },
            registrar,
        )
        issued.append(data["issueCredential"]["credential"]["credentialId"])
    offers: dict[str, str] = {}
    for _ in range(100):
        data = await gql(OFFERS, {}, demo.tokens.learner)
        offers = {
            e["node"]["credentialId"]: e["node"]["holdingId"]
            for e in data["wallet"]["offers"]["edges"]
        }
        if len(offers) == len(issued):
            break
        await asyncio.sleep(0.05)
    assert len(offers) == len(issued)
    accepted = offers[issued[2]]
    await gql(
        "mutation($h: ID!) { acceptOffer(holdingId: $h) { __typename } }",
        {"h": accepted},
        demo.tokens.learner,
    )
    share = await gql(
        """mutation($h: [ID!]!) { createShareLink(input: {holdingIds: $h}) {
            ... on ShareLinkSuccess { shareLink { id shareLinkId url } } } }""",
        {"h": [accepted]},
        demo.tokens.learner,
    )
    link = share["createShareLink"]["shareLink"]
    async with platform.client() as http:
        credential = (await http.get(link["url"] + "?format=json")).json()
    verified = await gql(
        """mutation($c: JSON!) { verifyCredential(credential: $c) {
            ... on VerifySuccess { verification { verificationId } } } }""",
        {"c": credential},
        who["verifier"],
    )
    job = await gql(
        """mutation($i: IssueCredentialsInput!) { issueCredentials(input: $i) {
            ... on IssueCredentialsSuccess { job { jobId } } } }""",
        {
            "i": {
                "tenantId": demo.tenant_id,
                "rows": [{"achievementId": achievement, "recipient": {"email": "z@example.edu"}}],
            }
        },
        registrar,
    )
    holding = await gql(
        "{ wallet { holdings { edges { node { id holdingId } } } } }", {}, demo.tokens.learner
    )
    tenant = await gql("{ tenant { keys { publicKeyMultibase } } }", {}, registrar)
    status_url = credential["credentialStatus"][0]["statusListCredential"]
    return Fixture(
        tenant=demo.tenant_id,
        achievement=achievement,
        other_achievement=demo.achievement_ids["Data Science Certificate"],
        offers=[offers[issued[0]], offers[issued[1]]],
        accepted_holding=accepted,
        credentials={"read": issued[2], "revoke": issued[3], "suspend": issued[4]},
        share_link=link["id"],
        verification=verified["verifyCredential"]["verification"]["verificationId"],
        batch_job=job["issueCredentials"]["job"]["jobId"],
        status_list=status_url.rsplit("/", 1)[1],
        holding_global_id=holding["wallet"]["holdings"]["edges"][0]["node"]["id"],
        credential_json=credential,
        canaries=[
            *issued,
            *offers.values(),
            link["shareLinkId"],
            link["url"],
            *(k["publicKeyMultibase"] for k in tenant["tenant"]["keys"]),
        ],
    )


def refused(body: Mapping[str, Any], field: str) -> bool:
    data = body.get("data") or {}
    value = data.get(field)
    if isinstance(value, dict) and value.get("__typename") == "NotAuthorized":
        return True
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
    return value is None and bool(codes & {"FORBIDDEN", "UNAUTHENTICATED"})


def answered(body: Mapping[str, Any], field: str) -> bool:
    data = body.get("data") or {}
    value = data.get(field)
    if isinstance(value, dict) and value.get("__typename") == "NotAuthorized":
        return False
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
    return not codes & {"FORBIDDEN", "UNAUTHENTICATED"} and field in data


async def test_no_role_sees_or_changes_what_it_may_not(platform: EmbeddedPlatform) -> None:
    assert platform.demo is not None
    who = tokens(platform, platform.demo.tenant_id)
    fixture = await arrange(platform, who)
    wrong: list[str] = []
    async with platform.client() as http:
        for operation in OPERATIONS:
            for role in ROLES:
                token = who[role]
                response = await http.post(
                    "/graphql",
                    json={
                        "query": operation.document,
                        "variables": dict(operation.variables(fixture)),
                    },
                    headers={"Authorization": f"Bearer {token}"} if token else {},
                )
                body = response.json()
                where = f"{operation.name} as {role}"
                if operation.name == "me" and role == "anonymous":
                    ok = body == {"data": {"me": None}}
                elif role in operation.allowed:
                    ok = answered(body, operation.name)
                else:
                    ok = refused(body, operation.name)
                    text = json.dumps(body)
                    leaked = [c for c in fixture.canaries if c in text]
                    if leaked:
                        wrong.append(f"{where}: leaked {leaked}")
                if not ok:
                    wrong.append(
                        f"{where}: {'allowed' if role in operation.allowed else 'refused'}"
                        f" expected, got {json.dumps(body)[:300]}"
                    )
    assert not wrong, "\n".join(wrong)
