"""Where the tests' Kafka broker and MongoDB-wire server come from.

Per service, first match wins:
1. the environment (`KAFKA_BOOTSTRAP_SERVERS`, `MONGODB_URI`): used as is;
2. testcontainers, when a Docker engine answers and `testcontainers` is importable
   (`apache/kafka` and `mongo` images; not a dependency, imported lazily);
3. the project's native provisioning: `deploy/local/infra up` (Kafka from Maven Central jars,
   FerretDB built from the Go module proxy, cached after the first run).

Nothing here runs at import time; `Provisioner.ensure` is called only for services a selected test
needs, so unit-only runs start nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Service = Literal["kafka", "mongo"]
SERVICES: tuple[Service, ...] = ("kafka", "mongo")
ENV_VARS: dict[Service, str] = {"kafka": "KAFKA_BOOTSTRAP_SERVERS", "mongo": "MONGODB_URI"}
INFRA_SCRIPT = Path("deploy") / "local" / "infra.py"
# A cold cache downloads Kafka's jars and compiles FerretDB: minutes on two cores.
NATIVE_UP_TIMEOUT_S = 1_800.0
CONTAINER_START_TIMEOUT_S = 120.0


class ProvisioningError(RuntimeError):
    """A backend could not be made available; the message says why and how to reproduce."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    service: Service
    address: str  # bootstrap servers, or a MongoDB URI
    source: str  # human-readable: where it came from


def redact(address: str) -> str:
    """A MongoDB URI may carry credentials; reports only need host and port."""
    return re.sub(r"//[^/@]*@", "//***@", address)


def find_repo_root(*starts: Path) -> Path | None:
    """`SKILLPASS_ROOT`, else the first ancestor of a start path holding deploy/local/infra.py."""
    if explicit := os.environ.get("SKILLPASS_ROOT"):
        return Path(explicit)
    for start in starts:
        for candidate in [start, *start.resolve().parents]:
            if (candidate / INFRA_SCRIPT).is_file():
                return candidate
    return None


