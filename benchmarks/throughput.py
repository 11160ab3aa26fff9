"""Documents/s and KB/s of whole runs, by corpus size, catalog, engine and workers.

    python benchmarks/throughput.py [--documents 50 500 2000] [--pages DIR]
        [--catalog PATH [--catalog PATH ...]] [--workers 1 2]
        [--engine local prefect dask] [--repeat 3]

The corpus repeats the seeds (``raw/*.txt``) and, with ``--pages``, the real pages of a
folder (``.txt``, ``.md``, ``.html``) with variation: each copy drops a third of its
paragraphs (chosen by a seeded random generator) and gets its own name, so no two documents
are equal, nor near-duplicates to the pipeline's check (which marks them and warns).

Engines: ``local`` is ``run --engine local`` (a process pool), ``prefect`` the Prefect flow
on its process pool, ``dask`` the flow with ``--task-runner dask`` (a local Dask cluster of
``workers`` processes). Each run is a whole command (Python start-up, catalog
load, the Prefect temporary server, the pool or cluster) with a fresh output and document
cache. Before the measured runs of a catalog and engine, one untimed run on a small corpus
warms the catalog structures' cache (and the Prefect database).

The ``--workers`` values of a corpus, catalog and engine run in turn, ``--repeat`` rounds of
one run each (1, 2, 1, 2, ...): the machine's speed drifts by a third over minutes, and runs
taken side by side share the drift. The speed-up over the first ``--workers`` value is the
median of the rounds' ratios (their range in brackets).

Printed, as a Markdown table: wall seconds (min/median/max over ``--repeat`` runs),
documents/s and KB/s of the median run, CPU seconds of all processes, the peak RSS of the
driver, of the largest worker process (pool or Dask) and of the Prefect temporary server,
sampled every 0.1 s, the paired speed-up, whether the tables
equal those of the first configuration on the same corpus and catalog, and the three slowest
stages of the last run (from its ``report.json``). The machine's speed at the start and
the end (``machine_speed.py``) lets figures of different days be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
import psutil  # comes with distributed
from local_run import local_run_command
from machine_speed import reference_seconds

from pipeline.config import DEFAULT_CATALOG
from pipeline.write import TABLES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PAGE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
# Share of a copy's paragraphs left out, so that copies differ: two copies of a text share
# about half their paragraphs, far below the near-duplicate threshold (Jaccard 0.9).
DROPPED_PARAGRAPHS = 0.3
WARM_UP_DOCUMENTS = 5
SAMPLE_SECONDS = 0.1
# Added after the local engine's flags: argparse takes the last value of a flag.
ENGINE_FLAGS = {
    "local": [],
    "prefect": ["--engine", "prefect", "--task-runner", "local"],
    "dask": ["--engine", "prefect", "--task-runner", "dask"],
}


def base_texts(raw: Path, pages: Path | None) -> list[Path]:
    """The seeds, then the pages (in name order): the texts the corpus varies."""
    texts = sorted(raw.glob("*.txt"))
    if pages is not None:
        texts += sorted(p for p in pages.rglob("*") if p.suffix.lower() in PAGE_SUFFIXES)
    return texts


def build_corpus(texts: list[Path], documents: int, folder: Path) -> int:
    """``documents`` varied copies of ``texts`` in ``folder``; returns the corpus's bytes."""
    folder.mkdir(parents=True)
    contents = [text.read_text("utf-8") for text in texts]
    total = 0
    for number in range(documents):
        base = texts[number % len(texts)]
        paragraphs = contents[number % len(texts)].split("\n\n")
        generator = random.Random(number)
        count = int(len(paragraphs) * DROPPED_PARAGRAPHS)
        dropped = set(generator.sample(range(len(paragraphs)), count))
        path = folder / f"{number:05}-{base.name}"
        text = "\n\n".join(p for i, p in enumerate(paragraphs) if i not in dropped)
        path.write_text(text, "utf-8")
        total += path.stat().st_size
    return total


@dataclass
class Run:
    wall: float
    cpu: float
    driver_mb: float
    worker_mb: float | None  # the largest worker; None: the driver did all the work
    server_mb: float | None  # the Prefect temporary server; None: no Prefect


def _role(process: psutil.Process) -> str:
    """``server`` for the Prefect temporary server (uvicorn), else ``worker``."""
    return "server" if "uvicorn" in process.cmdline() else "worker"


