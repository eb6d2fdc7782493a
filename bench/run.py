"""`make bench`: every benchmark, one run, results in ``bench/results/`` and ``bench/README.md``.

    uv run python bench/run.py [--batch N] [--skip-vc] ...

1. The credential core (``bench/vc_bench.py``, run through its own command line): sign/verify per
   second on one core -> ``results/vc.json``.
2. The platform on a PRIVATE Kafka broker and FerretDB server (``deploy/local/infra`` on ports of
   its own; the shared servers are left alone), the services as separate processes
   (``skillpass serve``), loopback only, every loop bounded in count -> ``results/platform.json``
   and ``results/platform.png``:
   - batch issuance end to end (request -> signed, stored, published, in the wallets);
   - issuance-to-wallet latency of single issues at half the batch rate;
   - the GraphQL wallet page of 50 holdings vs the wallet's own REST page (latency, backend calls);
   - verification with a status check on a cached list vs a credential without status;
   - one issuer process vs two (the batch's chunks shared through MongoDB).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the repository's packages by name
    sys.path.insert(0, str(ROOT))

from skillpass.cli.vc_commands import environment  # noqa: E402
from skillpass.gateway.app import create_app as gateway_app  # noqa: E402
from skillpass.gateway.settings import GatewaySettings  # noqa: E402
from skillpass.issuer.settings import IssuerSettings  # noqa: E402
from skillpass.platform.auth import Role  # noqa: E402
from skillpass.vc.credentials import issue as sign  # noqa: E402
from skillpass.vc.dids import did_key, did_key_verification_method  # noqa: E402
from skillpass.vc.keys import SigningKey  # noqa: E402
from tests.faults.realstack import PrivateInfra, ServiceProcess, Stack, private_infra  # noqa: E402
from tests.faults.scenario import (  # noqa: E402
    Catalogue,
    Databases,
    batch_rows,
    create_catalogue,
    job,
    submit_batch,
)

RESULTS = ROOT / "bench" / "results"
README = ROOT / "bench" / "README.md"
SUITE = "eddsa-rdfc-2022"  # the default suite, the one OB 3.0 wallets expect
# The most rows the issuer takes in one batch job.
MAX_BATCH_ROWS: int = IssuerSettings.model_fields["max_batch_rows"].default


# ----------------------------------------------------------------------------- helpers


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(p: int) -> float:
        return round(1000 * (cuts[p - 1] if cuts else ordered[0]), 1)

    return {"p50_ms": at(50), "p95_ms": at(95), "p99_ms": at(99), "samples": len(ordered)}


def progress(label: str, done: int, total: int, extra: str = "") -> None:
    width = 30
    filled = int(width * min(done, total) / max(total, 1))
    bar = "#" * filled + "." * (width - filled)
    print(f"\r  {label:<28} [{bar}] {done:>7,}/{total:,} {extra}", end="", file=sys.stderr)


def target(value: float, goal: float, *, higher_is_better: bool = True, why: str = "") -> Any:
    met = value >= goal if higher_is_better else value <= goal
    out: dict[str, Any] = {"goal": round(goal, 3), "met": met}
    if not met and why:
        out["why_not"] = why
    return out


def holding_id(credential_id: str) -> str:
    """The wallet's id of the holding of an issued credential (``issued_holding_id``)."""
    return "h_" + hashlib.sha256(credential_id.encode()).hexdigest()[:32]


# ------------------------------------------------------------------------------ library


def library_benchmark(seconds: float) -> dict[str, Any]:
    """``bench/vc_bench.py`` through its command line (it pins its process to one core)."""
    out = RESULTS / "vc.json"
    subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, str(ROOT / "bench" / "vc_bench.py"), "--seconds", str(seconds)],
        check=True,
        cwd=ROOT,
    )
    record: dict[str, Any] = json.loads(out.read_text())
    return record


def signing_rate(vc_record: Mapping[str, Any]) -> float:
    for row in vc_record["results"]:
        if row["suite"] == SUITE and row["op"] == "sign":
            return float(row["ops_per_s"])
    raise LookupError(f"no {SUITE} sign figure in vc.json")


# ------------------------------------------------------------------------------ platform


@dataclass
class Platform:
    stack: Stack
    client: httpx.AsyncClient
    dbs: Databases
    issuer: ServiceProcess
    wallet: ServiceProcess

    async def holdings(self) -> int:
        return await self.dbs.holdings_count()


