"""Generate Python code (protobuf + mypy-protobuf stubs) from the .proto files under proto/.

    uv run python proto/generate.py           # (re)write the generated package
    uv run python proto/generate.py --check   # exit 1 when the checked-in code is stale

Output goes under libs/platform/src so the import path matches the proto package
(`skillpass.events.v1` -> `skillpass/events/v1/*_pb2.py`). `skillpass` itself stays a namespace
package: no `__init__.py` is written at that level.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PROTO_ROOT.parent
OUTPUT_ROOT = REPO_ROOT / "libs" / "platform" / "src"
# Directories (relative to OUTPUT_ROOT) wholly owned by the generator.
GENERATED_PACKAGES = ("skillpass/events",)
PACKAGE_DOC = '"""Generated from proto/ by proto/generate.py: do not edit."""\n'


def _protos() -> list[Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def _generate_into(out: Path) -> None:
    well_known = resources.files("grpc_tools") / "_proto"
    protos = [str(p.relative_to(PROTO_ROOT)) for p in _protos()]
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known}",
        f"--python_out={out}",
        f"--mypy_out={out}",
        *protos,
    ]
    # mypy-protobuf chats on stdout; only show protoc's output when it fails.
    done = subprocess.run(command, cwd=PROTO_ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"protoc failed:\n{done.stdout}{done.stderr}")
    for package in GENERATED_PACKAGES:
        root = out / package
        for directory in [root, *(d for d in root.rglob("*") if d.is_dir())]:
            (directory / "__init__.py").write_text(PACKAGE_DOC)
            (directory / "py.typed").write_text("")


def _files(root: Path) -> set[Path]:
    found: set[Path] = set()
    for package in GENERATED_PACKAGES:
        base = root / package
        if base.exists():
            found |= {
                p.relative_to(root)
                for p in base.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            }
    return found


def stale_files(fresh: Path) -> list[Path]:
    """Paths (relative to OUTPUT_ROOT) that differ between `fresh` and the checked-in tree."""
    wanted, present = _files(fresh), _files(OUTPUT_ROOT)
    differing = {
        p for p in wanted & present if not filecmp.cmp(fresh / p, OUTPUT_ROOT / p, shallow=False)
    }
    return sorted((wanted ^ present) | differing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if generated code is stale")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        _generate_into(fresh)
        stale = stale_files(fresh)
        if args.check:
            for path in stale:
                print(f"stale: {OUTPUT_ROOT / path}", file=sys.stderr)
            if stale:
                print("generated code is stale: run `make proto`", file=sys.stderr)
            return 1 if stale else 0
        for package in GENERATED_PACKAGES:
            shutil.rmtree(OUTPUT_ROOT / package, ignore_errors=True)
            shutil.copytree(fresh / package, OUTPUT_ROOT / package)
        for path in stale:
            print(f"wrote: {OUTPUT_ROOT / path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
