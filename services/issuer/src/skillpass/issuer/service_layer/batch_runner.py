"""The batch worker: claims chunks of unfinished batch jobs from the store and issues them.

Every issuer API process runs one (a ``platform.workers.Worker`` owned by the app's lifespan),
so jobs survive the process that accepted them: after a crash, a restart (or any other issuer
process) picks up the pending chunks, and a chunk the dead process held once its lease runs out.
A chunk that is run twice issues nothing twice: its credential ids are fixed per row.

``lanes`` chunks run at once in one process, so one chunk's database writes overlap another's
signing in the process pool.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog

from skillpass.issuer.service_layer.batch_work import BatchChunk
from skillpass.issuer.service_layer.commands import RunBatchChunk
from skillpass.issuer.service_layer.messagebus import MessageBus

log = structlog.get_logger(__name__)


class BatchWorker:
    def __init__(
        self,
        bus: MessageBus,
        *,
        worker_id: str,
        lanes: int = 2,
        lease: timedelta = timedelta(seconds=30),
        idle_poll: float = 1.0,
        error_pause: float = 1.0,
    ) -> None:
        self._bus = bus
        self._jobs = bus.deps.batch_jobs
        self._clock = bus.deps.clock
        self.worker_id = worker_id
        self._lanes = lanes
        self._lease = lease
        self._idle_poll = idle_poll
        self._error_pause = error_pause
        self._wake = asyncio.Event()
        self._stopping = False
        self._stopped = asyncio.Event()

    def wake(self) -> None:
        """A job was submitted: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        self._stopping = False
        self._stopped.clear()
        try:
            async with asyncio.TaskGroup() as lanes:
                for lane in range(self._lanes):
                    lanes.create_task(self._lane(), name=f"batch-lane-{lane}")
        finally:
            self._stopped.set()

    async def stop(self) -> None:
        """Stop claiming and wait for the chunks in hand (the lifespan cancels them after its
        grace period; a cancelled chunk is given back)."""
        self._stopping = True
        self._wake.set()
        await self._stopped.wait()

    async def drain(self) -> int:
        """Run claimable chunks until there are none; how many ran (tests, one-off tools)."""
        ran = 0
        while (chunk := await self._claim()) is not None:
            await self._run_chunk(chunk)
            ran += 1
        return ran

    async def _lane(self) -> None:
        while not self._stopping:
            try:
                chunk = await self._claim()
            except Exception as error:  # the database is down: wait, then look again
                log.warning("cannot claim batch chunks", error=repr(error))
                await asyncio.sleep(self._error_pause)
                continue
            if chunk is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._idle_poll)
                self._wake.clear()
                continue
            self._wake.set()  # there may be more: let an idle lane look too
            try:
                await self._run_chunk(chunk)
            except asyncio.CancelledError:
                await self._release(chunk)
                raise
            except Exception as error:
                # Given back to be tried again (or, if the database is down, once its lease
                # runs out): rows already issued are skipped then.
                log.warning("batch chunk failed", chunk=chunk.id, error=repr(error))
                await self._release(chunk)
                await asyncio.sleep(self._error_pause)

    async def _claim(self) -> BatchChunk | None:
        for job_id in await self._jobs.unfinished():
            now = self._clock.now()
            chunk = await self._jobs.claim(
                job_id, worker=self.worker_id, now=now, until=now + self._lease
            )
            if chunk is not None:
                return chunk
            # Nothing left to claim: its last chunk may have finished without completing the job
            # (a crash in between). Completing is idempotent.
            await self._jobs.complete_if_done(job_id, now)
        return None

    async def _run_chunk(self, chunk: BatchChunk) -> None:
        renewing = asyncio.create_task(self._keep_lease(chunk.id))
        try:
            await self._bus.handle(RunBatchChunk(chunk=chunk))
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)

    async def _keep_lease(self, chunk_id: str) -> None:
        period = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            try:
                until = self._clock.now() + self._lease
                if not await self._jobs.renew(chunk_id, worker=self.worker_id, until=until):
                    log.warning("batch chunk lease lost", chunk=chunk_id)
                    return
            except Exception as error:
                log.warning("cannot renew a batch chunk lease", chunk=chunk_id, error=repr(error))

    async def _release(self, chunk: BatchChunk) -> None:
        """Give the chunk back so a restart need not wait for its lease (best effort)."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2.0):
                await self._jobs.release(chunk.id, worker=self.worker_id)
