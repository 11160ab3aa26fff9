"""Render the report as JSON, Markdown (also the Prefect artifact), HTML and review CSVs.

Pages come from Jinja2 templates shipped with the package. The HTML is self-contained: inline
CSS and SVG charts, no script, nothing fetched; autoescaping covers every text. Markdown has no
autoescaping, so every value passes the ``md`` filter, which turns HTML into entities and
neutralises Markdown syntax: a source's ``<script>`` is shown, never run, in Prefect's UI.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket

from pipeline.report.checks import all_failure_cases
from pipeline.report.model import STATUSES, clip, display_width, finalize
from pipeline.write import REVIEW_FOLDER

REVIEW_QUEUES = ("ambiguous", "unmatched", "narrow", "conflicts")
# Rows of a review queue shown in the pages; every row is in its CSV and in report.json.
SHOWN_ROWS = 200
# Failure cases shown per failed check; all are in failure-cases.csv.
SHOWN_CASES = 20
REVIEW_CSV_COLUMNS = [
    "mention_id",
    "source_file",
    "start",
    "end",
    "language",
    "kind",
    "status",
    "surface",
    "score",
    "method",
    "paper_id",
    "paper_title",
    "candidates",
    "context",
    "decision",
    "note",
]
# Display columns of a surface shown in a queue (whole in the CSV and report.json).
SURFACE_WIDTH = 120
# Markdown syntax characters, and a backslash where it would escape the next character.
MARKDOWN_SPECIAL = re.compile(r"[`*_\[\]|~]|\\(?=[!-/:-@\[-`{-~])")


def review_csv_name(queue: str) -> str:
    return f"{REVIEW_FOLDER}/{queue}.csv"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cell(value: Any) -> str:
    """A value as table text: no ``nan``/``None``, lists joined, floats short."""
    if _missing(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value) or "–"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {cell(v)}" for k, v in value.items())
    return str(value)


def md(value: Any) -> str:
    """Text safe inside Markdown: HTML as entities, Markdown syntax escaped, one line."""
    text = " ".join(cell(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_SPECIAL.sub(r"\\\g<0>", text)


def short(text: str, width: int = SURFACE_WIDTH) -> str:
    """A long surface (a described passage) as its start and end, so a row stays a row."""
    if sum(display_width(c) for c in text) <= width:
        return text
    head = clip(text, width * 2 // 3, keep_end=False)
    tail = clip(text, width // 3, keep_end=True)
    return f"{head} … {tail} ({len(text)} characters)"


def percent(value: Any) -> str:
    return "–" if _missing(value) else f"{100 * float(value):.1f} %"


# --- charts: geometry here, markup in templates/charts.html.j2 ---------------------------


def bar_chart(items: Sequence[tuple[Any, float]], width: int = 360) -> dict:
    """Horizontal bars; the longest bar is ``width`` pixels."""
    top = max([float(v) for _, v in items] + [1e-9])
    bars = [
        {"label": cell(k), "value": v, "y": 22 * i, "width": round(width * float(v) / top, 1)}
        for i, (k, v) in enumerate(items)
    ]
    return {"bars": bars, "height": 22 * len(bars), "bar_width": width}


PALETTE = ("#3b6ea5", "#c0504d", "#4f9a5b", "#8064a2", "#d08a2e", "#4bacc6", "#7f7f7f")


def line_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[float | None]], *, percent_axis=False
) -> dict:
    """Lines over runs (x: run order). Missing values break nothing: they are skipped."""
    width, height, left, bottom = 320, 110, 44, 18
    values = [v for s in series.values() for v in s if v is not None]
    if percent_axis:  # from the lowest rate rounded down to 10 %, so that changes show
        low, high = min(math.floor(10 * min([*values, 1.0])) / 10, 0.9), 1.0
    else:
        low, high = 0.0, max([*values, 1e-9])
    span = (high - low) or 1.0
    step = (width - left - 8) / max(len(labels) - 1, 1)

    def point(i: int, v: float) -> tuple[float, float]:
        return left + i * step, round(height - bottom - (v - low) / span * (height - bottom - 8), 1)

    lines = []
    for n, (name, points) in enumerate(series.items()):
        coords = [point(i, v) for i, v in enumerate(points) if v is not None]
        lines.append(
            {
                "name": name,
                "colour": PALETTE[n % len(PALETTE)],
                "points": " ".join(f"{x:.1f},{y}" for x, y in coords),
                "dots": coords,
                "last": cell(points[-1]) if not percent_axis else percent(points[-1]),
            }
        )
    top_label = "100 %" if percent_axis else cell(high)
    bottom_label = percent(low) if percent_axis else "0"
    return {
        "width": width,
        "height": height,
        "left": left,
        "bottom": height - bottom,
        "top_label": top_label,
        "bottom_label": bottom_label,
        "lines": lines,
        "first": labels[0] if labels else "",
        "last": labels[-1] if labels else "",
    }


def trend_charts(points: Sequence[Mapping[str, Any]]) -> list[dict]:
    labels = [str(p.get("created_at") or p["run_id"])[:16].replace("T", " ") for p in points]
    languages = sorted({k for p in points for k in p["match_rate_by_language"]})
    return [
        {
            "title": "Mentions",
            "chart": line_chart(labels, {"mentions": [p["mentions"] for p in points]}),
        },
        {"title": "Papers", "chart": line_chart(labels, {"papers": [p["papers"] for p in points]})},
        {
            "title": "Match rate per language",
            "chart": line_chart(
                labels,
                {
                    lang: [p["match_rate_by_language"].get(lang) for p in points]
                    for lang in languages
                },
                percent_axis=True,
            ),
        },
        {
            "title": "Run time (s)",
            "chart": line_chart(labels, {"seconds": [p.get("seconds") for p in points]}),
        },
    ]


def _score_rows(by_status: Mapping[str, list[dict]]) -> list[dict]:
    first = by_status.get("matched", [])
    rows = []
    for i, b in enumerate(first):
        label = "100 (exact)" if b["from"] == 100 else f"{b['from']:g} to {b['to']:g}"
        rows.append({"score": label, **{s: by_status[s][i]["count"] for s in STATUSES}})
    return rows


# Compiled templates are kept in this sub-folder of the folder a run keeps its structures in.
COMPILED_TEMPLATES_FOLDER = "templates"
LOG = logging.getLogger(__name__)


class _KeptTemplates(FileSystemBytecodeCache):
    """Jinja2's bytecode cache, for which a folder that cannot be written is a warning: the
    page is compiled in this process, as without the cache, and the run goes on."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            LOG.warning("compiled report templates not kept in %s: %s", self.directory, exc)


