"""The MongoDB replica set's pieces agree with each other and with the services using it."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.k8s.manifests import (
    K8S,
    NAME,
    Manifest,
    Rendered,
    containers,
    env_of,
    labels,
    pod_spec,
)

SCRIPTS = K8S / "components" / "mongodb" / "scripts"


def _init_env(rendered: Rendered) -> dict[str, dict[str, object]]:
    job = rendered.get("Job", "mongodb-init")
    assert job is not None
    (container,) = containers(job)
    return env_of(container)


def _statefulset(rendered: Rendered) -> Manifest:
    statefulset = rendered.get("StatefulSet", "mongodb")
    assert statefulset is not None
    return statefulset


def test_the_init_job_initiates_as_many_members_as_the_statefulset_runs(
    rendered: Rendered,
) -> None:
    assert (
        int(str(_init_env(rendered)["MEMBERS"]["value"]))
        == _statefulset(rendered)["spec"]["replicas"]
    )


def test_the_init_job_creates_a_user_for_every_service_that_uses_mongodb(
    rendered: Rendered,
) -> None:
    env = _init_env(rendered)
    users = str(env["SERVICES"]["value"]).split(",")
    using = set()
    for deployment in rendered.skillpass_deployments():
        (container,) = containers(deployment)
        uri = env_of(container).get("MONGODB_URI")
        if uri is not None:
            service = labels(deployment)[NAME]
            assert uri["valueFrom"]["secretKeyRef"] == {"name": f"{service}-mongodb", "key": "uri"}
            using.add(service)
    assert set(users) == using
    for service in users:
        for field in ("USERNAME", "PASSWORD"):
            ref = env[f"{service.upper()}_{field}"]["valueFrom"]
            assert isinstance(ref, dict)
            assert ref["secretKeyRef"] == {"name": f"{service}-mongodb", "key": field.lower()}


def test_members_find_each_other_through_the_headless_service(rendered: Rendered) -> None:
    service = rendered.get("Service", "mongodb")
    assert service is not None
    assert service["spec"]["clusterIP"] == "None"
    assert _statefulset(rendered)["spec"]["serviceName"] == "mongodb"
    assert _init_env(rendered)["MEMBER_DOMAIN"]["value"] == "mongodb.$(POD_NAMESPACE).svc"


def test_the_keyfile_reaches_mongod_through_a_private_copy(rendered: Rendered) -> None:
    spec = pod_spec(_statefulset(rendered))
    (mongod,) = spec["containers"]
    assert "--keyFile=/keyfile/keyfile" in mongod["args"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["keyfile"]["emptyDir"]["medium"] == "Memory"
    assert volumes["keyfile-secret"]["secret"]["secretName"] == "mongodb-keyfile"


def test_the_shell_scripts_parse() -> None:
    for script in SCRIPTS.glob("*.sh"):
        result = subprocess.run(  # noqa: S603
            ["/bin/sh", "-n", str(script)], capture_output=True, text=True, timeout=30, check=False
        )
        assert result.returncode == 0, result.stderr


def test_the_mongosh_script_parses() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the mongosh script's syntax is not checked")
    for script in SCRIPTS.glob("*.js"):
        result = subprocess.run(  # noqa: S603
            [node, "--check", str(script)], capture_output=True, text=True, timeout=30, check=False
        )
        assert result.returncode == 0, result.stderr
