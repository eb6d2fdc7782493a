"""Shared fixtures: a hand-moved clock, a test issuer, and the wallet on memory adapters."""

from __future__ import annotations

import pytest

from skillpass.wallet.adapters.memory import StaticPathwayCatalogue
from skillpass.wallet.adapters.verifiers import EmbeddedVerifier
from skillpass.wallet.bootstrap import memory_bus
from skillpass.wallet.service_layer.messagebus import MessageBus
from skillpass.wallet.testing import Clock, TestIssuer


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture
def catalogue() -> StaticPathwayCatalogue:
    return StaticPathwayCatalogue()


@pytest.fixture
def bus(clock: Clock, catalogue: StaticPathwayCatalogue) -> MessageBus:
    return memory_bus(clock=clock, verifier=EmbeddedVerifier(clock=clock), catalogue=catalogue)
