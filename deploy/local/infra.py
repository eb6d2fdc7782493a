#!/usr/bin/env python3
"""Native Kafka + MongoDB-wire server for machines without Docker (see README.md beside this file).

    deploy/local/infra up [--only kafka|mongo] [--json]    provision (cached), start, reuse running
    deploy/local/infra down [--only kafka|mongo] [--purge]  stop what `up` started (pid files)
    deploy/local/infra status [--json]                     exit 0 when all answer, else 3
    deploy/local/infra env                                 shell exports of the endpoints

Kafka: `org.apache.kafka:kafka_2.13` jars from Maven Central (one small pom, `mvn
dependency:copy-dependencies`), run as a single KRaft broker+controller with `java -cp`.
MongoDB wire: FerretDB v1 (SQLite backend) built from the Go module proxy.

Standard library only, so it runs under any python3 >= 3.10 before the project's venv exists.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import string
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVICES = ("kafka", "mongo")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    cache_dir: Path
    state_dir: Path
    kafka_version: str
    kafka_port: int
    controller_port: int
    kafka_java_opts: tuple[str, ...]
    ferretdb_version: str
    mongo_port: int

    @classmethod
    def from_env(cls) -> Config:
        cache = Path(os.environ.get("SKILLPASS_CACHE") or Path.home() / ".cache" / "skillpass")
        return cls(
            cache_dir=cache,
            state_dir=Path(os.environ.get("SKILLPASS_STATE_DIR") or cache / "run"),
            kafka_version=os.environ.get("SKILLPASS_KAFKA_VERSION") or "4.3.1",
            kafka_port=_env_int("SKILLPASS_KAFKA_PORT", 19092),
            controller_port=_env_int("SKILLPASS_KAFKA_CONTROLLER_PORT", 19093),
            # Small heap; C1 only and the serial GC keep startup and CPU low on 2 shared cores.
            kafka_java_opts=tuple(
                (
                    os.environ.get("SKILLPASS_KAFKA_JAVA_OPTS")
                    or "-Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
                ).split()
            ),
            ferretdb_version=os.environ.get("SKILLPASS_FERRETDB_VERSION") or "v1.24.2",
            mongo_port=_env_int("SKILLPASS_MONGO_PORT", 27017),
        )

    @property
    def kafka_endpoint(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongo_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/"


class InfraError(Exception):
    """A step failed; the message says which and where its log is."""


def log(message: str) -> None:
    # stdout is reserved for endpoints / JSON; progress goes to stderr.
    print(f"[infra] {message}", file=sys.stderr, flush=True)


def run(
    cmd: Sequence[str | Path],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log_file: Path | None = None,
) -> None:
    """Run a provisioning step; on failure raise with the tail of its output."""
    args = [str(c) for c in cmd]
    out = subprocess.run(  # noqa: S603 - fixed argv, no shell
        args,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a") as f:
            f.write(f"$ {' '.join(args)}\n{out.stdout}{out.stderr}\n")
    if out.returncode != 0:
        text = ANSI_ESCAPE.sub("", out.stdout + out.stderr)  # Maven colours even with -B
        lines = [ln for ln in text.splitlines() if not _boilerplate(ln)]
        tail = "\n".join(lines[-25:])
        raise InfraError(f"`{' '.join(args[:4])} ...` failed (exit {out.returncode}):\n{tail}")


def _boilerplate(line: str) -> bool:
    # Maven's advice block after an error says nothing about the error itself.
    text = line.removeprefix("[ERROR]").strip()
    return not text or text.startswith(
        ("To see the full", "Re-run Maven", "For more information", "[Help 1]")
    )


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise InfraError(f"`{name}` is not on PATH; it is needed to provision the local stack")
    return path


# --- wire-level readiness probes (no client libraries: this runs before the venv exists) -------


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return bytes(buf)


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def kafka_metadata_ok(port: int, timeout: float = 2.0) -> bool:
    """Send a Metadata v4 request (all topics) and check that a broker and a controller are known.

    v4 is the oldest version Kafka 4.x still serves (KIP-896) and is non-flexible, so it stays a
    few struct calls."""
    client_id = b"skillpass-infra"
    body = struct.pack(">hhih", 3, 4, 7, len(client_id)) + client_id  # api key 3, v4, corr 7
    body += struct.pack(">i?", -1, False)  # topics=null (all), allow_auto_topic_creation=false
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(struct.pack(">i", len(body)) + body)
            (size,) = struct.unpack(">i", _recv_exact(sock, 4))
            resp = _recv_exact(sock, size)
    except (OSError, ConnectionError, struct.error):
        return False
    try:
        pos = 0
        corr, _throttle, brokers = struct.unpack_from(">iii", resp, pos)
        pos += 12
        if corr != 7 or brokers < 1:
            return False
        for _ in range(brokers):
            pos += 4  # node_id
            (host_len,) = struct.unpack_from(">h", resp, pos)
            pos += 2 + host_len + 4  # host, port
            (rack_len,) = struct.unpack_from(">h", resp, pos)
            pos += 2 + max(rack_len, 0)
        (cluster_len,) = struct.unpack_from(">h", resp, pos)
        pos += 2 + max(cluster_len, 0)
        (controller_id,) = struct.unpack_from(">i", resp, pos)
    except struct.error:
        return False
    return bool(controller_id >= 0)


def _bson_hello() -> bytes:
    def cstring(s: str) -> bytes:
        return s.encode() + b"\x00"

    elements = b"\x10" + cstring("hello") + struct.pack("<i", 1)
    elements += b"\x02" + cstring("$db") + struct.pack("<i", 6) + cstring("admin")
    return struct.pack("<i", len(elements) + 5) + elements + b"\x00"


def mongo_hello_ok(port: int, timeout: float = 2.0) -> bool:
    """Send `hello` as an OP_MSG and check the reply carries ok: 1.0."""
    payload = struct.pack("<I", 0) + b"\x00" + _bson_hello()  # flagBits, section kind 0, doc
    header = struct.pack("<iiii", 16 + len(payload), 1, 0, 2013)  # OP_MSG
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(header + payload)
            size, _req, _to, opcode = struct.unpack("<iiii", _recv_exact(sock, 16))
            reply = _recv_exact(sock, size - 16)
    except (OSError, ConnectionError, struct.error):
        return False
    return opcode == 2013 and b"\x01ok\x00" + struct.pack("<d", 1.0) in reply


# --- processes and pid files ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Managed:
    """One server this script can start: where its pid and log live and how to tell it is ours."""

    name: str
    dir: Path
    marker: str  # a string in the process's command line that only our server has

    @property
    def pid_file(self) -> Path:
        return self.dir / f"{self.name}.pid"

    @property
    def out_file(self) -> Path:
        return self.dir / f"{self.name}.out"

    def pid(self) -> int | None:
        """The pid from the pid file if that process is alive and is ours (pids get reused)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\x00", b" ").decode()
        except (OSError, ValueError):
            return None
        return pid if self.marker in cmdline else None

    def start(self, argv: Sequence[str | Path], *, cwd: Path) -> subprocess.Popen[bytes]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with self.out_file.open("ab") as out:
            # A new session and no inherited stdio: the server outlives this script and never
            # holds a caller's pipe open (a CI runner or pytest would wait for EOF forever).
            proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [str(a) for a in argv],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc

    def stop(self, timeout: float = 30.0) -> bool:
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)  # Kafka does a controlled shutdown on TERM
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and self.pid():
            time.sleep(0.2)
        if self.pid() is not None:
            log(f"{self.name}: still running after {timeout:.0f}s, killing pid {pid}")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True


