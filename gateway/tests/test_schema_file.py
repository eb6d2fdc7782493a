"""`gateway/schema.graphql` is the reviewed contract: it must match the code."""

from __future__ import annotations

from skillpass.gateway.sdl import SCHEMA_FILE, sdl


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == sdl(), (
        "the schema changed: run `uv run python -m skillpass.gateway.sdl` and review the diff"
    )