async def wait_for(
    check: Callable[[], Awaitable[bool]], *, within: float, interval: float, what: str
) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {within:.0f}s")
        await asyncio.sleep(interval)


async def batch_end_to_end(p: Platform, catalogue: Catalogue, rows: int) -> dict[str, Any]:
    """Until every credential is signed and stored (its job completed), published (the issuer's
    outbox empty) and held (the wallet's holdings); progress from collection statistics. More
    rows than the issuer takes in one job (MAX_BATCH_ROWS) go as several jobs, sent at once."""
    held_before = await p.holdings()
    stored_before = await p.dbs.count("issuer", "credentials")
    everything = batch_rows(catalogue, rows, prefix="e2e")
    started = time.monotonic()
    running = [
        await submit_batch(
            p.client, p.stack, catalogue, everything[start : start + MAX_BATCH_ROWS], suite=SUITE
        )
        for start in range(0, rows, MAX_BATCH_ROWS)
    ]
    jobs = len(running)
    marks: dict[str, float] = {}
    # Seconds between looks: statistics cost a walk of the collection's pages on FerretDB.
    every = max(1.0, rows / 20_000)
    while True:
        if running and (await job(p.client, p.stack, catalogue, running[0]))["state"] == (
            "completed"
        ):
            running.pop(0)
            if not running:
                marks["stored"] = time.monotonic() - started
        if "stored" in marks and "published" not in marks and await p.dbs.outbox_waiting() == 0:
            marks["published"] = time.monotonic() - started
        held = await p.holdings() - held_before
        stored = await p.dbs.count("issuer", "credentials") - stored_before
        progress("batch: issued / in wallets", held, rows, f"(signed+stored {stored:,})")
        if held >= rows and "published" in marks:
            marks["in_wallets"] = time.monotonic() - started
            break
        if time.monotonic() - started > 3 * 3600:
            raise TimeoutError("the batch did not reach the wallets within three hours")
        await asyncio.sleep(every)
    print(file=sys.stderr)
    total = marks["in_wallets"]
    return {
        "credentials": rows,
        "jobs": jobs,
        "suite": SUITE,
        "seconds": round(total, 1),
        "per_second": round(rows / total, 1),
        "phases_seconds": {k: round(v, 1) for k, v in marks.items()},
        "signed_and_stored_per_second": round(rows / marks["stored"], 1),
    }


async def issue_to_wallet_latency(
    p: Platform, catalogue: Catalogue, *, rate: float, count: int
) -> dict[str, Any]:
    """``count`` single issues sent at ``rate`` per second; each one's latency runs from sending
    the request until its holding exists in the wallet's database (looked for every 250 ms)."""
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    failures = 0
    admin = p.stack.headers(Role.ISSUER_ADMIN, tenant=catalogue.tenant)
    url = f"{p.issuer.url}/tenants/{catalogue.tenant}/credentials"

    async def one(n: int) -> None:
        nonlocal failures
        await asyncio.sleep(n / rate)
        at = time.monotonic()
        response = await p.client.post(
            url,
            json={"achievementId": catalogue.achievement, "recipient": {"email": f"lat{n}@x.org"}},
            headers=admin,
        )
        if response.status_code != 201:
            failures += 1
            return
        sent[holding_id(response.json()["credentialId"])] = at

    holdings = p.dbs._db("wallet")["holdings"]

    async def watch() -> None:
        deadline = time.monotonic() + count / rate + 600
        while len(seen) + failures < count and time.monotonic() < deadline:
            waiting = [h for h in sent if h not in seen]
            if waiting:
                async for doc in holdings.find({"_id": {"$in": waiting}}, {"_id": 1}):
                    seen[doc["_id"]] = time.monotonic()
            progress("latency: in wallets", len(seen), count)
            await asyncio.sleep(0.25)  # each look is a scan on FerretDB: not too often

    await asyncio.gather(watch(), *(one(n) for n in range(count)))
    print(file=sys.stderr)
    latencies = [seen[h] - sent[h] for h in seen]
    return {"rate_per_second": round(rate, 2), "failures": failures, **percentiles(latencies)}


class CountingTransport(httpx.AsyncBaseTransport):
    """The gateway's way to one service over loopback HTTP, counting the requests it sends."""

    def __init__(self, counts: Counter[str], name: str) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._counts = counts
        self._name = name

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._counts[self._name] += 1
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


