"""Background workers (the outbox relay, event consumers) run for the lifespan of an app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol


class Worker(Protocol):
    async def run(self) -> None: ...

    async def stop(self) -> None:
        """Ask `run()` to finish its current unit of work and return; wait for it."""


@asynccontextmanager
async def running(workers: Sequence[Worker], *, grace: float = 10.0) -> AsyncIterator[None]:
    """Run `workers` as tasks inside the block; on exit stop them, cancelling any that outlive
    `grace` seconds (a cancelled consumer commits nothing more, so nothing is lost)."""
    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        yield
    finally:
        try:
            async with asyncio.timeout(grace):
                await asyncio.gather(*(worker.stop() for worker in workers))
        except TimeoutError:
            pass
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result
