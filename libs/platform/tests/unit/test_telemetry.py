"""Structured logs carry the trace; the process-wide setup happens once."""

from __future__ import annotations

import json

import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from skillpass.platform.telemetry import configure_logging, configure_telemetry


def test_log_lines_are_json_with_the_current_trace_and_span_ids(
    capsys: pytest.CaptureFixture[str], spans: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    configure_logging(level="INFO")
    provider, _ = spans
    with provider.get_tracer("test").start_as_current_span("work") as span:
        structlog.get_logger("test").info("credential issued", credential_id="cred-1")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    context = span.get_span_context()
    assert line["event"] == "credential issued"
    assert line["credential_id"] == "cred-1"
    assert line["level"] == "info"
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")


def test_telemetry_is_configured_once_per_process() -> None:
    first = configure_telemetry(service_name="one")
    assert configure_telemetry(service_name="two") is first
