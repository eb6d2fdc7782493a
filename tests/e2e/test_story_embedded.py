"""The whole story through the GraphQL API in the embedded mode (one process, in memory)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from skillpass.cli.embedded import EmbeddedPlatform
from tests.e2e.story import Cast, tell_the_story


@pytest.fixture
async def platform() -> AsyncIterator[EmbeddedPlatform]:
    embedded = EmbeddedPlatform()
    async with embedded.running():
        yield embedded


async def test_issue_offer_accept_share_verify_revoke_verify_in_the_embedded_mode(
    platform: EmbeddedPlatform,
) -> None:
    demo = platform.demo
    assert demo is not None
    async with platform.client() as http:

        async def graphql(
            query: str, variables: Mapping[str, Any], token: str | None
        ) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await http.post(
                "/graphql", json={"query": query, "variables": dict(variables)}, headers=headers
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        async def fetch_json(url: str) -> Any:
            response = await http.get(url)
            assert response.status_code == 200, response.text
            return response.json()

        told = await tell_the_story(
            graphql,
            fetch_json,
            Cast(
                tenant_id=demo.tenant_id,
                achievement_id=demo.achievement_ids["Python Basics"],
                learner_email=demo.learner_email,
                issuer_admin=demo.tokens.issuer_admin,
                learner=demo.tokens.learner,
                employer=demo.tokens.verifier,
            ),
        )
    assert told.share_url.startswith(f"{platform.base_url}/wallet/s/")
