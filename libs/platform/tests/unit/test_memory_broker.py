"""The in-memory broker keeps flowing when pollers are cancelled mid-wait (the embedded mode
cancels workers on shutdown and on every consumer restart)."""

from __future__ import annotations

import asyncio

from skillpass.platform.bus.memory import MemoryEventBus
from skillpass.platform.bus.records import OutgoingRecord


async def test_cancelled_pollers_do_not_stall_the_broker() -> None:
    async with MemoryEventBus() as bus:
        await bus.ensure_topics(["t"], partitions=1)
        stuck = bus.consumer(group="a", topics=["t"])
        await stuck.start()
        for _ in range(20):  # cancel waits at every point of their life
            task = asyncio.ensure_future(stuck.poll(max_wait=5.0))
            await asyncio.sleep(0)
            task.cancel()
        live = bus.consumer(group="b", topics=["t"])
        await live.start()
        waiting = asyncio.ensure_future(live.poll(max_wait=5.0))
        await asyncio.sleep(0)
        async with asyncio.timeout(1.0):
            await bus.publish(OutgoingRecord(topic="t", key=b"k", value=b"v"))
            assert [r.value for r in await waiting] == [b"v"]
        await stuck.stop()
        await live.stop()