def _sample(root: psutil.Process, peaks: dict[int, float], roles: dict[int, str]) -> None:
    """Record the RSS (MB) of ``root`` and of each of its descendants, keeping each's peak."""
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for process in processes:
        try:
            rss = process.memory_info().rss / 2**20
            roles.setdefault(process.pid, _role(process))
        except psutil.Error:
            continue
        peaks[process.pid] = max(rss, peaks.get(process.pid, 0.0))


def measure(command: list[str], environment: dict[str, str], log: Path) -> Run:
    """One run of ``command`` (its output in ``log``): wall and CPU seconds (of every process
    it waited for) and the peak RSS of the driver, of the largest worker and of the Prefect
    server."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with log.open("wb") as sink:
        child = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT
        )
        root = psutil.Process(child.pid)
        peaks: dict[int, float] = {}
        roles: dict[int, str] = {}
        while child.poll() is None:
            _sample(root, peaks, roles)
            time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - t0
    if child.returncode != 0:
        output = log.read_text("utf-8", errors="replace")[-3000:]
        raise SystemExit(f"run failed ({child.returncode}): {' '.join(command)}\n{output}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    driver = peaks.pop(child.pid, 0.0)
    workers = [mb for pid, mb in peaks.items() if roles[pid] == "worker"]
    servers = [mb for pid, mb in peaks.items() if roles[pid] == "server"]
    return Run(wall, cpu, driver, max(workers, default=None), max(servers, default=None))


def scratch_folder(prefix: Path, workers: int, round_: int) -> Path:
    """Where the run of this workers value and round writes (its ``out`` is read after)."""
    return prefix.parent / f"{prefix.name}-{workers}-{round_}"


def run_once(
    raw: Path, catalog: Path, engine: str, prefix: Path, index: Path, workers: int, round_: int
) -> Run:
    """A full run of ``raw`` with this catalog, engine and workers, in its own scratch folder
    (``prefix``, the workers and the round)."""
    scratch = scratch_folder(prefix, workers, round_)
    command = local_run_command(
        raw,
        catalog,
        scratch / "out",
        scratch / "cache",
        "--full",
        "--workers",
        str(workers),
        "--index-cache",
        str(index),
        *ENGINE_FLAGS[engine],
    )
    scratch.mkdir(parents=True)
    # One Prefect database for all runs (a fresh one costs every run its creation).
    environment = {**os.environ, "PREFECT_HOME": str(scratch.parent / "prefect-home")}
    return measure(command, environment, scratch / "run.log")


def read_tables(out: Path) -> dict[str, pd.DataFrame]:
    """The published tables without the run id (the quarantine names its run in every row)."""
    return {
        table: pd.read_parquet(out / f"{table}.parquet").drop(columns=["run_id"], errors="ignore")
        for table in TABLES
    }


def same_tables(one: dict[str, pd.DataFrame], other: dict[str, pd.DataFrame]) -> bool:
    return all(one[table].equals(other[table]) for table in TABLES)


def slowest_stages(out: Path, count: int = 3) -> str:
    seconds = json.loads((out / "report.json").read_text("utf-8"))["run"]["stage_seconds"]
    slowest = sorted(seconds.items(), key=lambda item: -item[1])[:count]
    return ", ".join(f"{name} {value:.1f}" for name, value in slowest)


def catalog_label(catalog: Path) -> str:
    return "curated" if catalog.resolve() == DEFAULT_CATALOG.resolve() else catalog.name


def _peak(megabytes: list[float | None]) -> str:
    known = [mb for mb in megabytes if mb is not None]
    return f"{max(known):.0f}" if known else "-"


def table_row(
    documents: int,
    size_kb: float,
    label: str,
    engine: str,
    workers: int,
    runs: list[Run],
    speed_ups: list[float],
    same: bool,
    stages: str,
) -> str:
    walls = [r.wall for r in runs]
    median = statistics.median(walls)
    cells = [
        documents,
        f"{size_kb:.0f}",
        label,
        engine,
        workers,
        f"{min(walls):.1f} / {median:.1f} / {max(walls):.1f}",
        f"{documents / median:.2f}",
        f"{size_kb / median:.1f}",
        f"{statistics.median(r.cpu for r in runs):.1f}",
        f"{max(r.driver_mb for r in runs):.0f}",
        _peak([r.worker_mb for r in runs]),
        _peak([r.server_mb for r in runs]),
        _speed_up(speed_ups),
        "yes" if same else "NO",
        stages,
    ]
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def in_rounds(
    rounds: int, workers: list[int], run: Callable[[int, int], Run], speeds: list[float]
) -> dict[int, list[Run]]:
    """``run(workers, round)`` for every workers value once per round, in turn (1, 2, 1, 2,
    ...), not all runs of one value and then all of the next: this machine's speed drifts
    by a third over minutes, and runs taken in turn share the drift. Each round's reference
    workload (``machine_speed.py``) is appended to ``speeds``."""
    runs: dict[int, list[Run]] = {w: [] for w in workers}
    for round_ in range(rounds):
        speeds.append(reference_seconds(repeat=3))
        for count in workers:
            runs[count].append(run(count, round_))
    return runs


def paired_speed_ups(first: list[Run], runs: list[Run]) -> list[float]:
    """Wall time of the first workers value over this one's, round by round."""
    return [a.wall / b.wall for a, b in zip(first, runs, strict=True)]


