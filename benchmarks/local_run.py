"""The command line of a quiet `--engine local` run, shared by the benchmarks."""

from __future__ import annotations

import sys
from pathlib import Path


def local_run_command(raw: Path, catalog: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    """``python -m pipeline run --engine local --quiet`` on these folders, then ``extra``."""
    return [
        sys.executable,
        "-m",
        "pipeline",
        "run",
        "--engine",
        "local",
        "--quiet",
        "--raw",
        str(raw),
        "--catalog",
        str(catalog),
        "--out",
        str(out),
        "--cache",
        str(cache),
        *extra,
    ]
