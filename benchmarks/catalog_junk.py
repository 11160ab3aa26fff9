"""Benchmark: loading a catalog buried in junk rows stays bounded in time, memory and report size.

Run from the project root:  python benchmarks/catalog_junk.py [--rows 1000000]

Writes the curated catalog followed by ROWS junk rows (malformed ids, arXiv ids that do not
match their paper_id, empty titles, impossible years, duplicated ids, lines with too many or
too few fields, noise) to a temporary folder, then loads it with
``pipeline.catalog.load_catalog`` in a subprocess of its own, so that the peak RSS printed is
the loader's alone. Prints the time, the peak RSS, the papers kept, the rows rejected and the
size of the error list that the run's report would carry.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.config import DEFAULT_CATALOG

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CURATED = DEFAULT_CATALOG / "papers.csv"

MEASURE = """
import json, resource, sys, time
from pathlib import Path
from pipeline.catalog import load_catalog
started = time.perf_counter()
catalog = load_catalog(Path(sys.argv[1]))
seconds = time.perf_counter() - started
print(json.dumps({
    "seconds": round(seconds, 2),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "papers": len(catalog),
    "rows_rejected": catalog.rejected_rows,
    "errors_listed": len(catalog.errors),
    "errors_json_bytes": len(json.dumps(catalog.errors)),
}))
"""


def junk_row(rng: random.Random, index: int) -> str:
    """One malformed catalog line; the kinds of damage rotate."""
    word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
    kind = index % 8
    if kind == 0:
        return f"Paper {word},,Title {word},2020,Someone,,"
    if kind == 1:
        return f"arxiv:2301.{index % 100000:05d},2302.{index % 100000:05d},Title {word},2023,A,,"
    if kind == 2:
        return f"ref:{word}{index},,,2021,A,,"
    if kind == 3:
        return f"ref:{word}{index},,Title {word},{rng.choice(['1850', '2999', 'soon'])},A,,"
    if kind == 4:
        return "arxiv:1706.03762,1706.03762,Attention Is All You Need again,2017,A,,"
    if kind == 5:
        return f"ref:{word}{index},,Title,2020,A,B,C,D,E,F"  # too many fields
    if kind == 6:
        return f"ref:{word}{index},not-an-id,Title {word},2020"  # too few fields
    return f"{word}{word}{word}{word}"  # one field of noise


def write_catalog(folder: Path, rows: int) -> Path:
    rng = random.Random(0)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "papers.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(CURATED.read_text("utf-8").rstrip("\n") + "\n")
        for index in range(rows):
            out.write(junk_row(rng, index) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="junk rows to add")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_catalog(Path(tmp) / "catalog", args.rows)
        size_mb = path.stat().st_size / 1e6
        result = subprocess.run(
            [sys.executable, "-c", MEASURE, str(path.parent)],
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT_ROOT,
        )
    figures = json.loads(result.stdout)
    print(f"catalog: curated rows + {args.rows:,} junk rows ({size_mb:.0f} MB)")
    print(f"load: {figures['seconds']} s, peak RSS {figures['peak_rss_mb']} MB")
    print(
        f"papers kept: {figures['papers']}, rows rejected: {figures['rows_rejected']:,}, "
        f"errors listed: {figures['errors_listed']} ({figures['errors_json_bytes']:,} bytes)"
    )


if __name__ == "__main__":
    main()
