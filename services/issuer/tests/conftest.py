"""Shared fixtures: the issuer on in-memory adapters with a fixed clock and seeded randomness."""

from __future__ import annotations

import pytest

from skillpass.issuer.service_layer.handlers import Dependencies
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.testing import FixedClock, memory_dependencies


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def deps(clock: FixedClock) -> Dependencies:
    return memory_dependencies(clock=clock)


@pytest.fixture
def bus(deps: Dependencies) -> MessageBus:
    return MessageBus(deps)
