"""Fault tests on the real servers: a PRIVATE Kafka broker and FerretDB server per test (the shared
ones on the default ports are never stopped), the services as separate processes.

Sizes and the outage length come from the environment so CI can bound the suite's time:
``SKILLPASS_FAULTS_BATCH_ROWS`` (the SIGKILL test's batch), ``SKILLPASS_FAULTS_KAFKA_OUTAGE``
(seconds Kafka stays down).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults.realstack import PrivateInfra, Stack, logs_of, private_infra
from tests.faults.scenario import Databases


@pytest.fixture
def infra() -> Iterator[PrivateInfra]:
    with private_infra() as started:
        yield started


@pytest.fixture
def stack(infra: PrivateInfra, tmp_path: Path) -> Iterator[Stack]:
    started = Stack(infra=infra, run_dir=tmp_path / "logs")
    try:
        yield started
    finally:
        started.close()
        print(logs_of(started))  # shown when the test failed


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30.0) as http:
        yield http


@pytest.fixture
async def databases(stack: Stack) -> AsyncIterator[Databases]:
    opened = Databases(stack)
    try:
        yield opened
    finally:
        await opened.aclose()
