"""Sign/verify throughput of the credential core on one core; writes ``bench/results/vc.json``.

    uv run python bench/vc_bench.py [--seconds N]

The measuring code is ``skillpass.cli.vc_commands.run_vc_benchmark`` (also behind
``skillpass bench vc``); this script pins the process to one CPU, runs it, and records the
results next to the machine they ran on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from skillpass.cli.vc_commands import environment, pin_to_one_core, run_vc_benchmark

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per operation")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "vc.json")
    args = parser.parse_args()
    cpu = pin_to_one_core()
    results = run_vc_benchmark(seconds=args.seconds)
    record = {
        "benchmark": "skillpass.vc sign/verify, OB 3.0 AchievementCredential, distinct per op",
        "environment": environment(ROOT),
        "pinned_cpu": cpu,
        "note": "the machine is shared with other jobs; figures can be noisy (see load_average)",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    for row in results:
        print(f"{row['suite']:<16} {row['op']:<12} {row['ops_per_s']:>10,.1f} ops/s")


if __name__ == "__main__":
    main()
