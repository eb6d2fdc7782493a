"""The Dockerfile's install steps, run here without Docker: for each deployable, the build
context (the .dockerignore allow-list) goes to a temporary directory and
deploy/docker/install-deployable.sh installs it into a fresh virtual environment, as the image
build would. The `skillpass` command must start, and the other services must be absent."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.k8s.manifests import REPO, SERVICES

CONTEXT = ("pyproject.toml", "uv.lock", "libs", "services", "gateway")
LEFT_OUT = shutil.ignore_patterns(
    "tests",
    ".venv",
    "__pycache__",
    "*.pyc",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "target",
    "*.so",
)


def _run(command: list[str], *, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def cargo_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Cargo target directory for the four installs: libs/native is compiled once."""
    return tmp_path_factory.mktemp("cargo-target")


@pytest.fixture(scope="module")
def build_context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    context = tmp_path_factory.mktemp("context")
    for entry in CONTEXT:
        source = REPO / entry
        if source.is_dir():
            shutil.copytree(source, context / entry, ignore=LEFT_OUT)
        else:
            shutil.copy2(source, context / entry)
    return context


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_each_image_gets_its_service_and_a_working_skillpass_command_only(
    build_context: Path, cargo_target: Path, tmp_path: Path, service: str
) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` says which uv runs it
    if uv is None:
        pytest.fail("uv is not on PATH (run the tests with `uv run`)")
    venv = tmp_path / "venv"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT")},
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_LINK_MODE": "copy",
        "UV_PYTHON_DOWNLOADS": "never",
        "CARGO_TARGET_DIR": str(cargo_target),
        "PATH": f"{Path(uv).parent}{os.pathsep}{os.environ['PATH']}",
    }
    installer = str(REPO / "deploy" / "docker" / "install-deployable.sh")
    for phase in ("deps", "project"):
        _run(["/bin/sh", installer, service, phase], cwd=build_context, env=env)
    python = str(venv / "bin" / "python")
    probe = (
        "import importlib.util as u;"
        "print(','.join(n for n in ('issuer','wallet','verifier','gateway')"
        " if u.find_spec(f'skillpass.{n}')))"
    )
    assert _run([python, "-c", probe], cwd=tmp_path, env=env).strip() == service
    assert "Usage: skillpass serve" in _run(
        [str(venv / "bin" / "skillpass"), "serve", "--help"], cwd=tmp_path, env=env
    )
