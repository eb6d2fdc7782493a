"""Test support: real Kafka and MongoDB-wire endpoints as pytest fixtures.

The plugin (`skillpass.platform.testing.plugin`) is enabled from the repository's root conftest.py;
`infra` decides where the backends come from (env, testcontainers, or deploy/local).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import TypeAlias

    from pymongo.asynchronous.database import AsyncDatabase

    AsyncMongoDatabase: TypeAlias = AsyncDatabase[dict[str, Any]]

__all__ = ["AsyncMongoDatabase"]


def __getattr__(name: str) -> Any:
    # Resolved on first use so that importing the plugin does not import the driver (~0.5 s).
    if name == "AsyncMongoDatabase":
        from pymongo.asynchronous.database import AsyncDatabase

        return AsyncDatabase[dict[str, Any]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
