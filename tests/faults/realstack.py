"""The real stack, privately: a Kafka broker and a FerretDB server of our own
(``deploy/local/infra`` with private ports and state directory, the cached binaries shared) and the
services as separate processes (``skillpass serve <name> --role <role>``) on them.

The fault tests stop and start these servers and SIGKILL these processes; the benchmarks measure
them. Nothing here touches the shared servers on the default ports, which other people's tests
use: every command names our own state directory, whose pid files are the only servers ``infra
down`` stops.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from skillpass.platform.auth import DevTokenSigner, Role

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "deploy" / "local" / "infra"
JWT_ISSUER = "skillpass-realstack"
JWT_AUDIENCE = "skillpass"
SERVE = "from skillpass.cli.main import cli; cli()"  # `skillpass serve`, with this interpreter


def env_int(name: str, default: int) -> int:
    """A size or duration the caller may bound from the environment (CI time budgets)."""
    return int(os.environ.get(name, default))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class InfraError(RuntimeError):
    pass


@dataclass
class PrivateInfra:
    """Kafka + FerretDB on ports of our own; ``stop``/``start`` are the faults."""

    state_dir: Path
    kafka_port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    mongo_port: int = field(default_factory=free_port)

    @property
    def kafka(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongodb_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/"

    def _env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI")
            and not k.startswith("SKILLPASS_")
        }
        if "SKILLPASS_CACHE" in os.environ:  # the cached jars and FerretDB build stay shared
            env["SKILLPASS_CACHE"] = os.environ["SKILLPASS_CACHE"]
        return {
            **env,
            "SKILLPASS_STATE_DIR": str(self.state_dir),
            "SKILLPASS_KAFKA_PORT": str(self.kafka_port),
            "SKILLPASS_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "SKILLPASS_MONGO_PORT": str(self.mongo_port),
        }

    def _infra(self, *args: str, timeout: float) -> None:
        done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [str(INFRA), *args],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise InfraError(f"infra {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")

    @staticmethod
    def _only(services: Sequence[str]) -> list[str]:
        return [arg for svc in services for arg in ("--only", svc)]

    def start(self, *services: str) -> None:
        """Start (or restart) our servers: ``kafka``, ``mongo`` (default: both)."""
        self._infra("up", *self._only(services), timeout=300)

    def stop(self, *services: str) -> None:
        self._infra("down", *self._only(services), timeout=120)

    def close(self) -> None:
        with contextlib.suppress(InfraError, subprocess.TimeoutExpired):
            self.stop()
        shutil.rmtree(self.state_dir, ignore_errors=True)


@contextlib.contextmanager
def private_infra() -> Iterator[PrivateInfra]:
    infra = PrivateInfra(state_dir=Path(tempfile.mkdtemp(prefix="skillpass-private-infra-")))
    try:
        infra.start()
        yield infra
    finally:
        infra.close()


@dataclass
class ServiceProcess:
    """One role of one service as its own process group (the issuer's signing pool included)."""

    name: str
    role: str
    port: int
    env: Mapping[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-c", SERVE, "serve", self.name, "--role", self.role]
        command += ["--port", str(self.port)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
                command,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, *, timeout: float = 90.0, path: str = "/readyz") -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=3.0) as client:
            while True:
                if not self.alive:
                    raise InfraError(f"{self.name} {self.role} exited; see {self.log}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(self.url + path).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise InfraError(f"{self.name} not ready after {timeout:.0f}s; see {self.log}")
                time.sleep(0.25)

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, nothing runs its shutdown."""
        self._signal(signal.SIGKILL)
        self._reap(10.0)

    def stop(self, grace: float = 15.0) -> None:
        self._signal(signal.SIGTERM)
        if not self._reap(grace):
            self._signal(signal.SIGKILL)
            self._reap(10.0)

    def _signal(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def _reap(self, timeout: float) -> bool:
        if self.process is None:
            return True
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        # The group's other members (the signing pool) go with their leader's SIGKILL; after a
        # TERM they exit with it. Make sure none is left behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return True


def _kek() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass
class Stack:
    """The services' settings over one infra, and the processes started from them."""

    infra: PrivateInfra
    run_dir: Path
    stack_id: str = field(default_factory=lambda: secrets.token_hex(4))
    signer: DevTokenSigner = field(
        default_factory=lambda: DevTokenSigner(issuer=JWT_ISSUER, audience=JWT_AUDIENCE)
    )
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[ServiceProcess] = field(default_factory=list)
    keks: dict[str, str] = field(default_factory=lambda: {"issuer": _kek(), "wallet": _kek()})

    def port(self, name: str) -> int:
        if name not in self.ports:
            self.ports[name] = free_port()
        return self.ports[name]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(name)}"

    def database(self, name: str) -> str:
        return f"rs_{self.stack_id}_{name}"

    def env(self, name: str, **overrides: str) -> dict[str, str]:
        prefix = f"SKILLPASS_{name.upper()}_"
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": self.infra.kafka,
            "MONGODB_URI": self.infra.mongodb_uri,
            "MONGODB_DATABASE": self.database(name),
            "LOG_LEVEL": "WARNING",
            f"{prefix}JWT_JWKS": json.dumps(self.signer.jwks()),
            f"{prefix}JWT_ISSUER": JWT_ISSUER,
            f"{prefix}JWT_AUDIENCE": JWT_AUDIENCE,
        }
        env.update(
            {
                "issuer": {
                    "SKILLPASS_ISSUER_PUBLIC_BASE_URL": self.url("issuer"),
                    "SKILLPASS_ISSUER_KEK": self.keks["issuer"],
                    "SKILLPASS_ISSUER_CONSUMER_GROUP": f"issuer-pathways-{self.stack_id}",
                },
                "wallet": {
                    "SKILLPASS_WALLET_PUBLIC_BASE_URL": self.url("wallet"),
                    "SKILLPASS_WALLET_KEK": self.keks["wallet"],
                    "SKILLPASS_WALLET_VERIFIER_URL": self.url("verifier"),
                    "SKILLPASS_WALLET_ISSUER_URL": self.url("issuer"),
                    "SKILLPASS_WALLET_CONSUMER_GROUP": f"wallet-{self.stack_id}",
                },
                "verifier": {
                    "SKILLPASS_VERIFIER_FETCH_ALLOW_HTTP": "true",
                    "SKILLPASS_VERIFIER_FETCH_ALLOWED_HOSTS": json.dumps(["127.0.0.1"]),
                    "SKILLPASS_VERIFIER_DID_WEB_SCHEME": "http",
                    "SKILLPASS_VERIFIER_RATE_LIMIT_PER_MINUTE": "1000000",
                    "SKILLPASS_VERIFIER_RATE_LIMIT_BURST": "100000",
                },
                "gateway": {
                    "SKILLPASS_GATEWAY_ISSUER_URL": self.url("issuer"),
                    "SKILLPASS_GATEWAY_WALLET_URL": self.url("wallet"),
                    "SKILLPASS_GATEWAY_VERIFIER_URL": self.url("verifier"),
                    "SKILLPASS_GATEWAY_REPLICA_ID": f"realstack-{self.stack_id}",
                },
            }.get(name, {})
        )
        env.update({prefix + key.upper(): value for key, value in overrides.items()})
        return env

    def process(
        self, name: str, role: str = "api", *, port: int | None = None, **overrides: str
    ) -> ServiceProcess:
        """A process (not started yet) of ``name`` in ``role``; ``overrides`` are settings of the
        service without its prefix (``batch_workers="2"``)."""
        number = sum(1 for p in self.processes if (p.name, p.role) == (name, role))
        started = ServiceProcess(
            name=name,
            role=role,
            port=port if port is not None else self.port(name),
            env=self.env(name, **overrides),
            log=self.run_dir / f"{name}-{role}-{number}.log",
        )
        self.processes.append(started)
        return started

    def token(self, *roles: Role, tenant: str | None = None, learner_id: str | None = None) -> str:
        return self.signer.token(
            "realstack", now=datetime.now(UTC), roles=roles, tenant=tenant, learner_id=learner_id
        )

    def headers(
        self, *roles: Role, tenant: str | None = None, learner_id: str | None = None
    ) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token(*roles, tenant=tenant, learner_id=learner_id)}"
        }

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop(grace=10.0)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def logs_of(stack: Stack) -> str:
    """The end of every process's log (for an assertion message)."""
    return "\n".join(f"--- {p.log.name}\n{tail(p.log)}" for p in stack.processes)


def problem_code(response: httpx.Response) -> Any:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        return response.json().get("code")
    return None
