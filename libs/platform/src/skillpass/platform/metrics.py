"""The platform's own metrics: consumer lag and outbox backlog (observable gauges), signing rate
(a counter). Request rate and latency come from the ASGI instrumentation (`http.server.duration`)
once `configure_telemetry` has installed a meter provider.

A process may run several consumers or relays, and a meter registers an instrument name once: so
each gauge is one instrument per meter provider whose callback asks every live source (held by
weak reference: a stopped, collected consumer drops out by itself).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Counter, MeterProvider, Observation

INSTRUMENTATION_NAME = "skillpass.platform"

Observe = Callable[[], Iterable[Observation]]


def meter(provider: MeterProvider | None = None) -> metrics.Meter:
    return metrics.get_meter(INSTRUMENTATION_NAME, meter_provider=provider)


class SharedGauge:
    """One observable gauge per meter provider, fed by any number of sources."""

    def __init__(self, name: str, *, unit: str, description: str) -> None:
        self.name = name
        self._unit = unit
        self._description = description
        self._lock = threading.Lock()  # callbacks run on the metric reader's thread
        self._sources: weakref.WeakKeyDictionary[Any, list[weakref.WeakMethod[Observe]]] = (
            weakref.WeakKeyDictionary()
        )

    def register(self, source: Observe, provider: MeterProvider | None = None) -> None:
        """Report what the bound method `source` observes while its object lives."""
        key = provider if provider is not None else metrics.get_meter_provider()
        with self._lock:
            sources = self._sources.get(key)
            if sources is None:
                sources = self._sources[key] = []
                meter(key).create_observable_gauge(
                    self.name,
                    callbacks=[lambda options: self._observe(key, options)],
                    unit=self._unit,
                    description=self._description,
                )
            sources.append(weakref.WeakMethod(source))

    def _observe(self, key: Any, _options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            live = [method for ref in self._sources.get(key, []) if (method := ref()) is not None]
            self._sources[key] = [weakref.WeakMethod(m) for m in live]
        return [observation for method in live for observation in method()]


CONSUMER_LAG = SharedGauge(
    "messaging.kafka.consumer.lag",
    unit="{message}",
    description="Per owned partition: the high-water mark minus the group's committed offset.",
)
OUTBOX_BACKLOG = SharedGauge(
    "skillpass.outbox.backlog",
    unit="{event}",
    description="Events written to an outbox and not yet published (as of the relay's last pass).",
)


def signing_counter(provider: MeterProvider | None = None) -> Counter:
    return meter(provider).create_counter(
        "skillpass.credentials.signed",
        unit="{credential}",
        description="Credentials signed (outcome: signed or failed).",
    )
