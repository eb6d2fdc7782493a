"""The real stack on one machine (``make up`` / ``make down``): every role of every service as its
own process (``skillpass serve <name> --role <role>``) against the Kafka and MongoDB-wire servers
named by ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI`` (``deploy/local/infra up``), plus the
gateway.

State lives in one directory (default ``.skillpass/stack``): ``stack.json`` (ports, the stack id
that names its databases and consumer groups, the JWKS), ``secrets/`` (the key-encryption keys
and the token-signing key, mode 0600), ``pids/`` and ``logs/``. ``up`` starts what is not running
and waits until every API answers ``/readyz``; ``down`` stops the processes its pid files name
(SIGTERM to each process group, SIGKILL after a grace period) and keeps the data.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from skillpass.cli.run_commands import roles_of
from skillpass.platform.auth import DevTokenSigner

DEFAULT_STATE_DIR = Path(".skillpass/stack")
JWT_ISSUER = "skillpass-local"
JWT_AUDIENCE = "skillpass"
SERVICES = ("issuer", "wallet", "verifier", "gateway")  # start order; down is the reverse
PORT_OFFSETS = {"gateway": 0, "issuer": 1, "wallet": 2, "verifier": 3}
COMMAND_MARK = "from skillpass.cli.main import cli; cli()"
# Processes this process started (``Popen`` must be waited on, or it warns when collected).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class StackSigner(DevTokenSigner):
    """A dev signer over a key kept in the state dir, so tokens outlive one process."""

    def __init__(self, key: Ed25519PrivateKey, *, issuer: str, audience: str) -> None:
        super().__init__(issuer=issuer, audience=audience, key_id="stack-1")
        self._key = key


@dataclass(frozen=True, slots=True, kw_only=True)
class Stack:
    state_dir: Path
    stack_id: str
    base_port: int
    kafka: str
    mongodb: str

    @property
    def pids(self) -> Path:
        return self.state_dir / "pids"

    @property
    def logs(self) -> Path:
        return self.state_dir / "logs"

    @property
    def secrets(self) -> Path:
        return self.state_dir / "secrets"

    def port(self, name: str) -> int:
        return self.base_port + PORT_OFFSETS[name]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(name)}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url('gateway')}/graphql"

    def signer(self) -> StackSigner:
        pem = (self.secrets / "jwt-signing-key.pem").read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return StackSigner(key, issuer=JWT_ISSUER, audience=JWT_AUDIENCE)

    def secret(self, name: str) -> str:
        return (self.secrets / name).read_text().strip()

    def env(self, name: str) -> dict[str, str]:
        """The environment of every process of service ``name``."""
        jwks = json.dumps(self.signer().jwks())
        shared = {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "MONGODB_URI": self.mongodb,
            "MONGODB_DATABASE": f"stack_{self.stack_id}_{name}",
            "LOG_LEVEL": "INFO",
        }
        prefix = f"SKILLPASS_{name.upper()}_"
        jwt = {
            f"{prefix}JWT_JWKS": jwks,
            f"{prefix}JWT_ISSUER": JWT_ISSUER,
            f"{prefix}JWT_AUDIENCE": JWT_AUDIENCE,
        }
        own: dict[str, str] = {
            "issuer": {
                "SKILLPASS_ISSUER_PUBLIC_BASE_URL": self.url("issuer"),
                "SKILLPASS_ISSUER_KEK": self.secret("issuer-kek"),
                "SKILLPASS_ISSUER_CONSUMER_GROUP": f"issuer-pathways-{self.stack_id}",
                "SKILLPASS_ISSUER_BATCH_WORKERS": "1",
            },
            "wallet": {
                "SKILLPASS_WALLET_PUBLIC_BASE_URL": self.url("wallet"),
                "SKILLPASS_WALLET_KEK": self.secret("wallet-kek"),
                "SKILLPASS_WALLET_VERIFIER_URL": self.url("verifier"),
                "SKILLPASS_WALLET_ISSUER_URL": self.url("issuer"),
                "SKILLPASS_WALLET_CONSUMER_GROUP": f"wallet-{self.stack_id}",
            },
            "verifier": {
                # The local issuer is on the loopback over plain HTTP: allow exactly that.
                "SKILLPASS_VERIFIER_FETCH_ALLOW_HTTP": "true",
                "SKILLPASS_VERIFIER_FETCH_ALLOWED_HOSTS": json.dumps(["127.0.0.1"]),
                "SKILLPASS_VERIFIER_DID_WEB_SCHEME": "http",
                # A revocation shows at once (not after the status list's max-age).
                "SKILLPASS_VERIFIER_CACHE_MAX_TTL_SECONDS": "0",
                # Its rate limit keys anonymous callers by the address the gateway forwards.
                "SKILLPASS_VERIFIER_TRUST_FORWARDED_FOR": "true",
            },
            "gateway": {
                "SKILLPASS_GATEWAY_ISSUER_URL": self.url("issuer"),
                "SKILLPASS_GATEWAY_WALLET_URL": self.url("wallet"),
                "SKILLPASS_GATEWAY_VERIFIER_URL": self.url("verifier"),
                "SKILLPASS_GATEWAY_GRAPHIQL": "true",
                "SKILLPASS_GATEWAY_REPLICA_ID": f"local-{self.stack_id}",
            },
        }[name]
        return {**shared, **jwt, **own}


def _write_secret(path: Path, value: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)


def load_stack(
    state_dir: Path, *, base_port: int = 8100, environ: Mapping[str, str] = os.environ
) -> Stack:
    """The stack in ``state_dir``, made on first use (its id, keys and ports are kept)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    manifest = state_dir / "stack.json"
    if manifest.exists():
        saved: dict[str, Any] = json.loads(manifest.read_text())
    else:
        saved = {"stack_id": secrets.token_hex(4), "base_port": base_port}
        manifest.write_text(json.dumps(saved, indent=2) + "\n")
    stack = Stack(
        state_dir=state_dir,
        stack_id=saved["stack_id"],
        base_port=int(saved["base_port"]),
        kafka=environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        mongodb=environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/"),
    )
    for name in ("issuer-kek", "wallet-kek"):
        if not (stack.secrets / name).exists():
            _write_secret(stack.secrets / name, base64.b64encode(secrets.token_bytes(32)))
    key_file = stack.secrets / "jwt-signing-key.pem"
    if not key_file.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_secret(key_file, pem)
    return stack


