"""One trace across the real stack (separate processes on the real Kafka broker and MongoDB-wire
server): the GraphQL mutation that issues a credential, followed through the gateway, the issuer,
its MongoDB write and outbox relay, Kafka, the wallet consumer and its write, and the gateway's
subscription feed. Every process exports over OTLP/HTTP to a collector in this test."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, use_span
from pymongo import MongoClient

from skillpass.cli.stack import SERVICES, Stack, load_stack, start_stack, stop_stack
from skillpass.gateway.demo import seed_demo
from skillpass.platform.events import CREDENTIALS_TOPIC
from tests.e2e.graphql_ws import subscribe
from tests.e2e.otlp_collector import CollectedSpan, Collector, otlp_collector
from tests.e2e.story import ISSUE
from tests.e2e.test_story_real_stack import CREDENTIAL_ISSUED, free_port_block

pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.timeout(120)]

MONGO_WRITES = {"insert", "update", "findAndModify", "findandmodify", "delete"}


@pytest.fixture
def collector() -> Iterator[Collector]:
    with otlp_collector() as running:
        yield running


@pytest.fixture
def stack(
    tmp_path: Path,
    kafka_bootstrap_servers: str,
    mongodb_uri: str,
    collector: Collector,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Stack]:
    # The stack's processes inherit this environment: export every span at once, to the test.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", "300")
    running = load_stack(
        tmp_path / "stack",
        base_port=free_port_block(),
        environ={"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers, "MONGODB_URI": mongodb_uri},
    )
    try:
        start_stack(running, timeout=90)
        yield running
    finally:
        stop_stack(running)
        client: MongoClient[dict[str, Any]]
        with MongoClient(mongodb_uri) as client:
            for name in SERVICES:
                client.drop_database(f"stack_{running.stack_id}_{name}")


class Trace:
    """The spans of one trace, with lookups that fail with the whole trace in the message."""

    def __init__(self, spans: list[CollectedSpan]) -> None:
        self.spans = spans
        self.by_id = {span.span_id: span for span in spans}

    def describe(self) -> str:
        return "\n".join(
            f"  {s.service:>8} {s.kind:<8} {s.name!r} id={s.span_id} parent={s.parent_id}"
            for s in self.spans
        )

    def find(
        self, service: str, kind: str, where: Callable[[CollectedSpan], bool]
    ) -> CollectedSpan | None:
        return next(
            (s for s in self.spans if of_service(s, service) and s.kind == kind and where(s)),
            None,
        )

    def one(
        self, what: str, service: str, kind: str, where: Callable[[CollectedSpan], bool]
    ) -> CollectedSpan:
        span = self.find(service, kind, where)
        assert span is not None, f"no {what} in the trace:\n{self.describe()}"
        return span

    def descends(self, span: CollectedSpan, ancestor: CollectedSpan) -> bool:
        parent = span.parent_id
        while parent is not None and parent in self.by_id:
            if parent == ancestor.span_id:
                return True
            parent = self.by_id[parent].parent_id
        return False


def of_service(span: CollectedSpan, service: str) -> bool:
    """Any process of ``service`` (its consumers name themselves e.g. ``wallet-consumer``)."""
    return span.service == service or span.service.startswith(f"{service}-")


def http_method(span: CollectedSpan) -> Any:
    return span.attributes.get("http.request.method", span.attributes.get("http.method"))


def http_target(span: CollectedSpan) -> str:
    for key in ("http.route", "url.path", "http.target", "url.full", "http.url"):
        if key in span.attributes:
            return str(span.attributes[key])
    return ""


def is_mongo_write(span: CollectedSpan) -> bool:
    operation = span.attributes.get("db.operation.name", span.attributes.get("db.operation"))
    return span.attributes.get("db.system") == "mongodb" and (
        operation in MONGO_WRITES or span.name.split(" ")[0].split(".")[-1] in MONGO_WRITES
    )


def is_process_credentials(span: CollectedSpan) -> bool:
    return (
        span.name == f"process {CREDENTIALS_TOPIC}"
        and span.attributes.get("messaging.system") == "kafka"
        and span.attributes.get("messaging.destination.name") == CREDENTIALS_TOPIC
    )


def complete(trace: Trace) -> bool:
    return (
        trace.find("wallet", "consumer", is_process_credentials) is not None
        and trace.find("gateway", "consumer", is_process_credentials) is not None
        and trace.find("wallet", "client", is_mongo_write) is not None
    )


async def test_one_trace_spans_the_mutation_the_relay_kafka_the_wallet_and_the_feed(
    stack: Stack, collector: Collector
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:

        async def data(
            query: str, variables: Mapping[str, Any], token: str, headers: Mapping[str, str] = {}
        ) -> dict[str, Any]:
            response = await http.post(
                stack.graphql_url,
                json={"query": query, "variables": dict(variables)},
                headers={"Authorization": f"Bearer {token}", **headers},
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            assert not body.get("errors"), body
            result: dict[str, Any] = body["data"]
            return result

        demo = await seed_demo(data, stack.signer())
        # The test is the traced client: its context names the trace. (Other tests may have
        # instrumented httpx in this process: then a client span of ours, with the same trace
        # id, replaces the header's parent id.)
        trace_id, client_span_id = secrets.token_hex(16), secrets.token_hex(8)
        ours = SpanContext(
            trace_id=int(trace_id, 16),
            span_id=int(client_span_id, 16),
            is_remote=False,
            trace_flags=TraceFlags(TraceFlags.SAMPLED),
        )
        ws_url = stack.graphql_url.replace("http://", "ws://")
        async with subscribe(
            ws_url, CREDENTIAL_ISSUED, {"tenantId": demo.tenant_id}, token=demo.tokens.partner
        ) as subscription:
            await asyncio.sleep(0.5)  # the protocol does not acknowledge a subscribe
            with use_span(NonRecordingSpan(ours)):
                issued = await data(
                    ISSUE,
                    {
                        "input": {
                            "tenantId": demo.tenant_id,
                            "achievementId": demo.achievement_ids["Python Basics"],
                            "recipient": {"email": demo.learner_email},
                        }
                    },
                    demo.tokens.issuer_admin,
                    headers={"traceparent": f"00-{trace_id}-{client_span_id}-01"},
                )
            result = issued["issueCredential"]
            assert result["__typename"] == "IssueCredentialSuccess", result
            credential_id = result["credential"]["credentialId"]
            async with asyncio.timeout(30):
                while True:
                    payload = await subscription.next(within=30.0)
                    if payload["data"]["credentialIssued"]["credentialId"] == credential_id:
                        break

    # The wallet's write and every process's batch export follow within a moment.
    deadline = time.monotonic() + 20
    trace = Trace(collector.trace(trace_id))
    while not complete(trace) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        trace = Trace(collector.trace(trace_id))
    await asyncio.sleep(0.5)  # parents end (and are exported) after their children
    trace = Trace(collector.trace(trace_id))

    gateway_server = trace.one(
        "the gateway's HTTP server span",
        "gateway",
        "server",
        lambda s: http_method(s) == "POST" and s.parent_id not in trace.by_id,
    )
    gateway_client = trace.one(
        "the gateway's httpx client span to the issuer",
        "gateway",
        "client",
        lambda s: http_method(s) == "POST" and str(stack.port("issuer")) in http_target(s),
    )
    issuer_server = trace.one(
        "the issuer's HTTP server span",
        "issuer",
        "server",
        lambda s: http_method(s) == "POST" and s.parent_id == gateway_client.span_id,
    )
    issuer_write = trace.one(
        "the issuer's MongoDB write",
        "issuer",
        "client",
        lambda s: is_mongo_write(s) and trace.descends(s, issuer_server),
    )
    producer = trace.one(
        "the relay's producer span",
        "issuer",
        "producer",
        lambda s: (
            s.name == f"send {CREDENTIALS_TOPIC}"
            and s.attributes.get("messaging.system") == "kafka"
            and s.attributes.get("messaging.destination.name") == CREDENTIALS_TOPIC
        ),
    )
    wallet_consumer = trace.one(
        "the wallet consumer's span",
        "wallet",
        "consumer",
        lambda s: is_process_credentials(s) and s.parent_id == producer.span_id,
    )
    wallet_write = trace.one(
        "the wallet's MongoDB write",
        "wallet",
        "client",
        lambda s: is_mongo_write(s) and trace.descends(s, wallet_consumer),
    )
    feed_consumer = trace.one(
        "the gateway feed's consumer span",
        "gateway",
        "consumer",
        lambda s: is_process_credentials(s) and s.parent_id == producer.span_id,
    )

    chain = [gateway_server, gateway_client, issuer_server, producer]
    for child, parent in zip(chain[1:], chain, strict=False):
        assert trace.descends(child, parent), (child.name, parent.name, trace.describe())
    assert trace.descends(issuer_write, issuer_server)
    assert trace.descends(wallet_write, gateway_server)
    assert trace.descends(feed_consumer, gateway_server)
    # No orphan: every span's parent is in this trace but the root's (the test's client span).
    orphans = [s for s in trace.spans if s.parent_id not in trace.by_id and s != gateway_server]
    assert not orphans, trace.describe()
    assert issuer_write.attributes.get("db.system") == "mongodb"
    assert wallet_write.attributes.get("db.system") == "mongodb"

    # The same processes export their metrics to the same endpoint.
    expected = {
        ("gateway", "http.server.duration"),
        ("issuer", "http.server.duration"),
        ("issuer", "skillpass.credentials.signed"),
        ("issuer", "skillpass.outbox.backlog"),
        ("wallet-consumer", "messaging.kafka.consumer.lag"),
    }
    for _ in range(25):  # a few export intervals
        if expected <= collector.metrics():
            break
        await asyncio.sleep(0.2)
    assert expected <= collector.metrics(), sorted(collector.metrics())
