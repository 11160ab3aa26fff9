"""First run versus re-run on unchanged inputs (`--engine local`, fresh output and cache).

    python benchmarks/incremental_rerun.py [--raw DIR] [--catalog PATH]

Prints each run's wall time (the whole command, Python start-up included), the sum of its
stage times and the time per stage, then the speed-ups.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from local_run import local_run_command

from pipeline.config import DEFAULT_CATALOG

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _run(raw: Path, catalog: Path, out: Path, cache: Path) -> tuple[float, dict[str, float]]:
    command = local_run_command(raw, catalog, out, cache)
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT_ROOT, check=True)
    wall = time.perf_counter() - started
    report = json.loads((out / "report.json").read_text("utf-8"))
    return wall, report["run"]["stage_seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=PROJECT_ROOT / "raw")
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        out, cache = Path(work) / "out", Path(work) / "cache"
        first_wall, first = _run(args.raw, args.catalog, out, cache)
        second_wall, second = _run(args.raw, args.catalog, out, cache)
    stages = sorted(set(first) | set(second), key=lambda s: -first.get(s, 0.0))
    print(f"{'stage':<12}{'first run':>12}{'re-run':>12}")
    for stage in stages:
        print(f"{stage:<12}{first.get(stage, 0.0):>11.3f}s{second.get(stage, 0.0):>11.3f}s")
    first_sum, second_sum = sum(first.values()), sum(second.values())
    print(
        f"{'all stages':<12}{first_sum:>11.3f}s{second_sum:>11.3f}s"
        f"   speed-up {first_sum / second_sum:.1f}x"
    )
    print(
        f"{'wall':<12}{first_wall:>11.3f}s{second_wall:>11.3f}s"
        f"   speed-up {first_wall / second_wall:.1f}x"
    )


if __name__ == "__main__":
    main()
