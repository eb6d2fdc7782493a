"""The signing rate: every credential signed is counted, by cryptosuite and outcome."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint

from skillpass.issuer.adapters.signing import InlineSigner
from skillpass.issuer.domain.credentials import Suite
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer.messagebus import MessageBus
from skillpass.issuer.testing import email, memory_dependencies, tenant_with_achievement


def signed(reader: InMemoryMetricReader) -> dict[tuple[str, str], float]:
    data = reader.get_metrics_data()
    assert data is not None
    counts: dict[tuple[str, str], float] = {}
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == "skillpass.credentials.signed":
                    for point in metric.data.data_points:
                        assert isinstance(point, NumberDataPoint)
                        attributes = dict(point.attributes or {})
                        key = (str(attributes["skillpass.cryptosuite"]), str(attributes["outcome"]))
                        counts[key] = point.value
    return counts


async def test_each_signed_credential_is_counted_by_cryptosuite() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    bus = MessageBus(memory_dependencies(signer=InlineSigner(meter_provider=provider)))
    cat = await tenant_with_achievement(bus)
    for n, suite in enumerate((Suite.EDDSA_RDFC_2022, Suite.EDDSA_RDFC_2022, Suite.EDDSA_JCS_2022)):
        await bus.handle(
            c.IssueCredential(
                tenant_id=cat.tenant.id,
                request=c.IssueRequest(
                    achievement_id=cat.achievement.id, recipient=email(f"l{n}@example.org")
                ),
                suite=suite,
            )
        )
    assert signed(reader) == {
        (Suite.EDDSA_RDFC_2022.value, "signed"): 2,
        (Suite.EDDSA_JCS_2022.value, "signed"): 1,
    }
    provider.shutdown()