def _speed_up(ratios: list[float]) -> str:
    """The median paired speed-up, with its range over the rounds when there are several."""
    median = f"{statistics.median(ratios):.2f}x"
    if min(ratios) == max(ratios):
        return median
    return f"{median} ({min(ratios):.2f}-{max(ratios):.2f})"


HEADER = (
    "| documents | KB | catalog | engine | workers | wall s min / median / max | documents/s "
    "| KB/s | CPU s | peak RSS MB: driver | largest worker | Prefect server | speed-up "
    "| same tables | slowest stages s |\n" + "|---" * 15 + "|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[50, 500, 2000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--engine", nargs="+", choices=sorted(ENGINE_FLAGS), default=["local"])
    parser.add_argument(
        "--catalog",
        type=Path,
        action="append",
        help="a catalog to run against (repeat for several; default: the curated one)",
    )
    parser.add_argument("--raw", type=Path, default=PROJECT_ROOT / "raw", help="the seeds")
    parser.add_argument("--pages", type=Path, help="a folder of real pages to vary as well")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each configuration")
    args = parser.parse_args()
    catalogs = args.catalog or [DEFAULT_CATALOG]
    texts = base_texts(args.raw, args.pages)
    started = time.perf_counter()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{len(texts)} base texts, {args.repeat} runs each; load average at the start: {load}; "
        f"reference workload {reference_seconds():.3f} s (benchmarks/machine_speed.py)"
    )
    print(f"\n{HEADER}")
    speeds: list[float] = []  # the reference workload before each round
    with tempfile.TemporaryDirectory(prefix="throughput-") as temporary:
        root = Path(temporary)
        warm_up = root / "warm-up"
        build_corpus(texts, WARM_UP_DOCUMENTS, warm_up)
        indexes = [root / f"index-{c}" for c in range(len(catalogs))]
        for catalog, index in zip(catalogs, indexes, strict=True):
            for engine in args.engine:
                run_once(
                    warm_up, catalog, engine, root / f"warm-{index.name}-{engine}", index, 1, 0
                )
        for documents in args.documents:
            corpus = root / f"corpus-{documents}"
            size_kb = build_corpus(texts, documents, corpus) / 1024
            for catalog, index in zip(catalogs, indexes, strict=True):
                reference = None
                for engine in args.engine:
                    prefix = root / f"run-{documents}-{index.name}-{engine}"
                    run = partial(run_once, corpus, catalog, engine, prefix, index)
                    runs = in_rounds(args.repeat, args.workers, run, speeds)
                    for workers in args.workers:
                        out = scratch_folder(prefix, workers, args.repeat - 1) / "out"
                        tables = read_tables(out)
                        reference = reference or tables
                        row = table_row(
                            documents,
                            size_kb,
                            catalog_label(catalog),
                            engine,
                            workers,
                            runs[workers],
                            paired_speed_ups(runs[args.workers[0]], runs[workers]),
                            same_tables(reference, tables),
                            slowest_stages(out),
                        )
                        print(row, flush=True)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    took = time.perf_counter() - started
    rounds = f"{min(speeds):.3f}-{max(speeds):.3f} s" if speeds else "-"
    print(
        f"\nload average at the end: {load}; reference workload {reference_seconds():.3f} s "
        f"(before the rounds: {rounds}); the benchmark took {took:.0f} s"
    )


if __name__ == "__main__":
    main()
