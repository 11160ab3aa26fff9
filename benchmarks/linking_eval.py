"""Linking quality on a page set with gold, for the three catalogs users have.

    python benchmarks/linking_eval.py --pages DIR --gold DIR [--snapshot FILE] [--work DIR]

Runs the pipeline (`--engine local --full`) on the pages with the curated catalog, the merged
catalog (curated + the arXiv snapshot) and the snapshot alone (`catalog import --no-curated`),
scores each dataset with `evaluate` and prints precision and recall per tier, recall of tiers
A and B over the gold papers that catalog holds (`evaluate --catalog`), and the run's wall
time. Imported catalogs are kept in the work folder and reused when the snapshot and the
code's import version are unchanged (delete the folder to rebuild). Pages must never be tuned
on when they are a held-out set: see tests/heldout/README.md.
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

from bench_catalog import DEFAULT_SNAPSHOT
from local_run import local_run_command

from pipeline.config import DEFAULT_CATALOG

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TIERS = ("A", "B", "C", "P")
# Tiers whose recall is also given over the papers the catalog holds: a name or a title in
# another language links only to a paper the catalog has.
HELD_TIERS = ("A", "B")


def _pipeline(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", *args], check=True, cwd=PROJECT_ROOT)
    return time.perf_counter() - t0


def _imported(snapshot: Path, work: Path, curated: bool) -> Path:
    out = work / ("merged" if curated else "snapshot-only")
    if not (out / "catalog.parquet").is_file():
        _pipeline(
            "catalog",
            "import",
            str(snapshot),
            "--out",
            str(out),
            *([] if curated else ["--no-curated"]),
        )
    return out


def _score(pages: Path, gold: Path, catalog: Path, out: Path, cache: Path) -> dict:
    t0 = time.perf_counter()
    subprocess.run(
        local_run_command(pages, catalog, out, cache, "--full"), check=True, cwd=PROJECT_ROOT
    )
    seconds = time.perf_counter() - t0
    scores_file = out.parent / f"{out.name}.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "evaluate",
            "--gold",
            str(gold),
            "--out",
            str(out),
            "--json",
            str(scores_file),
            "--catalog",
            str(catalog),
        ],
        check=True,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
    )
    return {**json.loads(scores_file.read_text("utf-8")), "seconds": seconds}


def _cell(group: dict) -> str:
    return f"{group['recall']:.3f} ({group['found']}/{group['total']})" if group["total"] else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, required=True)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--work", type=Path, help="keeps imported catalogs and the datasets")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="linking-eval-"))
    work.mkdir(parents=True, exist_ok=True)
    catalogs = {"curated": DEFAULT_CATALOG}
    if args.snapshot.is_file():
        catalogs["merged"] = _imported(args.snapshot, work / "catalogs", curated=True)
        catalogs["snapshot-only"] = _imported(args.snapshot, work / "catalogs", curated=False)
    else:
        print(f"no snapshot at {args.snapshot}: curated catalog only")
    held = [f"recall {t}, in catalog" for t in HELD_TIERS]
    print(
        "| catalog | precision | "
        + " | ".join([*(f"recall {t}" for t in TIERS), *held])
        + " | run s |"
    )
    print("|---|---|" + "---|" * (len(TIERS) + len(held)) + "---|")
    for name, catalog in catalogs.items():
        scores = _score(args.pages, args.gold, catalog, work / name, work / "cache")
        tiers = scores["recall_by_tier"]
        in_catalog = scores["recall_in_catalog_by_tier"]
        empty = {"total": 0}
        cells = [_cell(tiers.get(t, empty)) for t in TIERS]
        cells += [_cell(in_catalog.get(t, empty)) for t in HELD_TIERS]
        print(
            f"| {name} | {scores['precision']:.3f} ({scores['correct_links']}/{scores['links']}) | "
            + " | ".join(cells)
            + f" | {scores['seconds']:.0f} |"
        )


if __name__ == "__main__":
    main()
