"""Disruption budgets, autoscaling and Services line up with the workloads they are for."""

from __future__ import annotations

from tests.k8s.manifests import (
    COMPONENT,
    Manifest,
    Rendered,
    containers,
    labels,
    pod_labels,
    selects,
)

# A relay publishes one outbox by polling; a second replica would only publish duplicates.
NOT_AUTOSCALED_ROLES = {"relay"}


def test_every_deployment_and_statefulset_has_a_disruption_budget(rendered: Rendered) -> None:
    budgets = rendered.of_kind("PodDisruptionBudget")
    uncovered = [
        workload["metadata"]["name"]
        for workload in rendered.of_kind("Deployment", "StatefulSet")
        if not any(selects(pdb["spec"]["selector"], pod_labels(workload)) for pdb in budgets)
    ]
    assert uncovered == []


def test_every_disruption_budget_selects_pods_of_exactly_one_workload(rendered: Rendered) -> None:
    workloads = rendered.of_kind("Deployment", "StatefulSet")
    for pdb in rendered.of_kind("PodDisruptionBudget"):
        matched = [w for w in workloads if selects(pdb["spec"]["selector"], pod_labels(w))]
        assert len(matched) == 1, pdb["metadata"]["name"]


def test_every_skillpass_deployment_but_the_relays_has_an_hpa(rendered: Rendered) -> None:
    targets = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa
        for hpa in rendered.of_kind("HorizontalPodAutoscaler")
    }
    for deployment in rendered.skillpass_deployments():
        name = deployment["metadata"]["name"]
        if labels(deployment)[COMPONENT] in NOT_AUTOSCALED_ROLES:
            assert name not in targets, f"{name} must not be autoscaled"
            assert deployment["spec"]["replicas"] == 1
        else:
            assert name in targets, f"{name} has no HorizontalPodAutoscaler"


def test_hpas_target_deployments_that_exist_and_start_within_bounds(rendered: Rendered) -> None:
    for hpa in rendered.of_kind("HorizontalPodAutoscaler"):
        spec = hpa["spec"]
        target = rendered.get(spec["scaleTargetRef"]["kind"], spec["scaleTargetRef"]["name"])
        assert target is not None, hpa["metadata"]["name"]
        assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
        assert spec["minReplicas"] <= target["spec"]["replicas"] <= spec["maxReplicas"]
        for metric in spec["metrics"]:
            if metric["type"] == "Resource":  # utilisation is relative to the requests
                resource = metric["resource"]["name"]
                assert all(resource in c["resources"]["requests"] for c in containers(target))


def test_consumers_never_scale_beyond_the_partitions_they_read(rendered: Rendered) -> None:
    topics = {
        t["spec"]["topicName"]: t["spec"]["partitions"] for t in rendered.of_kind("KafkaTopic")
    }
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in rendered.of_kind("HorizontalPodAutoscaler")
    }
    consumers = [d for d in rendered.skillpass_deployments() if labels(d)[COMPONENT] == "consumer"]
    assert consumers
    for consumer in consumers:
        consumed = consumer["metadata"]["annotations"]["skillpass.io/consumes"].split(",")
        ceiling = min(topics[topic] for topic in consumed)
        assert hpas[consumer["metadata"]["name"]]["spec"]["maxReplicas"] <= ceiling


def test_every_service_selects_pods_that_expose_its_target_ports(rendered: Rendered) -> None:
    workloads = rendered.of_kind("Deployment", "StatefulSet")
    for service in rendered.of_kind("Service"):
        backends = [w for w in workloads if selects(service["spec"]["selector"], pod_labels(w))]
        assert backends, f"Service {service['metadata']['name']} selects no pods"
        for backend in backends:
            names = _port_names(backend)
            for port in service["spec"]["ports"]:
                assert port["targetPort"] in names, (service["metadata"]["name"], port)


def test_every_ingress_routes_to_a_service_port_that_exists(rendered: Rendered) -> None:
    for ingress in rendered.of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = rendered.get("Service", backend["name"])
                assert service is not None, ingress["metadata"]["name"]
                assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


def _port_names(workload: Manifest) -> set[str | int]:
    found: set[str | int] = set()
    for container in containers(workload, init=False):
        for port in container.get("ports") or []:
            found |= {port["containerPort"], port.get("name", port["containerPort"])}
    return found
