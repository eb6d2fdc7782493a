"""The pathway consumer process: ``python -m skillpass.issuer.entrypoints.consumer``.

Consumes ``issuer.credentials.v1`` (every tenant's credential events) in the consumer group
``SKILLPASS_ISSUER_CONSUMER_GROUP``, keeps per-recipient holdings (inbox-idempotent) and issues
stacked credentials when a pathway completes. Stops cleanly on SIGINT/SIGTERM (nothing is
committed past the last processed record, so a restart resumes exactly there).
"""

from __future__ import annotations

import asyncio
import signal

import structlog

from skillpass.issuer.bootstrap import consumer_runtime
from skillpass.issuer.settings import IssuerSettings
from skillpass.platform.telemetry import configure_telemetry

log = structlog.get_logger(__name__)


async def run(settings: IssuerSettings) -> None:
    async with consumer_runtime(settings) as consumer:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        task = asyncio.create_task(consumer.run())
        await stop.wait()
        await consumer.stop()
        await asyncio.gather(task, return_exceptions=True)


def main() -> None:
    settings = IssuerSettings()
    configure_telemetry(
        service_name="issuer-pathways",
        otlp_endpoint=settings.otel_exporter_otlp_endpoint,
        log_level=settings.log_level,
    )
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
