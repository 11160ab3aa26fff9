"""Benchmark: peak memory per process of a seed run against a 2.5M-title catalog, 1 and 2 workers.

Run from the project root:
    python benchmarks/bench_large_catalog.py CATALOG_DIR [--base catalog.parquet | --snapshot FILE]

CATALOG_DIR receives the large catalog (``catalog.parquet`` and its ``.sha256``, the layout of
``catalog import``) unless it already holds one. It is the base catalog's rows unchanged plus
``--copies`` perturbed copies of every row (title words replaced, inserted or dropped, as
``bench_catalog.py`` does: near-duplicate distractors, the hardest case for the title index).
Each copy row gets a schema-valid arXiv id no real paper has (new-style ids with a 1991-1997
prefix, before such ids existed), the same authors, year and keywords (marked as derived from
an abstract), and the same aliases with a copy suffix ("LoRA" -> "LoRAQxb", marked mined): the
per-row structures grow as with a real catalog of that size, without copies claiming the
originals' names. The base is an imported catalog (``--base``) or, by default, the arXiv
snapshot subset in ``../shared/data`` imported with the curated catalog. One seeded random
generator and a sorted vocabulary: the same inputs give a byte-identical catalog.

Then the seed pages are run (``python -m pipeline run --engine local --full``) three times on
one fresh catalog-structure cache: 1 worker with the cache cold (the run builds every stored
structure), 1 worker warm, 2 workers warm. Each run's process tree is sampled from /proc every
0.1 s; printed per process (driver, workers): peak RSS (VmHWM, the kernel's high-water mark)
and the largest sampled anonymous (private heap) and file-backed (memory-mapped, shared) parts
of RSS. A run is killed (its own processes, by pid) if the machine's available memory falls
below ``--min-available-mb``. Linux only; run one at a time on a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_catalog import DEFAULT_SNAPSHOT, PROJECT_ROOT, SEED, perturbed
from pipeline.catalog_import import CATALOG_FILE, PARQUET_SCHEMA, file_sha256, import_snapshot
from pipeline.config import DEFAULT_CATALOG

DEFAULT_SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
ROW_GROUP = 100_000
ALIAS_SEPARATOR = "|"
SAMPLE_SECONDS = 0.1
# /proc/PID/status fields read, by the name printed: peak RSS, private heap, mapped files.
STATUS_FIELDS = {"VmHWM": "peak_rss_mb", "RssAnon": "anon_mb", "RssFile": "file_mb"}
RUNS = (("1 worker, cold cache", 1), ("1 worker, warm cache", 1), ("2 workers, warm cache", 2))


# --- the large catalog -----------------------------------------------------------------------


def copy_arxiv_id(copy: int, row: int) -> str:
    """A new-style id no real paper has: 9Cxx.NNNNN (copy C, row = xx * 100000 + NNNNN)."""
    return f"9{copy}{row // 100_000:02d}.{row % 100_000:05d}"


def copy_aliases(aliases: str, copy: int) -> tuple[str, str]:
    """The aliases with a copy suffix, marked mined from the title."""
    names = [a.strip() for a in aliases.split(ALIAS_SEPARATOR) if a.strip()]
    suffix = "Qx" + "abcdefghij"[copy]
    return (
        ALIAS_SEPARATOR.join(f"{a}{suffix}" for a in names),
        ALIAS_SEPARATOR.join("title" for _ in names),
    )


def write_large_catalog(out_dir: Path, base: Path, copies: int, seed: int) -> Path:
    """``base``'s rows plus ``copies`` perturbed copies of each, as ``out_dir/catalog.parquet``
    (written under a temporary name and renamed)."""
    table = pq.read_table(base).cast(PARQUET_SCHEMA)
    rows = table.to_pydict()
    titles = rows["title"]
    vocabulary = sorted({w for t in titles[::50] for w in t.split()})
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_file = out_dir / CATALOG_FILE
    tmp = out_dir / f".{CATALOG_FILE}.tmp"
    with pq.ParquetWriter(tmp, PARQUET_SCHEMA) as writer:
        writer.write_table(table, row_group_size=ROW_GROUP)
        for copy in range(1, copies + 1):
            columns: dict[str, list] = {name: [] for name in PARQUET_SCHEMA.names}
            for i in range(table.num_rows):
                arxiv_id = copy_arxiv_id(copy, i)
                aliases, alias_sources = copy_aliases(rows["aliases"][i] or "", copy)
                keywords = rows["keywords"][i] or ""
                columns["paper_id"].append(f"arxiv:{arxiv_id}")
                columns["arxiv_id"].append(arxiv_id)
                columns["title"].append(perturbed(titles[i], vocabulary, rng))
                columns["year"].append(rows["year"][i])
                columns["authors"].append(rows["authors"][i])
                columns["aliases"].append(aliases)
                columns["alias_sources"].append(alias_sources)
                columns["keywords"].append(keywords)
                columns["keywords_source"].append("abstract" if keywords else "")
            writer.write_table(
                pa.Table.from_pydict(columns, schema=PARQUET_SCHEMA), row_group_size=ROW_GROUP
            )
            print(f"copy {copy}: {table.num_rows} rows", file=sys.stderr, flush=True)
    tmp.replace(out_file)
    (out_dir / f"{CATALOG_FILE}.sha256").write_text(f"{file_sha256(out_file)}  {CATALOG_FILE}\n")
    return out_file


def ensure_catalog(args: argparse.Namespace) -> dict:
    out_file = args.catalog_dir / CATALOG_FILE
    if out_file.is_file():
        return {"catalog": str(out_file), "built": False}
    started = time.perf_counter()
    base = args.base
    if base is None:
        imported = import_snapshot(
            args.snapshot, args.catalog_dir / "base", DEFAULT_CATALOG, workers=os.cpu_count() or 1
        )
        base = imported.out_file
    write_large_catalog(args.catalog_dir, base, args.copies, args.seed)
    return {
        "catalog": str(out_file),
        "built": True,
        "rows": pq.ParquetFile(out_file).metadata.num_rows,
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- per-process memory of a run --------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    """The ``STATUS_FIELDS`` of a process in MB (empty once it is gone)."""
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in STATUS_FIELDS:
                values[STATUS_FIELDS[key]] = int(rest.split()[0]) // 1024
    except (OSError, ValueError):
        return {}
    return values


def _tree(root: int) -> list[int]:
    """``root`` and its descendants."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    tree = [root]
    for pid in tree:
        tree.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _available_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return 0