def answers_soon(probe: Callable[[], bool], grace: float = 20.0) -> bool:
    """For a server of ours that is alive: a busy machine (or a JVM pause) can delay an answer,
    and restarting a healthy server under other people's tests would break them."""
    deadline = time.monotonic() + grace
    while not probe():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def wait_ready(
    server: Managed,
    proc: subprocess.Popen[bytes],
    probe: Callable[[], bool],
    timeout: float,
    log_hint: Path,
) -> None:
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if probe():
            log(
                f"{server.name}: answering after {time.monotonic() - started:.1f}s (pid {proc.pid})"
            )
            return
        if proc.poll() is not None:
            server.pid_file.unlink(missing_ok=True)
            raise InfraError(
                f"{server.name} exited with {proc.returncode} during startup; see {log_hint}\n"
                + tail(log_hint)
            )
        time.sleep(0.25)
    server.stop(timeout=10)
    raise InfraError(
        f"{server.name} did not answer within {timeout:.0f}s; see {log_hint}\n" + tail(log_hint)
    )


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def state_lock(cfg: Config) -> Iterator[None]:
    """Serialise up/down: two test sessions starting at once must not race for the ports."""
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    with (cfg.state_dir / "infra.lock").open("w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("waiting for another `infra` run (lock held) ...")
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --- Kafka --------------------------------------------------------------------------------------


def kafka_server(cfg: Config) -> Managed:
    return Managed(
        name="kafka",
        dir=cfg.state_dir / "kafka",
        marker=f"-Dskillpass.infra={cfg.state_dir / 'kafka'}",
    )


def kafka_libs(cfg: Config) -> Path:
    """The broker's jars, resolved once per version into the cache (rename makes it atomic)."""
    libs = cfg.cache_dir / f"kafka-{cfg.kafka_version}" / "libs"
    if libs.is_dir():
        return libs
    mvn = require_tool("mvn")
    staging = libs.with_name(f"libs.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    log(
        f"kafka: resolving org.apache.kafka:kafka_2.13:{cfg.kafka_version} from Maven Central "
        "(first run only) ..."
    )
    started = time.monotonic()
    try:
        _resolve_kafka(cfg, mvn, staging, libs.parent / "provision.log")
        staging.rename(libs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(
        f"kafka: {len(list(libs.glob('*.jar')))} jars cached in {libs} "
        f"({time.monotonic() - started:.0f}s)"
    )
    return libs


def _resolve_kafka(cfg: Config, mvn: str, staging: Path, log_file: Path) -> None:
    run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            HERE / "kafka" / "pom.xml",
            "dependency:copy-dependencies",
            f"-Dkafka.version={cfg.kafka_version}",
            f"-Dmaven.repo.local={cfg.cache_dir / 'm2'}",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        log_file=log_file,
    )
    if not any(staging.glob(f"kafka_2.13-{cfg.kafka_version}.jar")):
        raise InfraError(f"kafka: kafka_2.13-{cfg.kafka_version}.jar missing after resolution")


def random_cluster_id() -> str:
    # Kafka's Uuid: 16 random bytes, url-safe base64 without padding; ids starting with '-' are
    # rejected on the command line.
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def kafka_up(cfg: Config) -> dict[str, Any]:
    server = kafka_server(cfg)
    endpoint = cfg.kafka_endpoint
    probe = functools.partial(kafka_metadata_ok, cfg.kafka_port)
    if (pid := server.pid()) is not None and answers_soon(probe):
        return {"endpoint": endpoint, "state": "running", "pid": pid, "started": False}
    if port_open(cfg.kafka_port):
        if kafka_metadata_ok(cfg.kafka_port):
            log(f"kafka: a broker not started by this script answers on {endpoint}; reusing it")
            return {"endpoint": endpoint, "state": "external", "pid": None, "started": False}
        if pid is None:
            raise InfraError(
                f"kafka: port {cfg.kafka_port} is taken by something that is not a "
                "Kafka broker (set SKILLPASS_KAFKA_PORT)"
            )
    if pid is not None:  # ours, but not answering: restart it
        log(f"kafka: pid {pid} does not answer; restarting it")
        server.stop(timeout=15)
    if port_open(cfg.controller_port):
        raise InfraError(
            f"kafka: controller port {cfg.controller_port} is taken "
            "(set SKILLPASS_KAFKA_CONTROLLER_PORT)"
        )

    java = require_tool("java")
    libs = kafka_libs(cfg)
    data = server.dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    props = server.dir / "server.properties"
    template = string.Template((HERE / "kafka" / "server.properties.in").read_text())
    props.write_text(
        template.substitute(
            kafka_port=cfg.kafka_port, controller_port=cfg.controller_port, data_dir=data
        )
    )
    base = [
        java,
        *cfg.kafka_java_opts,
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={HERE / 'kafka' / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={server.dir / 'logs'}",
        "-cp",
        f"{libs}/*",
    ]
    if not (data / "meta.properties").exists():
        log("kafka: formatting KRaft storage (new random cluster id)")
        run(
            [
                *base,
                "kafka.tools.StorageTool",
                "format",
                "--cluster-id",
                random_cluster_id(),
                "--config",
                props,
                "--ignore-formatted",
            ],
            log_file=server.dir / "format.log",
        )
    log(f"kafka: starting {cfg.kafka_version} on {endpoint} (controller :{cfg.controller_port})")
    proc = server.start([*base, server.marker, "kafka.Kafka", props], cwd=server.dir)
    wait_ready(
        server,
        proc,
        lambda: kafka_metadata_ok(cfg.kafka_port),
        120,
        server.dir / "logs" / "server.log",
    )
    return {"endpoint": endpoint, "state": "running", "pid": proc.pid, "started": True}


# --- FerretDB -----------------------------------------------------------------------------------

FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_WRITELOCK = HERE / "ferretdb" / "writelock.go"
# The read-modify-write commands that writelock.go serialises: the first statement of each of
# these functions (internal/handler) becomes a Lock / deferred Unlock of skillpassWriteMu.
FERRETDB_LOCKED_FUNCS = {
    "msg_update.go": "func (h *Handler) updateDocument(",
    "msg_findandmodify.go": "func (h *Handler) findAndModifyDocument(",
    "msg_delete.go": "func (h *Handler) execDelete(",
}
FERRETDB_TAGS = "ferretdb_no_postgresql"  # we only use SQLite; PostgreSQL is FerretDB's default
# Filter pushdown for the query shapes skillpass's hot paths use (see ferretdb/pushdown.go): the
# backend's own `{_id: <scalar>}`-only pushdown is replaced by a call into that file.
FERRETDB_PUSHDOWN = HERE / "ferretdb" / "pushdown.go"
FERRETDB_PUSHDOWN_SITE = (
    "internal/backends/sqlite/collection.go",
    """	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			whereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
""",
    "\twhereClause, args = skillpassWhere(params.Filter)\n",
)
# SQLite's default in WAL mode fsyncs every commit; NORMAL fsyncs at checkpoints. A commit still
# survives the server process being killed (the fault tests do that), not a power cut: right for
# a local test and development server, and about halves the cost of each write here.
FERRETDB_SQLITE_PRAGMAS = "?_pragma=synchronous(NORMAL)"
# Lookups by _id must use the unique index FerretDB creates on `_ferretdb_sjson->"_id"`; upstream
# queries `->'$._id'`, which SQLite cannot match to that index, so every update/delete by _id
# scanned the whole collection (measured: 218 ms vs 2.9 ms at 10,000 documents of 9 KB).
FERRETDB_ID_COLUMN = (
    "internal/backends/sqlite/metadata/metadata.go",
    '''IDColumn = DefaultColumn + "->'$._id'"''',
    '''IDColumn = DefaultColumn + "->\\"_id\\""''',
)


def ferretdb_build_id() -> str:
    """Changes whenever what we add to the build changes, so a cached binary is rebuilt."""
    digest = hashlib.sha256(FERRETDB_WRITELOCK.read_bytes())
    digest.update(repr(sorted(FERRETDB_LOCKED_FUNCS.items())).encode() + FERRETDB_TAGS.encode())
    digest.update(repr(FERRETDB_ID_COLUMN).encode())
    digest.update(FERRETDB_PUSHDOWN.read_bytes() + repr(FERRETDB_PUSHDOWN_SITE).encode())
    return digest.hexdigest()[:10]


def patch_ferretdb(src: Path) -> None:
    handler = src / "internal" / "handler"
    shutil.copy(FERRETDB_WRITELOCK, handler / "skillpass_writelock.go")
    for name, signature in FERRETDB_LOCKED_FUNCS.items():
        path = handler / name
        code = path.read_text()
        start = code.find(signature)
        body = code.find("{\n", start) + 2
        if start < 0 or body < 2:
            raise InfraError(
                f"mongo: cannot find `{signature}` in {name}: this FerretDB version "
                "needs deploy/local/infra.py's write lock revisited"
            )
        lock = "\tskillpassWriteMu.Lock()\n\tdefer skillpassWriteMu.Unlock()\n\n"
        path.write_text(code[:body] + lock + code[body:])
    relative, upstream, indexed = FERRETDB_ID_COLUMN
    metadata = src / relative
    code = metadata.read_text()
    if upstream not in code:
        raise InfraError(f"mongo: `{upstream}` not found in {relative}: revisit FERRETDB_ID_COLUMN")
    metadata.write_text(code.replace(upstream, indexed))
    relative, upstream, pushdown = FERRETDB_PUSHDOWN_SITE
    collection = src / relative
    code = collection.read_text()
    if code.count(upstream) != 1:
        raise InfraError(f"mongo: the _id pushdown in {relative} changed: revisit pushdown.go")
    collection.write_text(code.replace(upstream, pushdown))
    shutil.copy(FERRETDB_PUSHDOWN, collection.parent / "skillpass_pushdown.go")


def mongo_server(cfg: Config) -> Managed:
    return Managed(
        name="ferretdb",
        dir=cfg.state_dir / "ferretdb",
        marker=f"--state-dir={cfg.state_dir / 'ferretdb'}",
    )


def ferretdb_binary_path(cfg: Config) -> Path:
    home = cfg.cache_dir / f"ferretdb-{cfg.ferretdb_version}-{ferretdb_build_id()}"
    return home / "bin" / "ferretdb"


def ferretdb_binary(cfg: Config) -> Path:
    """Build FerretDB once per version from the Go module proxy.

    `go install .../cmd/ferretdb@vX` builds but panics at start: build/version/version.txt is
    generated from git and is not in the module zip. So: copy the module out of the module cache,
    write the version files, add the write lock (see ferretdb/writelock.go), build there."""
    binary = ferretdb_binary_path(cfg)
    home = binary.parent.parent
    if binary.is_file():
        return binary
    go = require_tool("go")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
    build_log = home / "build.log"
    log(
        f"mongo: building FerretDB {cfg.ferretdb_version} from the Go module proxy "
        "(first run only, a few minutes) ..."
    )
    started = time.monotonic()
    out = subprocess.run(  # noqa: S603 - fixed argv
        [go, "mod", "download", "-json", f"{FERRETDB_MODULE}@{cfg.ferretdb_version}"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise InfraError(f"mongo: go mod download failed:\n{out.stdout}{out.stderr}")
    info = json.loads(out.stdout)
    src = home / f"src.tmp-{os.getpid()}"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(info["Dir"], src)
    for path in [src, *src.rglob("*")]:  # the module cache is read-only
        path.chmod(path.stat().st_mode | 0o200)
    version_dir = src / "build" / "version"
    (version_dir / "version.txt").write_text(f"{cfg.ferretdb_version}\n")
    if commit := info.get("Origin", {}).get("Hash"):
        (version_dir / "commit.txt").write_text(f"{commit}\n")
    (version_dir / "package.txt").write_text("skillpass-local\n")
    patch_ferretdb(src)
    staging = home / "bin" / f"ferretdb.tmp-{os.getpid()}"
    staging.parent.mkdir(parents=True, exist_ok=True)
    try:
        run(
            [
                go,
                "build",
                "-trimpath",
                "-tags",
                FERRETDB_TAGS,
                "-ldflags=-s -w",
                "-o",
                staging,
                "./cmd/ferretdb",
            ],
            env=env,
            cwd=src,
            log_file=build_log,
        )
        run([staging, "--version"], log_file=build_log)  # the panic above shows up here
    finally:
        shutil.rmtree(src, ignore_errors=True)
    staging.rename(binary)
    log(f"mongo: FerretDB cached at {binary} ({time.monotonic() - started:.0f}s)")
    return binary


def _running_binary(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def mongo_up(cfg: Config) -> dict[str, Any]:
    server = mongo_server(cfg)
    uri = cfg.mongo_uri
    pid = server.pid()
    if pid is not None and answers_soon(functools.partial(mongo_hello_ok, cfg.mongo_port)):
        # A running server from an older build (another version, or before the write lock) is
        # replaced: tests must run against what this checkout provisions.
        if _running_binary(pid) == str(ferretdb_binary_path(cfg)):
            return {"endpoint": uri, "state": "running", "pid": pid, "started": False}
        log(f"mongo: pid {pid} runs another FerretDB build; replacing it")
        binary = ferretdb_binary(cfg)  # build before stopping: the old one serves meanwhile
        server.stop(timeout=10)
        pid = None
    if port_open(cfg.mongo_port):
        if mongo_hello_ok(cfg.mongo_port):
            log(
                f"mongo: a MongoDB-wire server not started by this script answers on {uri}; "
                "reusing it"
            )
            return {"endpoint": uri, "state": "external", "pid": None, "started": False}
        if pid is None:
            raise InfraError(
                f"mongo: port {cfg.mongo_port} is taken by something that does not "
                "speak the MongoDB wire protocol (set SKILLPASS_MONGO_PORT)"
            )
    if pid is not None:
        log(f"mongo: pid {pid} does not answer; restarting it")
        server.stop(timeout=10)

    binary = ferretdb_binary(cfg)
    data = server.dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    log(f"mongo: starting FerretDB {cfg.ferretdb_version} (SQLite) on {uri}")
    proc = server.start(
        [
            binary,
            "--handler=sqlite",
            f"--sqlite-url=file:{data}/{FERRETDB_SQLITE_PRAGMAS}",
            server.marker,
            f"--listen-addr=127.0.0.1:{cfg.mongo_port}",
            "--debug-addr=-",  # no metrics/pprof listener on 8088
            "--telemetry=disable",  # no beacon calls: the network is registries only
            "--log-level=warn",
            "--log-format=text",
        ],
        cwd=server.dir,
    )
    wait_ready(server, proc, lambda: mongo_hello_ok(cfg.mongo_port), 60, server.out_file)
    return {"endpoint": uri, "state": "running", "pid": proc.pid, "started": True}


def up(cfg: Config, only: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Start the services side by side: on a cold cache the Maven download (network-bound) and
    the FerretDB build (CPU-bound) overlap; on a warm one each is a probe and returns at once.
    One service failing does not stop the other: its entry says `failed` and why."""
    starters = {"kafka": kafka_up, "mongo": mongo_up}
    endpoints = {"kafka": cfg.kafka_endpoint, "mongo": cfg.mongo_uri}
    with ThreadPoolExecutor(max_workers=len(only)) as pool:
        futures = {svc: pool.submit(starters[svc], cfg) for svc in only}
    result: dict[str, dict[str, Any]] = {}
    for svc, future in futures.items():
        if (exc := future.exception()) is None:
            result[svc] = future.result()
        else:
            error = str(exc) if isinstance(exc, InfraError) else f"{type(exc).__name__}: {exc}"
            result[svc] = {"endpoint": endpoints[svc], "state": "failed", "error": error}
    return result


# --- commands -----------------------------------------------------------------------------------


def status(cfg: Config) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for name, server, port, endpoint, probe in (
        ("kafka", kafka_server(cfg), cfg.kafka_port, cfg.kafka_endpoint, kafka_metadata_ok),
        ("mongo", mongo_server(cfg), cfg.mongo_port, cfg.mongo_uri, mongo_hello_ok),
    ):
        pid = server.pid()
        answers = probe(port)
        state = (
            "running"
            if answers and pid
            else "external"
            if answers
            else "not answering"
            if pid
            else "stopped"
        )
        result[name] = {"endpoint": endpoint, "state": state, "pid": pid, "log": str(server.dir)}
    return result


def print_endpoints(result: dict[str, dict[str, Any]]) -> None:
    names = {"kafka": "KAFKA_BOOTSTRAP_SERVERS", "mongo": "MONGODB_URI"}
    for svc, info in result.items():
        pid = f", pid {info['pid']}" if info.get("pid") else ""
        print(f"{names[svc]}={info['endpoint']}    # {svc}: {info['state']}{pid}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/local/infra",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("up", "down", "status", "env"):
        cmd = sub.add_parser(name)
        cmd.add_argument(
            "--only", action="append", choices=SERVICES, help="limit to one service (repeatable)"
        )
        if name in ("up", "status"):
            cmd.add_argument("--json", action="store_true", help="machine-readable output")
        if name == "down":
            cmd.add_argument(
                "--purge",
                action="store_true",
                help="also delete the servers' data (topics, databases)",
            )
    args = parser.parse_args(argv)
    cfg = Config.from_env()
    only: list[str] = args.only or list(SERVICES)

    try:
        if args.command == "up":
            started = time.monotonic()
            with state_lock(cfg):
                result = up(cfg, only)
            if args.json:
                print(json.dumps(result))
            else:
                print_endpoints(result)
            failed = {svc: info for svc, info in result.items() if info["state"] == "failed"}
            for svc, info in failed.items():
                log(f"{svc}: error: {info['error']}")
            log(f"up in {time.monotonic() - started:.1f}s")
            return 1 if failed else 0
        elif args.command == "down":
            with state_lock(cfg):
                for svc in only:
                    server = kafka_server(cfg) if svc == "kafka" else mongo_server(cfg)
                    log(f"{svc}: {'stopped' if server.stop() else 'was not started by infra'}")
                    if args.purge:
                        shutil.rmtree(server.dir / "data", ignore_errors=True)
                        log(f"{svc}: data purged")
        elif args.command == "status":
            result = {k: v for k, v in status(cfg).items() if k in only}
            if args.json:
                print(json.dumps(result))
            else:
                print_endpoints(result)
            return 0 if all(v["state"] in ("running", "external") for v in result.values()) else 3
        else:  # env
            print(f"export KAFKA_BOOTSTRAP_SERVERS={cfg.kafka_endpoint}")
            print(f"export MONGODB_URI={cfg.mongo_uri}")
    except InfraError as exc:
        log(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
