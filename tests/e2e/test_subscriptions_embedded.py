"""Subscriptions over graphql-transport-ws against the embedded platform served by uvicorn."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from skillpass.cli.embedded import EmbeddedPlatform
from skillpass.gateway.demo import Demo
from skillpass.gateway.event_hub import EventHub
from skillpass.platform.auth import Role
from tests.e2e.graphql_ws import subscribe
from tests.e2e.served import loopback_socket, port_of, serving

CREDENTIAL_ISSUED = """
subscription Issued($tenantId: String!) {
  credentialIssued(tenantId: $tenantId) { credentialId tenantId achievementId issuerDid }
}"""

WALLET_UPDATED = """
subscription { walletUpdated { learnerId reason credentialId counts { offers active } } }"""

ISSUE = """
mutation($input: IssueCredentialInput!) {
  issueCredential(input: $input) {
    ... on IssueCredentialSuccess { credential { credentialId } }
    ... on Error { code message }
  }
}"""


@dataclass
class Served:
    platform: EmbeddedPlatform
    demo: Demo
    http: httpx.AsyncClient
    ws_url: str

    @property
    def hub(self) -> EventHub:
        hub: EventHub = self.platform.gateway.state["gateway"].services.hub
        return hub

    async def subscribed(self, count: int) -> None:
        """Until the server has registered the subscription (the protocol does not ack it)."""
        async with asyncio.timeout(5):
            while self.hub.subscriber_count < count:  # noqa: ASYNC110 - polling a counter
                await asyncio.sleep(0.01)

    async def issue(self, achievement: str = "Python Basics") -> str:
        response = await self.http.post(
            "/graphql",
            json={
                "query": ISSUE,
                "variables": {
                    "input": {
                        "tenantId": self.demo.tenant_id,
                        "achievementId": self.demo.achievement_ids[achievement],
                        "recipient": {"email": self.demo.learner_email},
                    }
                },
            },
            headers={"Authorization": f"Bearer {self.demo.tokens.issuer_admin}"},
        )
        credential_id: str = response.json()["data"]["issueCredential"]["credential"][
            "credentialId"
        ]
        return credential_id


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    sock = loopback_socket()
    port = port_of(sock)
    platform = EmbeddedPlatform(base_url=f"http://127.0.0.1:{port}")
    async with (
        serving(platform.app, sock),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
    ):
        assert platform.demo is not None
        yield Served(
            platform=platform,
            demo=platform.demo,
            http=http,
            ws_url=f"ws://127.0.0.1:{port}/graphql",
        )


async def test_a_partner_receives_credential_issued_within_a_second_of_the_mutation(
    served: Served,
) -> None:
    demo = served.demo
    async with subscribe(
        served.ws_url, CREDENTIAL_ISSUED, {"tenantId": demo.tenant_id}, token=demo.tokens.partner
    ) as subscription:
        await served.subscribed(1)
        started = time.monotonic()
        credential_id = await served.issue()
        payload = await subscription.next(within=1.0)
        elapsed = time.monotonic() - started
    event: dict[str, Any] = payload["data"]["credentialIssued"]
    assert event["credentialId"] == credential_id
    assert event["tenantId"] == demo.tenant_id
    assert event["achievementId"] == demo.achievement_ids["Python Basics"]
    assert elapsed < 1.0


async def test_a_partner_of_another_tenant_may_not_subscribe_to_its_issuance(
    served: Served,
) -> None:
    outsider = served.platform.signer.token(
        "globex", now=datetime.now(UTC), roles=[Role.PARTNER], partner_of=["globex-college"]
    )
    async with subscribe(
        served.ws_url, CREDENTIAL_ISSUED, {"tenantId": served.demo.tenant_id}, token=outsider
    ) as subscription:
        refused = await subscription.next(within=2.0)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_learner_sees_the_offer_arrive_in_their_wallet(served: Served) -> None:
    async with subscribe(
        served.ws_url, WALLET_UPDATED, token=served.demo.tokens.learner
    ) as subscription:
        await served.subscribed(1)
        credential_id = await served.issue()
        payload = await subscription.next(within=3.0)
    update = payload["data"]["walletUpdated"]
    assert update == {
        "learnerId": served.demo.learner_id,
        "reason": "offer",
        "credentialId": credential_id,
        "counts": {"offers": 1, "active": 0},
    }


STATUS_CHANGED = """
subscription { credentialStatusChanged { credentialId tenantId purpose status reason } }"""

BATCH_PROGRESS = """
subscription Progress($job: ID!) { batchProgress(jobId: $job) { jobId state total processed } }"""


async def test_an_entitled_partner_sees_a_revocation_and_another_partner_does_not(
    served: Served,
) -> None:
    demo = served.demo
    credential_id = await served.issue()
    outsider = served.platform.signer.token(
        "globex", now=datetime.now(UTC), roles=[Role.PARTNER], partner_of=["globex-college"]
    )
    async with (
        subscribe(served.ws_url, STATUS_CHANGED, token=demo.tokens.partner) as subscription,
        subscribe(served.ws_url, STATUS_CHANGED, token=outsider) as outsiders,
    ):
        await served.subscribed(2)
        response = await served.http.post(
            "/graphql",
            json={
                "query": """mutation($i: ChangeCredentialStatusInput!) {
                    revokeCredential(input: $i) { __typename } }""",
                "variables": {
                    "i": {"tenantId": demo.tenant_id, "credentialId": credential_id, "reason": "x"}
                },
            },
            headers={"Authorization": f"Bearer {demo.tokens.issuer_admin}"},
        )
        assert (
            response.json()["data"]["revokeCredential"]["__typename"]
            == "ChangeCredentialStatusSuccess"
        )
        payload = await subscription.next(within=2.0)
        with pytest.raises(TimeoutError):
            await outsiders.next(within=0.5)
    assert payload["data"]["credentialStatusChanged"] == {
        "credentialId": credential_id,
        "tenantId": demo.tenant_id,
        "purpose": "revocation",
        "status": "revoked",
        "reason": "x",
    }


async def test_an_admin_follows_a_batch_until_it_completes(served: Served) -> None:
    demo = served.demo
    rows = [
        {
            "achievementId": demo.achievement_ids["Data Wrangling"],
            "recipient": {"email": f"learner{i}@example.edu"},
        }
        for i in range(5)
    ]
    response = await served.http.post(
        "/graphql",
        json={
            "query": """mutation($i: IssueCredentialsInput!) { issueCredentials(input: $i) {
                ... on IssueCredentialsSuccess { job { id jobId total } } } }""",
            "variables": {"i": {"tenantId": demo.tenant_id, "rows": rows}},
        },
        headers={"Authorization": f"Bearer {demo.tokens.issuer_admin}"},
    )
    job = response.json()["data"]["issueCredentials"]["job"]
    assert job["total"] == 5
    states: list[dict[str, Any]] = []
    async with subscribe(
        served.ws_url, BATCH_PROGRESS, {"job": job["id"]}, token=demo.tokens.issuer_admin
    ) as subscription:
        while not states or states[-1]["state"] != "completed":
            states.append((await subscription.next(within=10.0))["data"]["batchProgress"])
    assert states[-1] == {"jobId": job["jobId"], "state": "completed", "total": 5, "processed": 5}
