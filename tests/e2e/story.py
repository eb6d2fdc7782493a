"""The story every deployment must tell, through the GraphQL API only: issue → the offer appears
in the learner's wallet → accept → share link → an employer verifies what the link shows →
the issuer revokes → verifying again shows ``status.revocation`` failed.

The same steps run in the embedded mode and against the services as separate processes; the
caller supplies how GraphQL requests and the public share URL are reached.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# (query, variables, bearer token or None) -> the whole response body ({data, errors})
GraphQL = Callable[[str, Mapping[str, Any], str | None], Awaitable[dict[str, Any]]]
# a public URL -> its JSON (the share link, as an employer's browser would fetch it)
FetchJson = Callable[[str], Awaitable[Any]]

ISSUE = """
mutation Issue($input: IssueCredentialInput!) {
  issueCredential(input: $input) {
    __typename
    ... on IssueCredentialSuccess { credential { credentialId status } }
    ... on Error { code message }
  }
}"""

OFFERS = """
query Offers {
  wallet { offers(first: 50) { edges { node { holdingId credentialId offer status name } } } }
}"""

ACCEPT = """
mutation Accept($id: ID!) {
  acceptOffer(holdingId: $id) {
    __typename
    ... on HoldingSuccess { holding { holdingId offer status } }
    ... on Error { code message }
  }
}"""

SHARE = """
mutation Share($input: CreateShareLinkInput!) {
  createShareLink(input: $input) {
    __typename
    ... on ShareLinkSuccess { shareLink { shareLinkId url state } }
    ... on Error { code message }
  }
}"""

VERIFY = """
mutation Verify($credential: JSON!) {
  verifyCredential(credential: $credential) {
    __typename
    ... on VerifySuccess {
      verification { verificationId verified checks { name outcome reason } }
    }
    ... on Error { code message }
  }
}"""

REVOKE = """
mutation Revoke($input: ChangeCredentialStatusInput!) {
  revokeCredential(input: $input) {
    __typename
    ... on ChangeCredentialStatusSuccess { credential { credentialId status } }
    ... on Error { code message }
  }
}"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Cast:
    """Who plays the story and where."""

    tenant_id: str
    achievement_id: str
    learner_email: str
    issuer_admin: str
    learner: str
    employer: str | None = None  # None: verification is anonymous


@dataclass(slots=True)
class Told:
    credential_id: str = ""
    holding_id: str = ""
    share_url: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def data_of(body: Mapping[str, Any], field_name: str) -> dict[str, Any]:
    assert not body.get("errors"), body
    result: dict[str, Any] = body["data"][field_name]
    return result


def check(verification: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    checks: dict[str, Mapping[str, Any]] = {c["name"]: c for c in verification["checks"]}
    assert name in checks, f"no {name} check in {sorted(checks)}"
    return checks[name]


async def wait_for_offer(
    graphql: GraphQL, token: str, credential_id: str, *, within: float
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        body = await graphql(OFFERS, {}, token)
        edges = data_of(body, "wallet")["offers"]["edges"]
        for edge in edges:
            if edge["node"]["credentialId"] == credential_id:
                node: dict[str, Any] = edge["node"]
                return node
        assert time.monotonic() < deadline, f"no offer for {credential_id} after {within}s"
        await asyncio.sleep(0.1)


async def tell_the_story(
    graphql: GraphQL, fetch_json: FetchJson, cast: Cast, *, offer_timeout: float = 20.0
) -> Told:
    told = Told()
    started = time.monotonic()

    def lap(name: str) -> None:
        told.timings[name] = round(time.monotonic() - started, 3)

    issued = data_of(
        await graphql(
            ISSUE,
            {
                "input": {
                    "tenantId": cast.tenant_id,
                    "achievementId": cast.achievement_id,
                    "recipient": {"email": cast.learner_email},
                }
            },
            cast.issuer_admin,
        ),
        "issueCredential",
    )
    assert issued["__typename"] == "IssueCredentialSuccess", issued
    told.credential_id = issued["credential"]["credentialId"]
    lap("issued")

    offer = await wait_for_offer(graphql, cast.learner, told.credential_id, within=offer_timeout)
    assert offer["offer"] == "offered"
    told.holding_id = offer["holdingId"]
    lap("offered")

    accepted = data_of(await graphql(ACCEPT, {"id": told.holding_id}, cast.learner), "acceptOffer")
    assert accepted["__typename"] == "HoldingSuccess", accepted
    assert accepted["holding"]["offer"] == "accepted"
    lap("accepted")

    shared = data_of(
        await graphql(
            SHARE, {"input": {"holdingIds": [told.holding_id], "label": "for Acme"}}, cast.learner
        ),
        "createShareLink",
    )
    assert shared["__typename"] == "ShareLinkSuccess", shared
    told.share_url = shared["shareLink"]["url"]
    credential = await fetch_json(told.share_url + "?format=json")
    assert credential["id"] == told.credential_id
    lap("shared")

    first = data_of(
        await graphql(VERIFY, {"credential": credential}, cast.employer), "verifyCredential"
    )
    assert first["__typename"] == "VerifySuccess", first
    assert first["verification"]["verified"] is True, first
    assert check(first["verification"], "status.revocation")["outcome"] == "passed"
    lap("verified")

    revoked = data_of(
        await graphql(
            REVOKE,
            {
                "input": {
                    "tenantId": cast.tenant_id,
                    "credentialId": told.credential_id,
                    "reason": "issued in error",
                }
            },
            cast.issuer_admin,
        ),
        "revokeCredential",
    )
    assert revoked["__typename"] == "ChangeCredentialStatusSuccess", revoked
    assert revoked["credential"]["status"] == "revoked"
    lap("revoked")

    again = data_of(
        await graphql(VERIFY, {"credential": credential}, cast.employer), "verifyCredential"
    )
    assert again["__typename"] == "VerifySuccess", again
    assert again["verification"]["verified"] is False
    assert check(again["verification"], "status.revocation")["outcome"] == "failed"
    lap("verified-after-revocation")
    return told
