"""Network policies: deny by default, then exactly the paths the architecture needs. A small
evaluator of NetworkPolicy semantics (pod and namespace selectors, ports, both directions) checks
who can reach whom in each overlay's namespace."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.k8s.manifests import WORKLOAD_KINDS, Manifest, Rendered, pod_labels, selects

INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx"


@dataclass(frozen=True)
class Pod:
    labels: Mapping[str, str]
    namespace: str | None = None  # None: the overlay's namespace
    namespace_labels: Mapping[str, str] = field(default_factory=dict)


def app(name: str, component: str = "api") -> Pod:
    return Pod(
        {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": "skillpass",
        }
    )


MONGODB = Pod({"app.kubernetes.io/name": "mongodb", "app.kubernetes.io/component": "database"})
KAFKA_BROKER = Pod({"strimzi.io/cluster": "skillpass", "strimzi.io/kind": "Kafka"})
COLLECTOR = Pod({"app.kubernetes.io/name": "otel-collector"})
INGRESS_CONTROLLER = Pod(
    {"app.kubernetes.io/name": "ingress-nginx"},
    namespace=INGRESS_CONTROLLER_NAMESPACE,
    namespace_labels={"kubernetes.io/metadata.name": INGRESS_CONTROLLER_NAMESPACE},
)


def _namespace(rendered: Rendered) -> str:
    (namespace,) = rendered.of_kind("Namespace")
    name: str = namespace["metadata"]["name"]
    return name


def _peer_matches(peer: Mapping[str, Any], pod: Pod, namespace: str) -> bool:
    if "ipBlock" in peer:
        return False  # addresses outside the cluster's pods
    pod_namespace = pod.namespace or namespace
    if "namespaceSelector" in peer:
        namespace_labels = dict(pod.namespace_labels)
        namespace_labels.setdefault("kubernetes.io/metadata.name", pod_namespace)
        in_namespace = selects(peer["namespaceSelector"], namespace_labels)
    else:
        in_namespace = pod_namespace == namespace
    return in_namespace and selects(peer.get("podSelector", {}), pod.labels)


def _port_matches(rule: Mapping[str, Any], port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(
        p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in ports
    )


def _allows(rendered: Rendered, direction: str, subject: Pod, peer: Pod, port: int) -> bool:
    """Whether `subject`'s policies let traffic in (Ingress, from peer) or out (Egress, to peer)."""
    namespace = _namespace(rendered)
    if subject.namespace not in (None, namespace):
        return True  # another namespace: not governed by these policies
    governing = [
        p
        for p in rendered.of_kind("NetworkPolicy")
        if direction in p["spec"]["policyTypes"]
        and selects(p["spec"]["podSelector"], subject.labels)
    ]
    if not governing:
        return True
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    return any(
        _port_matches(rule, port)
        and (
            not rule.get(peers_key)  # no peers listed: any peer
            or any(_peer_matches(selector, peer, namespace) for selector in rule[peers_key])
        )
        for policy in governing
        for rule in policy["spec"].get(key) or []
    )


def can_reach(rendered: Rendered, source: Pod, target: Pod, port: int) -> bool:
    return _allows(rendered, "Egress", source, target, port) and _allows(
        rendered, "Ingress", target, source, port
    )


ALLOWED = [
    (INGRESS_CONTROLLER, app("gateway"), 8080),
    (INGRESS_CONTROLLER, app("issuer"), 8080),
    (INGRESS_CONTROLLER, app("wallet"), 8080),
    (app("gateway"), app("issuer"), 8080),
    (app("gateway"), app("wallet"), 8080),
    (app("gateway"), app("verifier"), 8080),
    (app("wallet"), app("verifier"), 8080),
    (app("wallet"), app("issuer"), 8080),
    *[(app(s, role), MONGODB, 27017) for s, role in [("issuer", "worker"), ("wallet", "relay")]],
    *[(app(s), MONGODB, 27017) for s in ("issuer", "wallet", "verifier")],
    *[(app(s), KAFKA_BROKER, 9093) for s in ("issuer", "wallet", "verifier", "gateway")],
    (app("issuer", "consumer"), KAFKA_BROKER, 9093),
    *[(app(s), COLLECTOR, 4318) for s in ("issuer", "wallet", "verifier", "gateway")],
    (COLLECTOR, Pod({"app.kubernetes.io/name": "jaeger"}), 4317),
]
DENIED = [
    (INGRESS_CONTROLLER, app("verifier"), 8080),
    (INGRESS_CONTROLLER, MONGODB, 27017),
    (INGRESS_CONTROLLER, app("issuer", "consumer"), 8080),
    (app("issuer"), app("wallet"), 8080),
    (app("issuer"), app("verifier"), 8080),
    (app("verifier"), app("issuer"), 8080),
    (app("verifier"), app("wallet"), 8080),
    (app("wallet"), app("gateway"), 8080),
    (app("gateway"), MONGODB, 27017),
    (app("gateway"), app("issuer", "worker"), 8080),
    (app("issuer"), KAFKA_BROKER, 9092),
    (app("issuer"), COLLECTOR, 8889),
]


def _name(pod: Pod) -> str:
    labels = pod.labels
    return (
        "-".join(
            v
            for k, v in labels.items()
            if k in ("app.kubernetes.io/name", "app.kubernetes.io/component")
        )
        or "kafka"
    )


def _label(case: tuple[Pod, Pod, int]) -> str:
    source, target, port = case
    return f"{_name(source)}->{_name(target)}:{port}"


@pytest.mark.parametrize("case", ALLOWED, ids=_label)
def test_the_architecture_s_paths_are_open(rendered: Rendered, case: tuple[Pod, Pod, int]) -> None:
    assert can_reach(rendered, *case)


@pytest.mark.parametrize("case", DENIED, ids=_label)
def test_every_other_path_is_closed(rendered: Rendered, case: tuple[Pod, Pod, int]) -> None:
    assert not can_reach(rendered, *case)


def test_a_default_deny_covers_every_pod_and_dns_stays_open(rendered: Rendered) -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in rendered.of_kind("NetworkPolicy")}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = policies["allow-dns"]["egress"]
    assert {(p["protocol"], p["port"]) for rule in dns for p in rule["ports"]} == {
        ("UDP", 53),
        ("TCP", 53),
    }


def test_every_workload_has_policies_of_its_own(rendered: Rendered) -> None:
    specific = [
        p["spec"]["podSelector"]
        for p in rendered.of_kind("NetworkPolicy")
        if p["spec"]["podSelector"]
    ]
    bare = [
        w["metadata"]["name"]
        for w in rendered.of_kind(*WORKLOAD_KINDS)
        if not any(selects(selector, pod_labels(w)) for selector in specific)
    ]
    assert bare == []


def test_only_the_verifier_reaches_outside_the_cluster_and_never_private_ranges(
    rendered: Rendered,
) -> None:
    external: dict[str, list[Manifest]] = {}
    for policy in rendered.of_kind("NetworkPolicy"):
        for rule in policy["spec"].get("egress") or []:
            if any("ipBlock" in peer for peer in rule.get("to") or []):
                external.setdefault(policy["metadata"]["name"], []).append(rule)
    assert set(external) == {"verifier-egress"}
    (rule,) = external["verifier-egress"]
    assert [p["port"] for p in rule["ports"]] == [443]
    blocks = {peer["ipBlock"]["cidr"]: set(peer["ipBlock"]["except"]) for peer in rule["to"]}
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= blocks[
        "0.0.0.0/0"
    ]
    assert {"fc00::/7", "fe80::/10"} <= blocks["::/0"]
