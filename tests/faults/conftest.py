"""Fault tests on the real servers: a PRIVATE Kafka broker and FerretDB server per test (the shared
ones on the default ports are never stopped), the services as separate processes.

The suite takes minutes, so it runs only when asked for: ``pytest -m faults`` (``make
test-faults``, and ``make test`` after the other rings) or ``SKILLPASS_FAULTS=1``; a plain
``pytest`` deselects it. Sizes and the outage
length come from the environment so CI can bound its time: ``SKILLPASS_FAULTS_BATCH_ROWS`` (the
SIGKILL test's batch, default 10,000), ``SKILLPASS_FAULTS_KAFKA_OUTAGE`` (seconds Kafka stays
down, default 60).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults.realstack import PrivateInfra, Stack, logs_of, private_infra
from tests.faults.scenario import Databases


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked = "faults" in (config.option.markexpr or "") or os.environ.get("SKILLPASS_FAULTS")
    if asked:
        return
    here = Path(__file__).parent
    chosen = [i for i in items if here not in i.path.parents]
    if len(chosen) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if here in i.path.parents])
        items[:] = chosen


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
