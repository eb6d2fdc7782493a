"""The story and a live subscription against the real stack: issuer (api + pathway consumer),
wallet (api + consumer), verifier and gateway as separate processes (``skillpass stack``, what
``make up`` runs) on the real Kafka broker and MongoDB-wire server, through GraphQL only."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from skillpass.cli.stack import SERVICES, Stack, load_stack, start_stack, stop_stack
from skillpass.gateway.demo import seed_demo
from tests.e2e.graphql_ws import subscribe
from tests.e2e.story import ISSUE, Cast, tell_the_story

pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.timeout(180)]

CREDENTIAL_ISSUED = """
subscription Issued($tenantId: String!) {
  credentialIssued(tenantId: $tenantId) { credentialId tenantId }
}"""


def free_port_block(size: int = 4) -> int:
    """A base port with ``size`` free ports after it on the loopback."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base: int = probe.getsockname()[1]
        if base + size > 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no block of free ports")


@pytest.fixture
def stack(tmp_path: Path, kafka_bootstrap_servers: str, mongodb_uri: str) -> Iterator[Stack]:
    running = load_stack(
        tmp_path / "stack",
        base_port=free_port_block(),
        environ={"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers, "MONGODB_URI": mongodb_uri},
    )
    try:
        start_stack(running, timeout=90)
        yield running
    finally:
        stop_stack(running)
        client: MongoClient[dict[str, Any]]
        with MongoClient(mongodb_uri) as client:
            for name in SERVICES:
                client.drop_database(f"stack_{running.stack_id}_{name}")


async def test_the_story_and_a_live_subscription_on_separate_processes(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=30) as http:

        async def graphql(
            query: str, variables: Mapping[str, Any], token: str | None
        ) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await http.post(
                stack.graphql_url,
                json={"query": query, "variables": dict(variables)},
                headers=headers,
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        async def data(query: str, variables: Mapping[str, Any], token: str) -> dict[str, Any]:
            body = await graphql(query, variables, token)
            assert not body.get("errors"), body
            result: dict[str, Any] = body["data"]
            return result

        async def fetch_json(url: str) -> Any:
            response = await http.get(url)
            assert response.status_code == 200, response.text
            return response.json()

        demo = await seed_demo(data, stack.signer())
        cast = Cast(
            tenant_id=demo.tenant_id,
            achievement_id=demo.achievement_ids["Python Basics"],
            learner_email=demo.learner_email,
            issuer_admin=demo.tokens.issuer_admin,
            learner=demo.tokens.learner,
            employer=demo.tokens.verifier,
        )
        # A first issuance warms the issuer (its signing key, status list, JSON-LD contexts).
        warm = await data(
            ISSUE,
            {
                "input": {
                    "tenantId": demo.tenant_id,
                    "achievementId": cast.achievement_id,
                    "recipient": {"email": "warm-up@example.edu"},
                }
            },
            demo.tokens.issuer_admin,
        )
        assert warm["issueCredential"]["__typename"] == "IssueCredentialSuccess", warm
        ws_url = stack.graphql_url.replace("http://", "ws://")
        async with subscribe(
            ws_url, CREDENTIAL_ISSUED, {"tenantId": demo.tenant_id}, token=demo.tokens.partner
        ) as subscription:
            # The protocol does not acknowledge a subscribe: give the gateway a moment.
            await asyncio.sleep(0.5)

            arrivals: dict[str, float] = {}
            another = asyncio.Event()

            async def listen() -> None:
                # The warm-up's event may still be on its way (the relay publishes after the
                # write): every event is collected, and ours is picked out by its id.
                while True:
                    payload = await subscription.next(within=30.0)
                    issued = payload["data"]["credentialIssued"]
                    arrivals.setdefault(issued["credentialId"], time.monotonic())
                    another.set()

            listening = asyncio.create_task(listen())
            started = time.monotonic()  # the story's first step is the issuing mutation
            try:
                told = await tell_the_story(graphql, fetch_json, cast, offer_timeout=30)
                async with asyncio.timeout(30):
                    while told.credential_id not in arrivals:
                        another.clear()
                        await another.wait()
            finally:
                listening.cancel()
    arrived = arrivals[told.credential_id]
    assert arrived - started < 1.0, (arrived - started, told.timings)
