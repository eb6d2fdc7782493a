"""Every pod we run is hardened, probed and bounded, and every skillpass deployable carries one
name everywhere: its folder, its image, its Deployments and its app.kubernetes.io/name label."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.k8s.manifests import (
    COMPONENT,
    K8S,
    NAME,
    REPO,
    ROLES,
    SERVICES,
    WORKLOAD_KINDS,
    Manifest,
    Rendered,
    containers,
    env_of,
    labels,
    pod_labels,
    pod_spec,
)


def _workloads(rendered: Rendered) -> list[Manifest]:
    found = rendered.of_kind(*WORKLOAD_KINDS)
    assert found, f"{rendered.overlay} renders no workloads"
    return found


def _id(workload: Manifest) -> str:
    return f"{workload['kind']}/{workload['metadata']['name']}"


def pod_hardening_violations(workload: Manifest) -> list[str]:
    spec = pod_spec(workload)
    context = spec.get("securityContext") or {}
    found = []
    if context.get("runAsNonRoot") is not True or context.get("runAsUser", 1) == 0:
        found.append(f"{_id(workload)}: pod runAsNonRoot")
    if (context.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        found.append(f"{_id(workload)}: pod seccompProfile")
    if spec.get("automountServiceAccountToken") is not False:
        found.append(f"{_id(workload)}: automountServiceAccountToken")
    if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
        found.append(f"{_id(workload)}: host namespaces")
    return found


def container_hardening_violations(workload: Manifest) -> list[str]:
    expected = {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
    }
    found = []
    for container in containers(workload):
        where = f"{_id(workload)}/{container['name']}"
        context = container.get("securityContext") or {}
        found += [
            f"{where}: {key}" for key, value in expected.items() if context.get(key) is not value
        ]
        if context.get("privileged"):
            found.append(f"{where}: privileged")
        capabilities = context.get("capabilities") or {}
        if capabilities.get("drop") != ["ALL"] or capabilities.get("add"):
            found.append(f"{where}: capabilities")
        if (context.get("seccompProfile") or {}).get("type") not in (None, "RuntimeDefault"):
            found.append(f"{where}: seccompProfile")
    return found


def test_every_pod_runs_as_non_root_under_the_runtime_default_seccomp_profile(
    rendered: Rendered,
) -> None:
    assert [v for w in _workloads(rendered) for v in pod_hardening_violations(w)] == []


def test_every_container_drops_all_capabilities_on_a_read_only_root_filesystem(
    rendered: Rendered,
) -> None:
    assert [v for w in _workloads(rendered) for v in container_hardening_violations(w)] == []


def test_the_hardening_rules_reject_a_default_pod() -> None:
    default_pod: Manifest = {
        "kind": "Deployment",
        "metadata": {"name": "naive"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "x:1"}]}}},
    }
    assert pod_hardening_violations(default_pod) == [
        "Deployment/naive: pod runAsNonRoot",
        "Deployment/naive: pod seccompProfile",
        "Deployment/naive: automountServiceAccountToken",
    ]
    assert container_hardening_violations(default_pod) == [
        "Deployment/naive/app: runAsNonRoot",
        "Deployment/naive/app: allowPrivilegeEscalation",
        "Deployment/naive/app: readOnlyRootFilesystem",
        "Deployment/naive/app: capabilities",
    ]


def test_every_container_has_cpu_and_memory_requests_and_limits(rendered: Rendered) -> None:
    offenders = [
        f"{_id(workload)}/{container['name']}: {bound}.{resource}"
        for workload in _workloads(rendered)
        for container in containers(workload)
        for bound in ("requests", "limits")
        for resource in ("cpu", "memory")
        if resource not in (container.get("resources") or {}).get(bound, {})
    ]
    assert offenders == []


def test_every_long_running_container_has_liveness_and_readiness_probes(
    rendered: Rendered,
) -> None:
    offenders = [
        f"{_id(workload)}/{container['name']}: {probe}"
        for workload in rendered.of_kind("Deployment", "StatefulSet", "DaemonSet")
        for container in containers(workload, init=False)
        for probe in ("livenessProbe", "readinessProbe")
        if probe not in container
    ]
    assert offenders == []


def test_skillpass_containers_serve_healthz_and_readyz_on_8080(rendered: Rendered) -> None:
    for deployment in rendered.skillpass_deployments():
        (container,) = containers(deployment)
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        assert ports == {"http": 8080}, _id(deployment)
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        writable = {m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")}
        assert writable == {"/tmp"}, f"{_id(deployment)} may write only /tmp"  # noqa: S108


def test_every_image_is_pinned_to_a_tag_other_than_latest(rendered: Rendered) -> None:
    untagged = [
        f"{_id(workload)}: {container['image']}"
        for workload in _workloads(rendered)
        for container in containers(workload)
        if not re.search(r":[\w][\w.-]*$", container["image"].rsplit("/", 1)[-1])
        or container["image"].endswith(":latest")
    ]
    assert untagged == []


def test_deployables_have_one_name_for_folder_image_deployment_and_label(
    rendered: Rendered,
) -> None:
    deployments = rendered.skillpass_deployments()
    assert {labels(d)[NAME] for d in deployments} == set(SERVICES)
    for deployment in deployments:
        name, role = labels(deployment)[NAME], labels(deployment)[COMPONENT]
        assert role in ROLES, _id(deployment)
        expected = name if role == "api" else f"{name}-{role}"
        assert deployment["metadata"]["name"] == expected
        assert pod_labels(deployment)[NAME] == name
        assert pod_labels(deployment)[COMPONENT] == role
        assert (K8S / "base" / name).is_dir()
        (container,) = containers(deployment)
        image = container["image"].rsplit(":", 1)[0]
        assert image.rsplit("/", 1)[-1] == name, f"{_id(deployment)} runs {container['image']}"
        assert container["name"] == "app"
        assert pod_spec(deployment)["serviceAccountName"] == name
        assert env_of(container)["POD_ROLE"]["valueFrom"]["fieldRef"]["fieldPath"].endswith(
            f"['{COMPONENT}']"
        )
        if name != "gateway":
            assert container["args"] == ["--role", role], _id(deployment)


@pytest.mark.parametrize("name", SERVICES)
def test_each_deployable_is_a_workspace_member_of_the_same_name(name: str) -> None:
    member = REPO / ("gateway" if name == "gateway" else f"services/{name}")
    project = tomllib.loads((member / "pyproject.toml").read_text())["project"]
    assert project["name"] == f"skillpass-{name}"
    assert (member / "src" / "skillpass" / name).is_dir()
