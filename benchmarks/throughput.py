"""Documents/s and KB/s of `run --engine local --full` with one worker and with two.

    python benchmarks/throughput.py [--documents 50 200] [--workers 1 2] [--catalog PATH]

The corpus repeats the seeds (``raw/*.txt``) with small variation: each copy drops a few of its
paragraphs (chosen by a seeded random generator) and gets its own name, so no two documents
are equal. Each run is a whole command (Python start-up, catalog load, process pool
included) with a fresh output and document cache; the title index cache is warm after the
first run. Peak RSS is that of the largest single process of a run (the driver or a worker).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from local_run import local_run_command

from pipeline.config import DEFAULT_CATALOG

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Share of a copy's paragraphs left out, so that copies differ.
DROPPED_PARAGRAPHS = 0.1


def build_corpus(seeds: list[Path], documents: int, folder: Path) -> int:
    """``documents`` varied copies of the seeds in ``folder``; returns the corpus's bytes."""
    folder.mkdir(parents=True)
    texts = [seed.read_text("utf-8") for seed in seeds]
    total = 0
    for number in range(documents):
        seed = seeds[number % len(seeds)]
        paragraphs = texts[number % len(seeds)].split("\n\n")
        generator = random.Random(number)
        count = int(len(paragraphs) * DROPPED_PARAGRAPHS)
        dropped = set(generator.sample(range(len(paragraphs)), count))
        text = "\n\n".join(p for i, p in enumerate(paragraphs) if i not in dropped)
        path = folder / f"{number:05}-{seed.name}"
        path.write_text(text, "utf-8")
        total += path.stat().st_size
    return total


def measure(raw: Path, catalog: Path, workers: int, scratch: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run, measured in a child of its own (the RSS
    high-water mark of reaped children only ever grows)."""
    command = local_run_command(
        raw,
        catalog,
        scratch / "out",
        scratch / "cache",
        "--full",
        "--workers",
        str(workers),
        "--index-cache",
        str(scratch.parent / "index"),
    )
    probe = (
        "import resource, subprocess, sys, time\n"
        "t0 = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True)\n"
        "wall = time.perf_counter() - t0\n"
        "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *command],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    wall, peak = result.stdout.split()[-2:]
    return float(wall), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--raw", type=Path, default=PROJECT_ROOT / "raw")
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    args = parser.parse_args()
    seeds = sorted(args.raw.glob("*.txt"))
    started = time.perf_counter()
    print("| documents | KB | workers | wall s | documents/s | KB/s | peak RSS MB | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="throughput-") as temporary:
        root = Path(temporary)
        for documents in args.documents:
            corpus = root / f"corpus-{documents}"
            size_kb = build_corpus(seeds, documents, corpus) / 1024
            first_wall = None
            for workers in args.workers:
                scratch = root / f"run-{documents}-{workers}"
                scratch.mkdir()
                wall, peak = measure(corpus, args.catalog, workers, scratch)
                first_wall = first_wall or wall
                print(
                    f"| {documents} | {size_kb:.0f} | {workers} | {wall:.1f} "
                    f"| {documents / wall:.2f} | {size_kb / wall:.1f} | {peak:.0f} "
                    f"| {first_wall / wall:.2f}x |",
                    flush=True,
                )
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    took = time.perf_counter() - started
    print(f"\nload average at the end: {load}; the benchmark took {took:.0f} s")


if __name__ == "__main__":
    main()