def measure(command: list[str], min_available_mb: int) -> dict:
    """Wall time, exit code and per-process peaks of ``command``."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT)
    seen: dict[int, dict] = {}
    aborted = False
    while process.poll() is None:
        tree = _tree(process.pid)
        for pid in tree:
            status = _status(pid)
            if not status:
                continue
            entry = seen.setdefault(
                pid, {"role": "driver" if pid == process.pid else "worker", "command": ""}
            )
            entry["command"] = entry["command"] or _command(pid)[:120]
            for name, mb in status.items():
                entry[name] = max(entry.get(name, 0), mb)
        if not aborted and _available_mb() < min_available_mb:
            aborted = True
            for pid in reversed(tree):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        time.sleep(SAMPLE_SECONDS)
    return {
        "exit_code": process.returncode,
        "aborted_low_memory": aborted,
        "wall_s": round(time.perf_counter() - started, 1),
        "processes": [e for e in seen.values() if "resource_tracker" not in e["command"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("catalog_dir", type=Path, help="where the large catalog is (or goes)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--base", type=Path, help="an imported catalog.parquet to copy")
    source.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--copies", type=int, default=7, choices=range(1, 10))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="pages to run")
    parser.add_argument("--min-available-mb", type=int, default=3000)
    args = parser.parse_args()
    print(json.dumps(ensure_catalog(args)), flush=True)
    with tempfile.TemporaryDirectory() as work:
        for number, (name, workers) in enumerate(RUNS):
            out = Path(work) / f"out-{number}"
            command = [
                sys.executable, "-m", "pipeline", "run", "--engine", "local", "--full",
                "--quiet", "--raw", str(args.seeds), "--out", str(out),
                "--catalog", str(args.catalog_dir), "--cache", str(Path(work) / "pages"),
                "--index-cache", str(Path(work) / "catalog"), "--workers", str(workers),
            ]  # fmt: skip
            result = measure(command, args.min_available_mb)
            print(json.dumps({"run": name, **result}), flush=True)


if __name__ == "__main__":
    main()