@lru_cache(maxsize=4)
def _environment(structures_dir: Path | None = None) -> Environment:
    """The templates' environment; given the structures folder, it keeps their compiled code
    there (Jinja2's bytecode cache, checked against each template's source): compiling the
    two pages took 0.09 s of every run."""
    cache = None
    if structures_dir is not None:
        folder = structures_dir / COMPILED_TEMPLATES_FOLDER
        try:
            folder.mkdir(parents=True, exist_ok=True)
            cache = _KeptTemplates(str(folder))
        except OSError as exc:
            LOG.warning("compiled report templates not kept in %s: %s", folder, exc)
    env = Environment(
        loader=PackageLoader("pipeline.report", "templates"),
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=cache,
    )
    env.filters.update(cell=cell, md=md, percent=percent, short=short)
    env.globals.update(
        bar_chart=bar_chart,
        review_csv_name=review_csv_name,
        SHOWN_ROWS=SHOWN_ROWS,
        SHOWN_CASES=SHOWN_CASES,
        STATUSES=STATUSES,
    )
    return env


def _context(report: dict) -> dict:
    final = finalize(report)
    checks = final["checks"]
    failed = [c for c in checks if c["status"] == "fail"]
    return {
        "r": final,
        "run": final["run"],
        "verdict": final["verdict"],
        "failed_checks": sorted(failed, key=lambda c: c["severity"] != "error"),
        "check_counts": {
            status: sum(c["status"] == status for c in checks)
            for status in ("pass", "fail", "skipped")
        },
        "queues": REVIEW_QUEUES,
        "language_bars": [
            (r["language"], r["mentions"]) for r in final["mentions"]["by_language_and_status"]
        ],
        "score_rows": _score_rows(final["mentions"]["score_histogram_by_status"]),
        "fuzzy_score_bars": [
            (f"{b['from']:g} to {b['to']:g}", b["count"])
            for b in final["mentions"]["varying_score_histogram"]
        ],
        "trend_charts": trend_charts(final["trends"]) if len(final["trends"]) > 1 else [],
        "matched_share": (
            final["mentions"]["by_status"].get("matched", 0) / final["mentions"]["total"]
            if final["mentions"]["total"]
            else None
        ),
    }


def to_json(report: dict) -> str:
    return json.dumps(finalize(report), ensure_ascii=False, indent=2, default=str) + "\n"


def to_markdown(report: dict, structures_dir: Path | None = None) -> str:
    template = _environment(structures_dir).get_template("report.md.j2")
    return template.render(_context(report))


def to_html(report: dict, structures_dir: Path | None = None) -> str:
    template = _environment(structures_dir).get_template("report.html.j2")
    return template.render(_context(report))


def _csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _csv_value(row.get(c)) for c in columns})
    return out.getvalue()


def _csv_value(value: Any) -> str:
    """Spreadsheet-safe text: a leading = + - @ would be read as a formula."""
    text = "" if _missing(value) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def review_csvs(report: dict) -> dict[str, str]:
    """One CSV per review queue, every row, with empty ``decision`` and ``note`` columns for the
    reviewer (``decision``: a ``paper_id``, or ``reject``)."""
    files = {}
    for queue in REVIEW_QUEUES:
        rows = [
            {
                **row,
                "candidates": "; ".join(
                    f"{c['paper_id']} {c['title'] or ''}".strip() for c in row["candidates"]
                ),
                "context": f"{row['context_before']}[[{row['surface']}]]{row['context_after']}",
            }
            for row in report["review"][queue]
        ]
        files[review_csv_name(queue)] = _csv(rows, REVIEW_CSV_COLUMNS)
    return files


def render(report: dict, structures_dir: Path | None = None) -> dict[str, str]:
    """Every file of the report, by name: written beside the tables. ``structures_dir``: where
    the compiled templates are kept (none: compiled in this process only)."""
    final = finalize(report)
    return {
        "report.json": to_json(final),
        "report.md": to_markdown(final, structures_dir),
        "report.html": to_html(final, structures_dir),
        "failure-cases.csv": _csv(all_failure_cases(final["checks"]), ["check", "table", "case"]),
        **review_csvs(final),
    }
