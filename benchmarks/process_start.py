"""What a new worker process pays before it links its first document.

    python benchmarks/process_start.py [--catalog PATH] [--cache DIR] [--lines 15] [--repeat 3]

Each repeat starts a fresh Python process, as a pool or Dask worker does, which imports the
per-document stage (``pipeline.fanout``) and runs ``link_batch`` twice on the same small
batch: the first ``--lines`` lines of each page in ``raw/`` (German, Malay and Chinese pages
with English titles). The first call pays the process's one-time costs: the catalog and
matcher from the structures cache, the term tables, the language models, CC-CEDICT; the
second call pays only the linking. The start cost is the import plus the first call minus
the second (memoised stems and lookups that the second call reuses count as start cost).
One untimed process warms the structures cache first.

Printed, one row per repeat and the median: import, first call, second call, start cost
(seconds) and the process's peak RSS (MB).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.config import DEFAULT_CATALOG, DEFAULT_TERMS, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("import_s", "first_s", "second_s", "start_s", "peak_rss_mb")


def write_excerpts(raw: Path, lines: int, folder: Path) -> None:
    """The first ``lines`` lines of every page of ``raw`` into ``folder``."""
    for page in sorted(raw.glob("*.txt")):
        head = page.read_text(encoding="utf-8").splitlines()[:lines]
        (folder / page.name).write_text("\n".join(head) + "\n", encoding="utf-8")


def child(raw: Path, catalog: Path, cache: Path, sha256: str) -> dict[str, float]:
    """The figures of this process (run with ``--child``)."""
    started = time.perf_counter()
    from pipeline.fanout import LinkContext, link_batch
    from pipeline.ingest import ingest

    imported = time.perf_counter()
    context = LinkContext(catalog, sha256, DEFAULT_TERMS, cache, Settings().thresholds)
    batch = ingest(raw, 1 << 20)
    first_start = time.perf_counter()
    link_batch(batch, context)
    second_start = time.perf_counter()
    result = link_batch(batch, context)
    second_end = time.perf_counter()
    if result.failures:
        raise RuntimeError(f"documents failed: {result.failures}")
    first, second = second_start - first_start, second_end - second_start
    return {
        "import_s": imported - started,
        "first_s": first,
        "second_s": second,
        "start_s": imported - started + first - second,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(raw: Path, catalog: Path, cache: Path, sha256: str) -> dict[str, float]:
    """The figures of one fresh process."""
    command = [sys.executable, __file__, "--child", str(raw), str(catalog), str(cache), sha256]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        raw, catalog, cache = (Path(a) for a in sys.argv[2:5])
        print(json.dumps(child(raw, catalog, cache, sys.argv[5])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--cache", type=Path, help="structures cache (default: a temporary one)")
    parser.add_argument("--lines", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from pipeline.catalog import load_catalog

    with tempfile.TemporaryDirectory() as work:
        raw = Path(work) / "raw"
        raw.mkdir()
        write_excerpts(PROJECT_ROOT / "raw", args.lines, raw)
        cache = (args.cache or Path(work) / "cache").resolve()
        catalog = args.catalog.resolve()
        sha256 = load_catalog(catalog, cache).sha256
        measure(raw, catalog, cache, sha256)  # warms the structures cache
        rows = [measure(raw, catalog, cache, sha256) for _ in range(args.repeat)]
    print("| run | " + " | ".join(FIGURES) + " |")
    print("|---" * (len(FIGURES) + 1) + "|")
    for number, row in enumerate(rows, 1):
        print(f"| {number} | " + " | ".join(f"{row[f]:.2f}" for f in FIGURES) + " |")
    medians = [statistics.median(r[f] for r in rows) for f in FIGURES]
    print("| median | " + " | ".join(f"{m:.2f}" for m in medians) + " |")


if __name__ == "__main__":
    main()