def docker_engine_answers(timeout: float = 1.0) -> bool:
    """True when a Docker engine answers `GET /_ping` on DOCKER_HOST or the default socket."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            path = host.removeprefix("unix://")
            if not Path(path).exists():
                return False
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(path)
        elif host.startswith("tcp://"):
            address, _, port = host.removeprefix("tcp://").rpartition(":")
            sock = socket.create_connection((address, int(port)), timeout=timeout)
        else:
            return False
        with sock:
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = sock.recv(64)
        return reply.startswith(b"HTTP/1.") and b" 200 " in reply
    except (OSError, ValueError):
        return False


def testcontainers_available() -> bool:
    if os.environ.get("SKILLPASS_NO_TESTCONTAINERS"):
        return False
    try:
        importlib.import_module("testcontainers.core.container")
    except ImportError:
        return False
    return True


@dataclass(slots=True)
class Provisioner:
    """Resolves each service at most once per test session and remembers failures, so every test
    that needs a broken backend errors with the same message instead of retrying for minutes."""

    root_hints: Sequence[Path]
    resolved: dict[Service, Endpoint] = field(default_factory=dict)
    failures: dict[Service, str] = field(default_factory=dict)
    _containers: list[Any] = field(default_factory=list)
    _native_started: list[Service] = field(default_factory=list)
    _docker: bool | None = None

    def plan(self, service: Service) -> str:
        """What `ensure` would use, without starting anything (for the report header)."""
        if value := os.environ.get(ENV_VARS[service]):
            return f"env {ENV_VARS[service]}={redact(value)}"
        if self._use_docker():
            return "testcontainers (Docker engine found)"
        return "deploy/local/infra up (native, started on first use)"

    def to_start(self, services: Iterable[Service]) -> list[Service]:
        """The services `ensure` would have to start (not given by env, not yet resolved)."""
        return [
            s
            for s in SERVICES
            if s in set(services)
            and s not in self.resolved
            and s not in self.failures
            and not os.environ.get(ENV_VARS[s])
        ]

    def endpoint(self, service: Service) -> Endpoint:
        self.ensure([service])
        if service in self.failures:
            raise ProvisioningError(self.failures[service])
        return self.resolved[service]

    def ensure(self, services: Iterable[Service]) -> None:
        wanted = [s for s in SERVICES if s in set(services)]
        pending = [s for s in wanted if s not in self.resolved and s not in self.failures]
        native: list[Service] = []
        for service in pending:
            if value := os.environ.get(ENV_VARS[service]):
                self.resolved[service] = Endpoint(
                    service=service, address=value, source=f"env {ENV_VARS[service]}"
                )
            elif self._use_docker():
                self._start_container(service)
            else:
                native.append(service)
        if native:
            self._native_up(native)

    def close(self) -> None:
        """Stop containers; stop native servers this session started only if asked to
        (`SKILLPASS_INFRA_DOWN=1`, e.g. in CI): by default they stay up so the next run is fast."""
        for container in reversed(self._containers):
            with contextlib.suppress(Exception):
                container.stop()
        self._containers.clear()
        if self._native_started and os.environ.get("SKILLPASS_INFRA_DOWN") == "1":
            root = find_repo_root(*self.root_hints)
            if root is not None:
                only = [arg for s in self._native_started for arg in ("--only", s)]
                subprocess.run(  # noqa: S603 - our own script, fixed argv
                    [sys.executable, str(root / INFRA_SCRIPT), "down", *only],
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    check=False,
                    timeout=120,
                )
            self._native_started.clear()

    def _use_docker(self) -> bool:
        if self._docker is None:
            self._docker = testcontainers_available() and docker_engine_answers()
        return self._docker

    def _native_up(self, services: Sequence[Service]) -> None:
        root = find_repo_root(*self.root_hints)
        if root is None:
            message = (
                f"cannot provision {', '.join(services)}: deploy/local/infra.py not found above "
                f"{', '.join(map(str, self.root_hints))}; set SKILLPASS_ROOT to the repository, "
                f"or set {' / '.join(ENV_VARS[s] for s in services)}"
            )
            self.failures.update(dict.fromkeys(services, message))
            return
        only = [arg for s in services for arg in ("--only", s)]
        argv = [sys.executable, str(root / INFRA_SCRIPT), "up", "--json", *only]
        shown = f"deploy/local/infra up {' '.join(only)}"
        try:
            proc = subprocess.run(  # noqa: S603 - our own script, fixed argv
                argv,
                cwd=root,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
                timeout=NATIVE_UP_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            message = f"`{shown}` did not finish within {NATIVE_UP_TIMEOUT_S:.0f}s"
            self.failures.update(dict.fromkeys(services, message))
            return
        try:
            result: dict[str, dict[str, Any]] = json.loads(proc.stdout)
        except json.JSONDecodeError:
            result = {}
        for service in services:
            info = result.get(service)
            if info is None or info.get("state") == "failed":
                reason = info["error"] if info else proc.stderr.strip() or proc.stdout.strip()
                self.failures[service] = (
                    f"`{shown}` could not provide {service} (exit {proc.returncode}); "
                    f"run it by hand to see more:\n{_tail(reason, 30)}"
                )
                continue
            if info.get("started"):
                self._native_started.append(service)
            how = "started" if info.get("started") else f"reused {info.get('state')} server"
            self.resolved[service] = Endpoint(
                service=service,
                address=str(info["endpoint"]),
                source=f"deploy/local/infra ({how})",
            )

    def _start_container(self, service: Service) -> None:
        try:
            if service == "kafka":
                container, address = _kafka_container()
                image = _kafka_image()
            else:
                container, address = _mongo_container()
                image = _mongo_image()
        except Exception as exc:  # any Docker/testcontainers failure is reported, not skipped
            self.failures[service] = f"testcontainers could not start {service}: {exc!r}"
            return
        self._containers.append(container)
        self.resolved[service] = Endpoint(
            service=service, address=address, source=f"testcontainers {image}"
        )


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _kafka_image() -> str:
    return os.environ.get("SKILLPASS_KAFKA_IMAGE", "apache/kafka:4.3.1")


def _mongo_image() -> str:
    return os.environ.get("SKILLPASS_MONGO_IMAGE", "mongo:7.0")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _kafka_container() -> tuple[Any, str]:
    """apache/kafka in KRaft mode. testcontainers' KafkaContainer drives Confluent images only,
    so this is a generic container whose listener port is the same inside and out: the broker
    then advertises an address the host can reach."""
    container_mod = importlib.import_module("testcontainers.core.container")
    port = _free_port()
    container: Any = container_mod.DockerContainer(_kafka_image())
    container.with_bind_ports(port, port)
    for key, value in {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": f"PLAINTEXT://0.0.0.0:{port},CONTROLLER://localhost:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://127.0.0.1:{port}",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "true",
        "KAFKA_NUM_PARTITIONS": "1",
    }.items():
        container.with_env(key, value)
    container.start()
    deadline = time.monotonic() + CONTAINER_START_TIMEOUT_S
    while b"Kafka Server started" not in b"".join(container.get_logs()):
        if time.monotonic() > deadline:
            container.stop()
            raise ProvisioningError(f"{_kafka_image()} did not start in time")
        time.sleep(0.5)
    return container, f"127.0.0.1:{port}"


def _mongo_container() -> tuple[Any, str]:
    mongo_mod = importlib.import_module("testcontainers.mongodb")
    container: Any = mongo_mod.MongoDbContainer(_mongo_image())
    container.start()
    return container, str(container.get_connection_url())
