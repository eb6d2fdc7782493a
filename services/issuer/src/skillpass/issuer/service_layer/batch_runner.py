"""Runs batch jobs in the background of the process that accepted them; owned by the app's
lifespan (``aclose`` cancels what is still running at shutdown)."""

from __future__ import annotations

import asyncio

import structlog

from skillpass.issuer.service_layer.commands import RunBatch
from skillpass.issuer.service_layer.messagebus import MessageBus

log = structlog.get_logger(__name__)


class BatchRunner:
    def __init__(self, bus: MessageBus) -> None:
        self._bus = bus
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def submit(self, command: RunBatch) -> None:
        if command.job_id in self._tasks:
            return  # already running here
        task = asyncio.create_task(self._run(command), name=f"batch-{command.job_id}")
        self._tasks[command.job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(command.job_id, None))

    async def _run(self, command: RunBatch) -> None:
        try:
            await self._bus.handle(command)
        except Exception:
            log.exception("batch job failed", job=command.job_id)

    def running(self, job_id: str) -> bool:
        return job_id in self._tasks

    async def wait(self, job_id: str) -> None:
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.shield(task)

    async def aclose(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
