"""Fixtures for the deploy/k8s checks (`make k8s-check` runs just this folder): every overlay
under deploy/k8s/overlays rendered once per session, and Strimzi's CRD schemas. Tools are fetched
and cached on first use (see manifests.py); if one cannot be had, the tests fail saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.k8s.manifests import (
    COLD_START_TIMEOUT,
    OVERLAYS,
    Rendered,
    ToolUnavailableError,
    render,
    strimzi_crd_schemas,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.timeout(COLD_START_TIMEOUT))


@pytest.fixture(scope="session", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    try:
        return render(request.param)
    except ToolUnavailableError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def strimzi_schemas() -> Mapping[str, Mapping[str, Any]]:
    try:
        return strimzi_crd_schemas()
    except ToolUnavailableError as error:
        pytest.fail(
            f"{error}\nThe Strimzi resources cannot be checked against their CRD schemas without "
            "them (see deploy/k8s/README.md).",
            pytrace=False,
        )
