"""Signer executors: where the CPU-bound Data Integrity signing runs.

* :class:`InlineSigner` signs on the calling thread (tests, the embedded dev mode).
* :class:`ProcessPoolSigner` spreads chunks of credentials over worker processes, so a batch uses
  every core and the event loop stays responsive. A :class:`~skillpass.vc.keys.SigningKey` refuses
  to be pickled, so the key crosses to the workers as its exported secret (process-local pipes,
  never logged or stored); each worker re-creates the key and signs its chunk.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from opentelemetry.metrics import Counter, MeterProvider

from skillpass.issuer.domain.credentials import Suite
from skillpass.issuer.service_layer.ports import SignFailure, SignOutcome
from skillpass.platform.metrics import signing_counter
from skillpass.vc.credentials import IssueError, issue
from skillpass.vc.keys import SigningKey


def _sign_one(
    credential: Mapping[str, Any],
    *,
    key: SigningKey,
    verification_method: str,
    suite: Suite,
    created: datetime,
) -> SignOutcome:
    try:
        return issue(
            credential,
            key=key,
            verification_method=verification_method,
            suite=suite.value,
            created=created,
        )
    except IssueError as exc:
        message = str(exc)
        code = "undefined-terms" if "undefined JSON-LD term" in message else "cannot-sign"
        return SignFailure(code=code, detail=message)


def sign_chunk(
    secret_multibase: str,
    verification_method: str,
    suite: str,
    created: datetime,
    credentials: Sequence[Mapping[str, Any]],
) -> list[SignOutcome]:
    """Runs in a worker process (module level, so it can be found by name)."""
    key = SigningKey.from_secret_key_multibase(secret_multibase)
    return [
        _sign_one(
            c, key=key, verification_method=verification_method, suite=Suite(suite), created=created
        )
        for c in credentials
    ]


def _count(counter: Counter, suite: Suite, outcomes: Sequence[SignOutcome]) -> None:
    """The signing rate, by cryptosuite and outcome."""
    failed = sum(isinstance(outcome, SignFailure) for outcome in outcomes)
    for outcome, count in (("signed", len(outcomes) - failed), ("failed", failed)):
        if count:
            counter.add(count, {"skillpass.cryptosuite": suite.value, "outcome": outcome})


class InlineSigner:
    def __init__(self, *, meter_provider: MeterProvider | None = None) -> None:
        self._signed = signing_counter(meter_provider)

    async def sign(
        self,
        credentials: Sequence[Mapping[str, Any]],
        *,
        key: SigningKey,
        verification_method: str,
        suite: Suite,
        created: datetime,
    ) -> list[SignOutcome]:
        outcomes = [
            _sign_one(
                c, key=key, verification_method=verification_method, suite=suite, created=created
            )
            for c in credentials
        ]
        _count(self._signed, suite, outcomes)
        return outcomes


class ProcessPoolSigner:
    """Owned by the app lifespan: ``async with ProcessPoolSigner(workers=4) as signer``."""

    def __init__(
        self, *, workers: int, chunk_size: int = 64, meter_provider: MeterProvider | None = None
    ) -> None:
        self._signed = signing_counter(meter_provider)
        self._workers = workers
        self._chunk_size = chunk_size
        self._pool: ProcessPoolExecutor | None = None

    async def __aenter__(self) -> ProcessPoolSigner:
        # forkserver: workers do not inherit the event loop, sockets or threads of this process.
        context = multiprocessing.get_context("forkserver")
        self._pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=context)
        return self

    async def __aexit__(self, *exc: object) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def sign(
        self,
        credentials: Sequence[Mapping[str, Any]],
        *,
        key: SigningKey,
        verification_method: str,
        suite: Suite,
        created: datetime,
    ) -> list[SignOutcome]:
        if self._pool is None:
            raise RuntimeError("ProcessPoolSigner is not started")
        if not credentials:
            return []
        loop = asyncio.get_running_loop()
        secret = key.export_secret_key_multibase()
        size = max(1, min(self._chunk_size, -(-len(credentials) // self._workers)))
        chunks = [credentials[i : i + size] for i in range(0, len(credentials), size)]
        results = await asyncio.gather(
            *(
                loop.run_in_executor(
                    self._pool,
                    sign_chunk,
                    secret,
                    verification_method,
                    suite.value,
                    created,
                    [dict(c) for c in chunk],
                )
                for chunk in chunks
            )
        )
        outcomes = [outcome for chunk_result in results for outcome in chunk_result]
        _count(self._signed, suite, outcomes)
        return outcomes