# --- processes ----------------------------------------------------------------------------------


def _pid_file(stack: Stack, name: str, role: str) -> Path:
    return stack.pids / f"{name}-{role}.pid"


def _alive(pid: int) -> bool:
    _reap(pid)  # an exited child of ours is a zombie until collected
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_pid(stack: Stack, name: str, role: str) -> int | None:
    path = _pid_file(stack, name, role)
    if not path.exists():
        return None
    pid = int(path.read_text().strip() or 0)
    return pid if pid > 0 and _alive(pid) and _ours(pid) else None


def _ours(pid: int) -> bool:
    """The pid still runs our command (not a process that reused the number)."""
    try:
        return COMMAND_MARK.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return sys.platform != "linux"  # no /proc to ask: trust the pid file


def start_process(stack: Stack, name: str, role: str) -> int:
    existing = running_pid(stack, name, role)
    if existing is not None:
        return existing
    stack.pids.mkdir(parents=True, exist_ok=True)
    stack.logs.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-c",
        COMMAND_MARK,
        "serve",
        name,
        "--role",
        role,
        "--port",
        str(stack.port(name)),
    ]
    env = {**os.environ, **stack.env(name)}
    with (stack.logs / f"{name}-{role}.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: down stops it and its children
        )
    _pid_file(stack, name, role).write_text(f"{process.pid}\n")
    _CHILDREN[process.pid] = process
    return process.pid


def wait_ready(stack: Stack, *, timeout: float = 90.0) -> None:
    """Until every API answers ``/readyz`` with 200 (and no process has exited)."""
    deadline = time.monotonic() + timeout
    pending = set(SERVICES)
    with httpx.Client(timeout=2.0) as client:
        while pending:
            for name in sorted(pending):
                for role in roles_of(name):
                    if running_pid(stack, name, role) is None:
                        log = stack.logs / f"{name}-{role}.log"
                        raise click.ClickException(f"{name} {role} exited; see {log}")
                try:
                    if client.get(f"{stack.url(name)}/readyz").status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise click.ClickException(f"not ready after {timeout:.0f}s: {sorted(pending)}")
            if pending:
                time.sleep(0.3)


