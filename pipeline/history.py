"""The runs kept in an output folder, newest first, with their headline figures.

Figures come from each run's own ``report.json``, so listing needs no Parquet reading and a
run whose report is damaged is still listed (with its figures missing). A run folder that
``current`` was never switched to (the run was killed between the two renames of
``pipeline.write.publish``) is listed as ``incomplete``.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.write import FAILED, RUNS, current_run, published_run_ids

HISTORY_COLUMNS = [
    "",
    "run_id",
    "status",
    "created_at",
    "documents",
    "mentions",
    "matched",
    "papers",
]


def _run_row(folder: Path, status: str, current: str | None) -> dict:
    row: dict = {
        "": "*" if folder.name == current else "",
        "run_id": folder.name,
        "status": status,
    }
    try:
        report = json.loads((folder / "report.json").read_text("utf-8"))
        mentions = report["mentions"]
        matched = mentions["by_status"].get("matched", 0)
        row |= {
            "created_at": report["run"]["created_at"],
            "documents": report["documents"]["read"],
            "mentions": mentions["total"],
            "matched": f"{100 * matched / mentions['total']:.1f} %" if mentions["total"] else "-",
            "papers": report["papers"]["total"],
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        row["created_at"] = f"report unreadable ({type(exc).__name__})"
    return row


def _published_status(run_id: str, current: str | None, published: set[str] | None) -> str:
    if run_id == current:
        return "published"
    if published is None:  # a folder older than the log: runs newer than current never were
        return "published" if current and run_id < current else "incomplete"
    return "published" if run_id in published else "incomplete"


def run_history(out_dir: Path) -> list[dict]:
    """Published, incomplete and failed runs, newest first (run ids sort by time); the
    current published run is marked with ``*``."""
    current = current_run(out_dir)
    published = published_run_ids(out_dir)
    rows = []
    for kind in (RUNS, FAILED):
        folder = out_dir / kind
        if not folder.is_dir():
            continue
        for run in folder.iterdir():
            if run.is_dir() and not run.name.startswith("."):
                status = (
                    _published_status(run.name, current, published) if kind == RUNS else "failed"
                )
                rows.append(_run_row(run, status, current))
    return sorted(rows, key=lambda r: r["run_id"], reverse=True)


def format_history(rows: list[dict]) -> str:
    if not rows:
        return "no runs yet"
    cells = [HISTORY_COLUMNS] + [[str(r.get(c, "")) for c in HISTORY_COLUMNS] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HISTORY_COLUMNS))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)