WALLET_PAGE = """
query Page($learner: String!) {
  wallet(learnerId: $learner) {
    holdings(first: 50) {
      edges { node { id name status receivedAt
        issuer { did name tenantId }
        achievement { id name definition { id name } } } }
    }
  }
}
"""


async def graphql_wallet_page(p: Platform, catalogue: Catalogue, *, rounds: int) -> dict[str, Any]:
    learner = "bench-learner"
    registered = await p.client.post(
        f"{p.wallet.url}/learners",
        json={
            "learner_id": learner,
            "identifiers": [{"type": "emailAddress", "value": "page@example.org"}],
            "auto_accept": True,
        },
        headers=p.stack.headers(Role.PLATFORM_ADMIN),
    )
    registered.raise_for_status()
    rows = [
        {"achievementId": catalogue.achievement, "recipient": {"email": "page@example.org"}}
        for _ in range(50)
    ]
    await submit_batch(p.client, p.stack, catalogue, rows, suite="eddsa-jcs-2022")
    token = p.stack.headers(Role.LEARNER, learner_id=learner)
    direct_url = f"{p.wallet.url}/learners/{learner}/holdings"

    async def page_full() -> bool:
        response = await p.client.get(direct_url, params={"limit": 50}, headers=token)
        return response.status_code == 200 and len(response.json().get("items", [])) >= 50

    await wait_for(page_full, within=900, interval=2.0, what="50 accepted holdings")

    counts: Counter[str] = Counter()
    settings = GatewaySettings(
        issuer_url=p.stack.url("issuer"),
        wallet_url=p.wallet.url,
        verifier_url=p.stack.url("verifier"),
        kafka_bootstrap_servers=p.stack.infra.kafka,
        jwt_issuer=p.stack.signer.issuer,
        jwt_audience=p.stack.signer.audience,
        rate_limit_per_second=1_000_000.0,
        rate_limit_burst=1_000_000,
        replica_id=f"bench-{p.stack.stack_id}",
    )
    transports = {n: CountingTransport(counts, n) for n in ("issuer", "wallet", "verifier")}
    app = gateway_app(settings, tokens=p.stack.signer.verifier(), transports=transports)
    direct: list[float] = []
    graphql: list[float] = []
    calls: list[int] = []
    async with contextlib.AsyncExitStack() as stack:
        state = await stack.enter_async_context(app.router.lifespan_context(app))

        async def served(scope: Any, receive: Any, send: Any) -> None:
            await app({**scope, "state": dict(state or {})}, receive, send)

        gateway = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=served), base_url="http://gateway.local"
            )
        )
        for n in range(rounds):
            at = time.perf_counter()
            response = await p.client.get(direct_url, params={"limit": 50}, headers=token)
            direct.append(time.perf_counter() - at)
            if len(response.json()["items"]) != 50:
                raise RuntimeError(f"wallet page: {response.text[:300]}")
            counts.clear()
            at = time.perf_counter()
            answer = await gateway.post(
                "/graphql",
                json={"query": WALLET_PAGE, "variables": {"learner": learner}},
                headers=token,
            )
            graphql.append(time.perf_counter() - at)
            body = answer.json()
            if body.get("errors") or len(body["data"]["wallet"]["holdings"]["edges"]) != 50:
                raise RuntimeError(f"GraphQL wallet page failed: {str(body)[:500]}")
            calls.append(sum(counts.values()))
            progress("graphql vs direct", n + 1, rounds)
    print(file=sys.stderr)
    d, g = percentiles(direct), percentiles(graphql)
    return {
        "holdings_per_page": 50,
        "direct_wallet": d,
        "graphql": g,
        "backend_calls_per_query": {"min": min(calls), "max": max(calls)},
        "p50_ratio": round(g["p50_ms"] / d["p50_ms"], 2),
        "p99_ratio": round(g["p99_ms"] / d["p99_ms"], 2),
    }


