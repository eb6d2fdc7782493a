"""The generated protobuf code is what `make proto` would write now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]


def test_generated_code_is_fresh() -> None:
    done = subprocess.run(  # noqa: S603 - our own script, fixed argv
        [sys.executable, str(REPO / "proto" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
