"""Fixtures: the gateway in front of counting stand-in services (see support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.tests.support import Backends, Gateway, running_gateway


@pytest.fixture
def backends() -> Backends:
    return Backends()


@pytest.fixture
async def gateway(backends: Backends) -> AsyncIterator[Gateway]:
    async with running_gateway(backends) as running:
        yield running