def without_status(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The same credential content with no status entries, signed by a did:key here: what a
    verification without a status check costs (its DID needs no fetch either, like a cached
    did:web document)."""
    key = SigningKey.from_seed(secrets.token_bytes(32))
    did = did_key(key.public_key)
    unsigned = {k: v for k, v in credential.items() if k not in ("proof", "credentialStatus")}
    issuer = unsigned.get("issuer")
    unsigned["issuer"] = {**issuer, "id": did} if isinstance(issuer, dict) else did
    return sign(
        unsigned,
        key=key,
        verification_method=did_key_verification_method(key.public_key),
        suite=SUITE,
        created=datetime.now(UTC),
    )


async def verification(
    p: Platform, cached: ServiceProcess, uncached: ServiceProcess, credential: Mapping[str, Any]
) -> dict[str, Any]:
    """Verifications per second, 4 concurrent clients. With and without a status check alternate
    in rounds (the machine's load drifts; one long phase each would measure the drift)."""
    plain = without_status(credential)
    workers, rounds, per_round = 4, 8, 50

    async def warm(verifier: ServiceProcess, vc: Mapping[str, Any], label: str) -> None:
        response = await p.client.post(
            f"{verifier.url}/credentials/verify", json={"verifiableCredential": vc}
        )
        if not response.json().get("verified"):
            raise RuntimeError(f"{label}: does not verify: {response.text[:800]}")

    async def timed(verifier: ServiceProcess, vc: Mapping[str, Any], count: int) -> float:
        url = f"{verifier.url}/credentials/verify"
        left = count

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                response = await p.client.post(url, json={"verifiableCredential": vc})
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return time.perf_counter() - started

    await warm(cached, plain, "no status check")
    await warm(cached, credential, "status, cached list")
    await warm(uncached, credential, "status, fetched each time")
    seconds = {"without": 0.0, "cached": 0.0}
    ratios = []
    for n in range(rounds):
        phases = [("without", plain), ("cached", credential)]
        round_seconds = {}
        for name, vc in phases if n % 2 == 0 else phases[::-1]:
            round_seconds[name] = await timed(cached, vc, per_round)
            seconds[name] += round_seconds[name]
        ratios.append(round_seconds["without"] / round_seconds["cached"])
        progress("verify: rounds with and without a status check", n + 1, rounds)
    print(file=sys.stderr)
    fetched = per_round * rounds // 2 / await timed(uncached, credential, per_round * rounds // 2)
    total = per_round * rounds
    return {
        "verifications_per_second": {
            "without_status_check": round(total / seconds["without"], 1),
            "status_check_cached_list": round(total / seconds["cached"], 1),
            "status_check_list_fetched_every_time": round(fetched, 1),
        },
        "cached_vs_without": round(seconds["without"] / seconds["cached"], 3),
        "cached_vs_without_per_round": [round(r, 3) for r in ratios],
        "rounds": rounds,
        "verifications_per_round": per_round,
    }


async def settled(p: Platform) -> None:
    """Until every issued credential's event is published and held: the issuer's relay and the
    wallet's consumer have stopped writing."""

    async def quiet() -> bool:
        if await p.dbs.outbox_waiting():
            return False
        return await p.dbs.count("issuer", "credentials") <= await p.holdings()

    await wait_for(quiet, within=1800, interval=2.0, what="the relay and the wallet caught up")


async def warm_up(p: Platform, catalogue: Catalogue, issuer: ServiceProcess) -> None:
    """One credential through a new issuer process: it reads the status list's taken positions
    once (a scan of every credential on FerretDB, a minute at 100,000), outside the timing."""
    response = await p.client.post(
        f"{issuer.url}/tenants/{catalogue.tenant}/credentials",
        json={"achievementId": catalogue.achievement, "recipient": {"email": "warm@x.org"}},
        headers=p.stack.headers(Role.ISSUER_ADMIN, tenant=catalogue.tenant),
        timeout=600.0,
    )
    response.raise_for_status()


async def scaling(p: Platform, catalogue: Catalogue, rows: int) -> dict[str, Any]:
    """Issue ``rows`` with one issuer process (one signing worker), then ``rows`` with two such
    processes sharing the job's chunks through MongoDB: the time until the job is complete, each
    run started once the previous one's events are published and held, each process warmed up."""
    p.issuer.stop()
    timings: dict[int, float] = {}
    processes: list[ServiceProcess] = []
    for count in (1, 2):
        while len(processes) < count:
            # The first takes the stopped issuer's port (the one requests go to).
            port = p.issuer.port if not processes else p.stack.port("issuer-2")
            extra = p.stack.process("issuer", port=port, batch_workers="1")
            extra.start()
            extra.wait_ready()
            await warm_up(p, catalogue, extra)
            processes.append(extra)
        await settled(p)  # nothing else writing: no relay or wallet catching up meanwhile
        started = time.monotonic()
        url = await submit_batch(
            p.client,
            p.stack,
            catalogue,
            batch_rows(catalogue, rows, prefix=f"scale{count}"),
            suite=SUITE,
        )
        while (state := await job(p.client, p.stack, catalogue, url))["state"] != "completed":
            progress(f"scaling: {count} issuer process(es)", state["processed"], rows)
            await asyncio.sleep(0.5)
        timings[count] = time.monotonic() - started
        progress(f"scaling: {count} issuer process(es)", rows, rows)
        print(file=sys.stderr)
    for process in processes:
        process.stop()
    one, two = rows / timings[1], rows / timings[2]
    return {
        "credentials_per_run": rows,
        "one_process_per_second": round(one, 1),
        "two_processes_per_second": round(two, 1),
        "speedup": round(two / one, 2),
    }


async def platform_benchmarks(infra: PrivateInfra, args: argparse.Namespace) -> dict[str, Any]:
    logs = Path(tempfile.mkdtemp(prefix="skillpass-bench-logs-"))
    print(f"service logs: {logs}", file=sys.stderr)
    stack = Stack(infra=infra, run_dir=logs)
    try:
        issuer = stack.process("issuer", batch_workers="2")
        wallet = stack.process("wallet")
        consumer = stack.process("wallet", "consumer", port=0)
        cached = stack.process("verifier")
        uncached = stack.process(
            "verifier", port=stack.port("verifier-nocache"), cache_max_ttl_seconds="0"
        )
        for process in (issuer, wallet, consumer, cached, uncached):
            process.start()
        for process in (issuer, wallet, cached, uncached):
            process.wait_ready()
        async with httpx.AsyncClient(timeout=60.0) as client:
            dbs = Databases(stack)
            try:
                p = Platform(stack=stack, client=client, dbs=dbs, issuer=issuer, wallet=wallet)
                catalogue = await create_catalogue(client, stack, "bench")
                results: dict[str, Any] = {}
                partial = RESULTS / "platform.partial.json"

                def keep(name: str, value: dict[str, Any]) -> None:
                    results[name] = value  # and on disk, should a later phase fail
                    partial.write_text(json.dumps(results, indent=2) + "\n")

                # First: registering the page's learner matches its email against every waiting
                # holding (salted hashes: one pass over them), minutes after the big batch.
                keep(
                    "graphql_wallet_page",
                    await graphql_wallet_page(p, catalogue, rounds=args.graphql_rounds),
                )
                keep("batch_end_to_end", await batch_end_to_end(p, catalogue, args.batch))
                rate = results["batch_end_to_end"]["per_second"] / 2
                keep(
                    "issue_to_wallet_latency",
                    await issue_to_wallet_latency(
                        p, catalogue, rate=rate, count=args.latency_count
                    ),
                )
                sample = await client.post(
                    f"{issuer.url}/tenants/bench/credentials",
                    json={
                        "achievementId": catalogue.achievement,
                        "recipient": {"email": "v@x.org"},
                    },
                    headers=stack.headers(Role.ISSUER_ADMIN, tenant="bench"),
                )
                sample.raise_for_status()
                keep(
                    "verification",
                    await verification(p, cached, uncached, sample.json()["verifiableCredential"]),
                )
                keep("scaling", await scaling(p, catalogue, args.scaling_rows))
                partial.unlink()
                return results
            finally:
                await dbs.aclose()
    finally:
        stack.close()


# ----------------------------------------------------------------------------- reporting


def judge(results: dict[str, Any], sign_rate: float) -> None:
    e2e = results["batch_end_to_end"]
    e2e["target"] = target(
        e2e["per_second"],
        0.5 * sign_rate,
        why="the MongoDB-wire server is the limit, not signing (the library signs far faster): "
        "every FerretDB command costs ~1-2 ms here whatever its size, its updates run under one "
        "write lock (~500/s for the whole server), and a credential costs about six commands "
        "(the issuer's insert, the relay clearing its outbox, the wallet's learner lookup, "
        "holding read and write, the wallet relay), which tops out near 100/s on 2 shared cores "
        "that also run Kafka, the services and signing; see bench/README.md",
    )
    page = results["graphql_wallet_page"]
    page["target"] = target(
        page["p50_ratio"],
        1.5,
        higher_is_better=False,
        why="a page is two backend calls in sequence (the wallet's holdings, then the issuer's "
        "catalogue for their achievements and issuers), each ~40-50 ms on FerretDB, where REST "
        "is the first alone; the wallet keeping an achievement summary with each holding would "
        "make it one call",
    )
    check = results["verification"]
    check["target"] = target(
        check["cached_vs_without"],
        0.9,
        why="the status entries make the credential larger to canonicalize, and each list's "
        "cached verdict is still checked against the documents fetched now; "
        "each verification also stores its report in FerretDB, which adds noise to both sides",
    )
    scale = results["scaling"]
    scale["target"] = target(
        scale["speedup"],
        1.7,
        why="any issuer process claims the job's chunks through MongoDB, but the database is "
        "the serial part (FerretDB runs every update/findAndModify/delete under one write lock, "
        "and each credential's relay write is one of them), and on 2 shared cores a second "
        "process adds contention, not capacity",
    )


def plot(results: dict[str, Any], sign_rate: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    e2e = results["batch_end_to_end"]
    verify = results["verification"]["verifications_per_second"]
    scale = results["scaling"]
    bars = {
        f"{SUITE} sign\n(library, 1 core)": sign_rate,
        "batch signed+stored": e2e["signed_and_stored_per_second"],
        "batch end to end\n(in wallets)": e2e["per_second"],
        "1 issuer process": scale["one_process_per_second"],
        "2 issuer processes": scale["two_processes_per_second"],
        "verify, no status": verify["without_status_check"],
        "verify, cached list": verify["status_check_cached_list"],
    }
    left.barh(list(bars), list(bars.values()), color="#4477aa")
    left.set_xscale("log")
    left.set_xlabel("per second (log scale)")
    left.set_title("Throughput")
    left.invert_yaxis()
    latency = results["issue_to_wallet_latency"]
    page = results["graphql_wallet_page"]
    groups = {
        "issue -> wallet": latency,
        "wallet page, REST": page["direct_wallet"],
        "wallet page, GraphQL": page["graphql"],
    }
    width = 0.25
    for i, key in enumerate(("p50_ms", "p95_ms", "p99_ms")):
        right.bar(
            [x + i * width for x in range(len(groups))],
            [g[key] for g in groups.values()],
            width=width,
            label=key.removesuffix("_ms"),
        )
    right.set_xticks([x + width for x in range(len(groups))], list(groups), fontsize=8)
    right.set_yscale("log")
    right.set_ylim(bottom=10)
    right.set_ylabel("milliseconds (log scale)")
    right.set_title("Latency")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def library_rows() -> list[str]:
    """The credential core's figures (``results/vc.json``), best and median round."""
    rows = []
    for row in json.loads((RESULTS / "vc.json").read_text())["results"]:
        goal = row.get("target_ops_per_s")
        if goal is None:
            continue
        met = "met" if row["ops_per_s"] >= goal else "**not met**"
        rows.append(
            f"| `{row['suite']}` {row['op']}, library, one core | {row['ops_per_s']:,.0f}/s "
            f"best round, {row['median_ops_per_s']:,.0f}/s median | >= {goal:,.0f}/s | {met} |"
        )
    return rows


def table(record: dict[str, Any]) -> str:
    r = record["results"]
    e2e, lat, page = r["batch_end_to_end"], r["issue_to_wallet_latency"], r["graphql_wallet_page"]
    ver, scale = r["verification"], r["scaling"]

    def mark(t: Mapping[str, Any]) -> str:
        return "met" if t["met"] else "**not met**"

    lines = [
        "| figure | measured | target | |",
        "| --- | --- | --- | --- |",
        *library_rows(),
        f"| batch end to end ({e2e['credentials']:,} credentials: request -> signed, stored, "
        f"published, in wallets) | {e2e['per_second']:,.1f}/s ({e2e['seconds']:,.0f} s; "
        f"signed+stored alone {e2e['signed_and_stored_per_second']:,.1f}/s) "
        f"| >= {e2e['target']['goal']:,.0f}/s (50% of signing) | {mark(e2e['target'])} |",
        f"| issue -> wallet latency at {lat['rate_per_second']}/s ({lat['samples']} issues) "
        f"| p50 {lat['p50_ms']:,.0f} ms, p95 {lat['p95_ms']:,.0f} ms, "
        f"p99 {lat['p99_ms']:,.0f} ms | | |",
        f"| wallet page of 50, REST (wallet service) | p50 {page['direct_wallet']['p50_ms']} ms, "
        f"p99 {page['direct_wallet']['p99_ms']} ms | | |",
        f"| wallet page of 50, GraphQL | p50 {page['graphql']['p50_ms']} ms, "
        f"p99 {page['graphql']['p99_ms']} ms; "
        f"{page['backend_calls_per_query']['max']} backend calls/query "
        f"| <= 1.5x REST (p50 {page['p50_ratio']}x, p99 {page['p99_ratio']}x) "
        f"| {mark(page['target'])} |",
        f"| verify with status check (cached list) vs without "
        f"| {ver['verifications_per_second']['status_check_cached_list']}/s vs "
        f"{ver['verifications_per_second']['without_status_check']}/s "
        f"({ver['cached_vs_without']:.0%}); list fetched every time: "
        f"{ver['verifications_per_second']['status_check_list_fetched_every_time']}/s "
        f"| >= 90% | {mark(ver['target'])} |",
        f"| two issuer processes vs one ({scale['credentials_per_run']:,} credentials each) "
        f"| {scale['two_processes_per_second']}/s vs {scale['one_process_per_second']}/s "
        f"({scale['speedup']}x) | >= 1.7x | {mark(scale['target'])} |",
    ]
    return "\n".join(lines)


def update_readme(record: dict[str, Any]) -> None:
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    env = record["environment"]
    core_record = json.loads((RESULTS / "vc.json").read_text())
    core = core_record["environment"]
    yardstick = core_record.get("libsodium_verify_us")
    speed = (
        f", libsodium's Ed25519 verify {yardstick['before']['median_us']} µs before and "
        f"{yardstick['after']['median_us']} µs after"
        if yardstick
        else ""
    )
    block = (
        f"{start}\nLatest run: {env['date']}, commit `{env['commit'][:10]}`, {env['cpu']} "
        f"({env['cpu_count']} cores, load average {env['load_average'][0]:.1f} at the start); "
        f"the library rows from `results/vc.json`: {core['date']}, commit "
        f"`{(core['commit'] or '?')[:10]}`, load average {core['load_average'][0]:.1f}{speed}.\n\n"
        f"{table(record)}\n\n![throughput and latency](results/platform.png)\n{end}"
    )
    text = README.read_text() if README.exists() else f"# Benchmarks\n\n{start}\n{end}\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(before + block + after)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--batch", type=int, default=100_000, help="credentials in the e2e batch (default 100,000)"
    )
    parser.add_argument("--latency-count", type=int, default=60)
    parser.add_argument("--graphql-rounds", type=int, default=40)
    parser.add_argument("--scaling-rows", type=int, default=500)
    parser.add_argument("--vc-seconds", type=float, default=5.0)
    parser.add_argument("--skip-vc", action="store_true", help="reuse results/vc.json")
    parser.add_argument(
        "--report-only", action="store_true", help="redraw the plot and table from platform.json"
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        saved = json.loads((RESULTS / "platform.json").read_text())
        judge(saved["results"], saved["library_sign_per_second"])
        (RESULTS / "platform.json").write_text(json.dumps(saved, indent=2) + "\n")
        plot(saved["results"], saved["library_sign_per_second"], RESULTS / "platform.png")
        update_readme(saved)
        print(table(saved))
        return
    env = environment(ROOT)
    print("1/2 the credential core (bench/vc_bench.py)", file=sys.stderr)
    vc_record = (
        json.loads((RESULTS / "vc.json").read_text())
        if args.skip_vc
        else library_benchmark(args.vc_seconds)
    )
    sign_rate = signing_rate(vc_record)
    print("2/2 the platform on a private Kafka + FerretDB", file=sys.stderr)
    started = time.monotonic()
    with private_infra() as infra:
        results = asyncio.run(platform_benchmarks(infra, args))
    judge(results, sign_rate)
    record = {
        "benchmark": "skillpass platform: services as processes on a private Kafka + FerretDB",
        "environment": env,
        "note": "2 cores shared with other jobs; figures are noisy (see load_average)",
        "library_sign_per_second": sign_rate,
        "library_record": "results/vc.json",
        "duration_seconds": round(time.monotonic() - started, 1),
        "results": results,
    }
    (RESULTS / "platform.json").write_text(json.dumps(record, indent=2) + "\n")
    plot(results, sign_rate, RESULTS / "platform.png")
    update_readme(record)
    print(table(record))


if __name__ == "__main__":
    main()
