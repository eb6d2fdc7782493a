"""pytest plugin: real Kafka and MongoDB-wire endpoints for tests that ask for them.

Enable it with `pytest_plugins = ["skillpass.platform.testing.plugin"]` in the root conftest.py.

Fixtures: `kafka_bootstrap_servers`, `mongodb_uri` (session); `mongo_database`,
`kafka_topic_name`, `unique_id`, and the deterministic ones `fixed_now` / `fixed_clock` (the
pure core never reads the clock), `key_encryption_key`, `token_signer` (per test). Tests using
the backends are marked `kafka` / `mongo` automatically, so `-m "not kafka and not mongo"` is a
unit-only run that starts nothing.

Backends are provisioned once, after collection, for the services the selected tests need
(outside any per-test timeout: a cold cache takes minutes). A test that needs a backend which
could not be provisioned ERRORs with the reason; it is never skipped.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from skillpass.platform.auth import DevTokenSigner
from skillpass.platform.testing.infra import (
    SERVICES,
    Provisioner,
    ProvisioningError,
    Service,
    redact,
)

if TYPE_CHECKING:
    from skillpass.platform.testing import AsyncMongoDatabase

PROVISIONER = pytest.StashKey[Provisioner]()

# Fixtures that imply a service (tests may also just carry the marker and look the endpoint up
# with request.getfixturevalue, which collection cannot see).
SERVICE_FIXTURES: dict[Service, frozenset[str]] = {
    "kafka": frozenset({"kafka_bootstrap_servers"}),
    "mongo": frozenset({"mongodb_uri", "mongo_database"}),
}


def pytest_configure(config: pytest.Config) -> None:
    # Declared unless the project already does, so --strict-markers accepts them anywhere.
    declared = {line.split(":", 1)[0].strip() for line in config.getini("markers")}
    for service, what in (("kafka", "the real Kafka broker"), ("mongo", "a MongoDB-wire server")):
        if service not in declared:
            config.addinivalue_line("markers", f"{service}: needs {what}")
    config.stash[PROVISIONER] = Provisioner(root_hints=[config.rootpath, Path(__file__)])


def pytest_report_header(config: pytest.Config) -> list[str]:
    provisioner = config.stash[PROVISIONER]
    return [f"infra: {service} <- {provisioner.plan(service)}" for service in SERVICES]


def _needs(item: pytest.Item) -> set[Service]:
    names = set(getattr(item, "fixturenames", ()))
    return {
        service
        for service in SERVICES
        if names & SERVICE_FIXTURES[service] or item.get_closest_marker(service) is not None
    }


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for service in SERVICES:
            if names & SERVICE_FIXTURES[service] and item.get_closest_marker(service) is None:
                item.add_marker(service)


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    needed = services_needed(session.items)
    if not needed:
        return
    provisioner = session.config.stash[PROVISIONER]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and (starting := provisioner.to_start(needed)):
        reporter.write_line(
            f"infra: {', '.join(starting)}: checking / starting (a cold cache takes minutes) ..."
        )
    provisioner.ensure(needed)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    provisioner = config.stash[PROVISIONER]
    for service in SERVICES:
        if (endpoint := provisioner.resolved.get(service)) is not None:
            terminalreporter.write_line(
                f"infra: {service} at {redact(endpoint.address)} from {endpoint.source}"
            )
        elif (failure := provisioner.failures.get(service)) is not None:
            terminalreporter.write_line(f"infra: {service} FAILED: {failure.splitlines()[0]}")


def pytest_unconfigure(config: pytest.Config) -> None:
    if (provisioner := config.stash.get(PROVISIONER, None)) is not None:
        provisioner.close()


def _endpoint(config: pytest.Config, service: Service) -> str:
    try:
        return config.stash[PROVISIONER].endpoint(service).address
    except ProvisioningError as exc:
        reason = str(exc)
    # Outside the except block, so the report shows the reason and not a chained traceback.
    pytest.fail(f"{service} is not available for this test:\n{reason}", pytrace=False)


@pytest.fixture(scope="session")
def kafka_bootstrap_servers(pytestconfig: pytest.Config) -> str:
    """`host:port` of a real Kafka broker (topic auto-creation on, 1 partition by default)."""
    return _endpoint(pytestconfig, "kafka")


@pytest.fixture(scope="session")
def mongodb_uri(pytestconfig: pytest.Config) -> str:
    """URI of a real MongoDB-wire server (FerretDB natively: see deploy/local/README.md for what
    it does not support)."""
    return _endpoint(pytestconfig, "mongo")


FIXED_NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def fixed_clock(fixed_now: datetime) -> Callable[[], datetime]:
    return lambda: fixed_now


@pytest.fixture
def key_encryption_key() -> bytes:
    """A fresh 32-byte key-encryption key (SecretBox) for sealing keys at rest."""
    return secrets.token_bytes(32)


@pytest.fixture
def token_signer() -> DevTokenSigner:
    """Signs bearer JWTs that services built with ``token_signer.verifier()`` accept."""
    return DevTokenSigner(issuer="https://auth.skillpass.test", audience="skillpass")


@pytest.fixture
def unique_id() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def kafka_topic_name(request: pytest.FixtureRequest, unique_id: str) -> str:
    """A topic name no other test uses; the test name is kept in it to find it in broker logs."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", request.node.name).strip("-")[:80]
    return f"test-{slug}-{unique_id}"


@pytest_asyncio.fixture
async def mongo_database(mongodb_uri: str, unique_id: str) -> AsyncIterator[AsyncMongoDatabase]:
    """A fresh database on the real server, dropped after the test. The client lives on this
    test's event loop and is closed with it."""
    from pymongo import AsyncMongoClient  # deferred: unit-only runs never import the driver

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongodb_uri, tz_aware=True, serverSelectionTimeoutMS=10_000, appname="skillpass-tests"
    )
    database = client[f"test_{unique_id}"]
    try:
        yield database
    finally:
        try:
            await client.drop_database(database.name)
        finally:
            await client.close()


def services_needed(items: Iterable[pytest.Item]) -> set[Service]:
    """The services a set of collected tests needs (fixtures they use, or their markers)."""
    needed: set[Service] = set()
    for item in items:
        needed |= _needs(item)
    return needed