def stop_stack(stack: Stack, *, grace: float = 10.0) -> list[str]:
    """SIGTERM every process group the pid files name, SIGKILL what outlives ``grace``."""
    stopped: list[str] = []
    targets: list[tuple[Path, int]] = []
    for name in reversed(SERVICES):
        for role in ("api", "consumer", "relay", "worker"):
            path = _pid_file(stack, name, role)
            pid = running_pid(stack, name, role)
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGTERM)
                targets.append((path, pid))
                stopped.append(f"{name}-{role}")
            elif path.exists():
                path.unlink()
    deadline = time.monotonic() + grace
    for path, pid in targets:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            child = _CHILDREN.pop(pid, None)
            if child is not None:
                child.wait()
        path.unlink(missing_ok=True)
    return stopped


def _reap(pid: int) -> None:
    """Collect a child of this process (a test starts them), so it is not left a zombie."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        del _CHILDREN[pid]


def start_stack(stack: Stack, *, timeout: float = 90.0) -> None:
    for name in SERVICES:
        for role in roles_of(name):
            start_process(stack, name, role)
    wait_ready(stack, timeout=timeout)


# --- the demo data -------------------------------------------------------------------------------


def seed(stack: Stack) -> Path:
    """The demo tenant, learner and tokens (once per stack: its data outlives restarts)."""
    import asyncio

    from skillpass.gateway.demo import seed_demo, write_tokens

    tokens_file = stack.state_dir / "tokens.json"

    async def graphql(query: str, variables: Mapping[str, Any], token: str) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30.0) as client:
            response = await client.post(
                stack.graphql_url,
                json={"query": query, "variables": dict(variables)},
                headers={"Authorization": f"Bearer {token}"},
            )
        body: dict[str, Any] = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise click.ClickException(f"seeding failed: {response.status_code} {body}")
        data: dict[str, Any] = body["data"]
        return data

    if not tokens_file.exists():
        demo = asyncio.run(seed_demo(graphql, stack.signer()))
        write_tokens(tokens_file, demo, graphql_url=stack.graphql_url)
    return tokens_file


# --- commands ------------------------------------------------------------------------------------


def _state_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("SKILLPASS_STACK_DIR") or DEFAULT_STATE_DIR)


@click.group(name="stack")
def stack_group() -> None:
    """The real stack as local processes (``make up`` / ``make down``)."""


@stack_group.command(name="up")
@click.option("--state-dir", default=None, help="Default: $SKILLPASS_STACK_DIR or .skillpass/stack")
@click.option("--base-port", default=8100, show_default=True, type=int)
@click.option("--seed/--no-seed", "with_seed", default=True, show_default=True)
@click.option("--timeout", default=120.0, show_default=True, type=float)
def up(state_dir: str | None, base_port: int, with_seed: bool, timeout: float) -> None:
    """Start issuer, wallet, verifier (each role its own process) and the gateway."""
    stack = load_stack(_state_dir(state_dir), base_port=base_port)
    started = time.monotonic()
    try:
        start_stack(stack, timeout=timeout)
    except click.ClickException:
        stop_stack(stack)  # all or nothing: no half stack left behind
        raise
    click.echo(f"skillpass stack {stack.stack_id} up in {time.monotonic() - started:.1f}s")
    for name in SERVICES:
        pids = ", ".join(f"{role} pid {running_pid(stack, name, role)}" for role in roles_of(name))
        click.echo(f"  {name:>8}: {stack.url(name)}  ({pids})")
    click.echo(f"  logs: {stack.logs}")
    if with_seed:
        click.echo(f"  demo tokens: {seed(stack)}")
    click.echo(f"GraphQL: {stack.graphql_url}")


@stack_group.command(name="down")
@click.option("--state-dir", default=None)
def down(state_dir: str | None) -> None:
    """Stop every process ``up`` started (their data stays in MongoDB and Kafka)."""
    directory = _state_dir(state_dir)
    if not (directory / "stack.json").exists():
        click.echo("skillpass stack: nothing to stop")
        return
    stopped = stop_stack(load_stack(directory))
    click.echo(f"skillpass stack: stopped {', '.join(stopped) or 'nothing (none running)'}")


@stack_group.command(name="status")
@click.option("--state-dir", default=None)
def status(state_dir: str | None) -> None:
    """Which processes are running (exit 3 when any is not)."""
    stack = load_stack(_state_dir(state_dir))
    down_count = 0
    for name in SERVICES:
        for role in roles_of(name):
            pid = running_pid(stack, name, role)
            down_count += pid is None
            state = f"running, pid {pid}" if pid else "stopped"
            click.echo(f"{name:>8} {role:<8} {stack.url(name):<24} {state}")
    if down_count:
        raise SystemExit(3)
