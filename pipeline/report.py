"""The data-quality report of a run: one dict, rendered as JSON, Markdown and HTML.

The HTML page is self-contained (inline CSS and SVG, no scripts, nothing fetched) and every
piece of text taken from the sources is escaped.
"""

from __future__ import annotations

import html
import json
import platform
import re
from collections.abc import Mapping
from importlib import metadata
from typing import Any

import pandas as pd

SCORE_BINS = [0, 50, 60, 70, 80, 85, 90, 95, 100.01]
CONTEXT_CHARS = 60
MAX_REVIEW_ROWS = 200
NARROW_SCORE = 95.0
STATUSES = ("matched", "ambiguous", "unmatched")
# Installed versions recorded with every run: a changed number is the first thing to suspect.
VERSIONED_PACKAGES = (
    "pandas",
    "pandera",
    "pyarrow",
    "prefect",
    "rapidfuzz",
    "langdetect",
    "lingua-language-detector",
    "charset-normalizer",
)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    if frame.empty:
        return {}
    return {str(k): int(v) for k, v in frame[column].value_counts().sort_index().items()}


def _context(texts: Mapping[str, str], row: Any) -> str:
    text = texts.get(row.source_file, "")
    before = text[max(0, row.start - CONTEXT_CHARS) : row.start]
    after = text[row.end : row.end + CONTEXT_CHARS]
    return " ".join(f"{before}[[{row.surface}]]{after}".split())


def _review_rows(mentions: pd.DataFrame, texts: Mapping[str, str], status: str) -> list[dict]:
    rows = mentions[mentions["status"] == status].head(MAX_REVIEW_ROWS)
    return [
        {
            "source_file": r.source_file,
            "language": r.language,
            "kind": r.kind,
            "surface": r.surface,
            "score": float(r.score),
            "method": r.method,
            "candidates": list(r.candidates),
            "context": _context(texts, r),
        }
        for r in rows.itertuples()
    ]


def _score_histogram(mentions: pd.DataFrame, status: str = "matched") -> list[dict]:
    scores = mentions.loc[mentions["status"] == status, "score"]
    binned = pd.cut(scores, SCORE_BINS, right=False).value_counts(sort=False)
    return [
        {"from": float(interval.left), "to": min(float(interval.right), 100.0), "count": int(n)}
        for interval, n in binned.items()
    ]


def _narrow_matches(
    mentions: pd.DataFrame,
    texts: Mapping[str, str],
    runner_up: pd.DataFrame | None,
    narrow_margin: float,
) -> list[dict]:
    """Links that only just beat the runner-up title (or only just passed the threshold)."""
    matched = mentions[mentions["status"] == "matched"]
    if runner_up is None or runner_up.empty:
        rows = _review_rows(matched[matched["score"] < NARROW_SCORE], texts, "matched")
        return [{**r, "runner_up": None, "runner_up_score": None, "lead": None} for r in rows]
    joined = matched.merge(runner_up, on="mention_id", how="inner")
    joined["lead"] = (joined["score"] - joined["runner_up_score"]).round(2)
    narrow = joined[(joined["lead"] < narrow_margin) | (joined["score"] < NARROW_SCORE)]
    narrow = narrow.sort_values(["lead", "source_file", "start"], kind="stable")
    rows = _review_rows(narrow, texts, "matched")
    return [
        {
            **row,
            "paper_id": r.paper_id,
            "runner_up": r.runner_up,
            "runner_up_score": float(r.runner_up_score),
            "lead": float(r.lead),
        }
        for row, r in zip(rows, narrow.itertuples(), strict=False)
    ]


def _match_rate_by_language(mentions: pd.DataFrame) -> dict[str, float]:
    if mentions.empty:
        return {}
    rates = (mentions["status"] == "matched").groupby(mentions["language"]).mean()
    return {str(k): round(float(v), 4) for k, v in rates.sort_index().items()}


def _totals(tables: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    mentions = tables["mentions"]
    return {
        "documents": len(tables["documents"]),
        "mentions": len(mentions),
        "matched": int((mentions["status"] == "matched").sum()),
        "papers": len(tables["papers"]),
    }


def _document_changes(now: pd.DataFrame, before: pd.DataFrame) -> dict[str, list[str]]:
    sha_now = dict(zip(now["source_file"], now["sha256"], strict=True))
    sha_before = dict(zip(before["source_file"], before["sha256"], strict=True))
    return {
        "added": sorted(set(sha_now) - set(sha_before)),
        "removed": sorted(set(sha_before) - set(sha_now)),
        "changed": sorted(f for f in set(sha_now) & set(sha_before) if sha_now[f] != sha_before[f]),
    }


def _changes(
    current: dict[str, pd.DataFrame],
    previous: Mapping[str, pd.DataFrame],
    previous_error: str | None,
    previous_report: Mapping[str, Any] | None = None,
) -> dict:
    if previous_error:
        return {"previous": "unreadable", "error": previous_error}
    if not previous:
        return {"previous": None}
    now = set(current["papers"]["paper_id"])
    before = set(previous["papers"]["paper_id"])
    totals_before, totals_now = _totals(previous), _totals(current)
    per_source_now = current["mentions"].groupby("source_file").size()
    per_source_before = previous["mentions"].groupby("source_file").size()
    sources = sorted(set(per_source_now.index) | set(per_source_before.index))
    return {
        "previous": "read",
        "previous_run_id": (previous_report or {}).get("run", {}).get("run_id"),
        "totals": {
            key: {"before": totals_before[key], "now": totals_now[key]} for key in totals_now
        },
        "documents": _document_changes(current["documents"], previous["documents"]),
        "papers_added": sorted(now - before),
        "papers_removed": sorted(before - now),
        "match_rate_by_language": {
            "before": _match_rate_by_language(previous["mentions"]),
            "now": _match_rate_by_language(current["mentions"]),
        },
        "mentions_per_source": {
            s: {"before": int(per_source_before.get(s, 0)), "now": int(per_source_now.get(s, 0))}
            for s in sources
            if per_source_before.get(s, 0) != per_source_now.get(s, 0)
        },
    }


def build_report(
    run: Mapping[str, Any],
    tables: dict[str, pd.DataFrame],
    texts: Mapping[str, str],
    schema_failures: list[str],
    catalog_errors: list[str],
    previous: Mapping[str, pd.DataFrame],
    previous_error: str | None,
    *,
    runner_up: pd.DataFrame | None = None,
    previous_report: Mapping[str, Any] | None = None,
    narrow_margin: float = 10.0,
    manifest_errors: list[str] | None = None,
) -> dict:
    """Everything a reader checks after a run; ``runner_up`` holds the second-best title of
    each fuzzy title link (see ``pipeline.link.resolve``)."""
    documents, mentions, papers = tables["documents"], tables["mentions"], tables["papers"]
    rejected = documents[documents["status"] == "rejected"]
    outside = papers[~papers["in_catalog"]]
    return {
        "run": dict(run),
        "documents": {
            "read": int((documents["status"] == "ok").sum()),
            "rejected": [
                {"source_file": r.source_file, "error": r.error} for r in rejected.itertuples()
            ],
            "rejected_by_reason": _counts(
                rejected.assign(reason=rejected["error"].str.split(":").str[0]), "reason"
            ),
            "by_language": _counts(documents[documents["status"] == "ok"], "language"),
        },
        "mentions": {
            "total": len(mentions),
            "by_language": _counts(mentions, "language"),
            "by_kind": _counts(mentions, "kind"),
            "by_status": _counts(mentions, "status"),
            "by_method": _counts(mentions, "method"),
            "match_rate_by_language": _match_rate_by_language(mentions),
            "matched_score_histogram": _score_histogram(mentions),
            "score_histogram_by_status": {
                status: _score_histogram(mentions, status) for status in STATUSES
            },
            "by_language_and_status": language_rows(mentions),
        },
        "papers": {
            "total": len(papers),
            "in_catalog": int(papers["in_catalog"].sum()),
            "not_in_catalog": sorted(outside["paper_id"]),
            "not_in_catalog_detail": [
                {
                    "paper_id": r.paper_id,
                    "arxiv_id": r.arxiv_id,
                    "n_mentions": int(r.n_mentions),
                    "source_files": ", ".join(r.source_files),
                }
                for r in outside.sort_values("paper_id").itertuples()
            ],
        },
        "narrow_margin": narrow_margin,
        "narrow_matches": _narrow_matches(mentions, texts, runner_up, narrow_margin),
        "conflicts": _review_rows(
            mentions[mentions["method"].str.contains("conflict")], texts, "ambiguous"
        ),
        "review": {
            "ambiguous": _review_rows(mentions, texts, "ambiguous"),
            "unmatched": _review_rows(mentions, texts, "unmatched"),
        },
        "schema_failures": schema_failures,
        "catalog_errors": catalog_errors,
        "manifest_errors": list(manifest_errors or []),
        "changes": _changes(tables, previous, previous_error, previous_report),
    }


def language_rows(mentions: pd.DataFrame) -> list[dict]:
    """Per language: mentions by status and the match rate (also the Prefect table artifact)."""
    rows = []
    for language, group in mentions.groupby("language", sort=True):
        counts = group["status"].value_counts()
        row = {"language": str(language), "mentions": len(group)}
        row |= {status: int(counts.get(status, 0)) for status in STATUSES}
        row["match_rate"] = round(row["matched"] / len(group), 4)
        rows.append(row)
    return rows


def to_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"


# The Markdown and HTML pages are rendered from one list of blocks, so they cannot drift apart:
# ("h1"|"h2"|"h3"|"p", text), ("table", rows, columns), ("list", items), ("bars", label, items).
Block = tuple[Any, ...]

REVIEW_COLUMNS = [
    "source_file",
    "language",
    "kind",
    "surface",
    "score",
    "method",
    "candidates",
    "context",
]
NARROW_COLUMNS = [
    "source_file",
    "language",
    "surface",
    "paper_id",
    "score",
    "runner_up",
    "runner_up_score",
    "lead",
    "context",
]
LANGUAGE_COLUMNS = ["language", "mentions", *STATUSES, "match_rate"]


def _count_rows(counts: Mapping[str, int], label: str) -> list[dict]:
    return [{label: k, "count": v} for k, v in counts.items()]


def _run_blocks(run: Mapping[str, Any]) -> list[Block]:
    plain = {k: v for k, v in run.items() if k not in ("versions", "stage_seconds")}
    stages = run.get("stage_seconds", {})
    return [
        ("h2", "Run"),
        ("table", [{"key": k, "value": v} for k, v in plain.items()], ["key", "value"]),
        ("h3", "Versions"),
        (
            "table",
            [{"package": k, "version": v} for k, v in run.get("versions", {}).items()],
            ["package", "version"],
        ),
        ("h3", "Seconds per stage"),
        ("bars", "seconds per stage", list(stages.items())),
        ("table", [{"stage": k, "seconds": v} for k, v in stages.items()], ["stage", "seconds"]),
    ]


def _score_rows(by_status: Mapping[str, list[dict]]) -> list[dict]:
    matched = by_status.get("matched", [])
    return [
        {
            "score from": b["from"],
            "to": b["to"],
            **{s: by_status[s][i]["count"] for s in STATUSES if s in by_status},
        }
        for i, b in enumerate(matched)
    ]


def _change_blocks(changes: Mapping[str, Any]) -> list[Block]:
    blocks: list[Block] = [("h2", "Change against the previous run")]
    if changes["previous"] is None:
        return [*blocks, ("p", "First published run in this folder: nothing to compare.")]
    if changes["previous"] == "unreadable":
        return [*blocks, ("p", f"The previous dataset could not be read: {changes['error']}")]
    totals = [
        {"": key, "before": v["before"], "now": v["now"], "change": v["now"] - v["before"]}
        for key, v in changes["totals"].items()
    ]
    rates = changes["match_rate_by_language"]
    rate_rows = [
        {"language": lang, "before": rates["before"].get(lang), "now": rates["now"].get(lang)}
        for lang in sorted(set(rates["before"]) | set(rates["now"]))
    ]
    per_source = [{"source_file": s, **v} for s, v in changes["mentions_per_source"].items()]
    documents = changes["documents"]
    return [
        *blocks,
        ("p", f"Compared with run {changes.get('previous_run_id') or '(unknown)'}."),
        ("table", totals, ["", "before", "now", "change"]),
        ("h3", "Documents added, removed, changed"),
        (
            "list",
            [f"added: {f}" for f in documents["added"]]
            + [f"removed: {f}" for f in documents["removed"]]
            + [f"changed: {f}" for f in documents["changed"]],
        ),
        ("h3", "Papers added"),
        ("list", changes["papers_added"]),
        ("h3", "Papers removed"),
        ("list", changes["papers_removed"]),
        ("h3", "Match rate per language"),
        ("table", rate_rows, ["language", "before", "now"]),
        ("h3", "Mentions per source (changed only)"),
        ("table", per_source, ["source_file", "before", "now"]),
    ]


def report_blocks(report: dict) -> list[Block]:
    run, docs, ments, papers = (
        report["run"],
        report["documents"],
        report["mentions"],
        report["papers"],
    )
    by_language = ments["by_language_and_status"]
    return [
        ("h1", f"Data-quality report, run {run.get('run_id')}"),
        *_run_blocks(run),
        ("h2", "Documents"),
        ("p", f"{docs['read']} read, {len(docs['rejected'])} rejected."),
        ("table", _count_rows(docs["rejected_by_reason"], "reason"), ["reason", "count"]),
        ("table", docs["rejected"], ["source_file", "error"]),
        ("h3", "Documents by language"),
        ("table", _count_rows(docs["by_language"], "language"), ["language", "count"]),
        ("h2", "Mentions"),
        ("p", f"{ments['total']} mentions."),
        ("bars", "mentions by language", [(r["language"], r["mentions"]) for r in by_language]),
        ("h3", "By language and status"),
        ("table", by_language, LANGUAGE_COLUMNS),
        ("h3", "By kind"),
        ("table", _count_rows(ments["by_kind"], "kind"), ["kind", "count"]),
        ("h3", "By status"),
        ("table", _count_rows(ments["by_status"], "status"), ["status", "count"]),
        ("h3", "By method"),
        ("table", _count_rows(ments["by_method"], "method"), ["method", "count"]),
        ("h3", "Score distribution"),
        (
            "bars",
            "matched mentions by score",
            [(f"{b['from']:g}-{b['to']:g}", b["count"]) for b in ments["matched_score_histogram"]],
        ),
        ("table", _score_rows(ments["score_histogram_by_status"]), ["score from", "to", *STATUSES]),
        ("h2", "Narrow matches"),
        (
            "p",
            f"Title links less than {report['narrow_margin']:g} points ahead of the runner-up "
            f"title, or scored below {NARROW_SCORE:g}.",
        ),
        ("table", report["narrow_matches"], NARROW_COLUMNS),
        ("h2", "Links that contradict the written title"),
        ("table", report["conflicts"], REVIEW_COLUMNS),
        ("h2", "To review: ambiguous"),
        ("table", report["review"]["ambiguous"], REVIEW_COLUMNS),
        ("h2", "To review: unmatched"),
        ("table", report["review"]["unmatched"], REVIEW_COLUMNS),
        ("h2", "Papers"),
        ("p", f"{papers['total']} papers, {papers['in_catalog']} in the catalog."),
        ("h3", "Papers not in the catalog"),
        (
            "table",
            papers["not_in_catalog_detail"],
            ["paper_id", "arxiv_id", "n_mentions", "source_files"],
        ),
        ("h2", "Schema failures"),
        ("list", report["schema_failures"]),
        ("h2", "Catalog errors"),
        ("list", report["catalog_errors"]),
        ("h2", "Manifest errors"),
        ("list", report["manifest_errors"]),
        *_change_blocks(report["changes"]),
    ]


def _text(value: object) -> str:
    """A table cell's text: lists (candidates) as comma-separated ids."""
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def _md_cell(value: object) -> str:
    return _text(value).replace("|", "\\|").replace("\n", " ")


def _md_block(block: Block) -> str:
    kind = block[0]
    if kind in ("h1", "h2", "h3"):
        return "#" * int(kind[1]) + f" {block[1]}\n"
    if kind == "p":
        return f"{block[1]}\n"
    if kind == "list":
        return "".join(f"- {_md_cell(item)}\n" for item in block[1]) or "_none_\n"
    if kind == "table":
        rows, columns = block[1], block[2]
        if not rows:
            return "_none_\n"
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_md_cell(r.get(c, "")) for c in columns) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    return ""  # charts are HTML only; their numbers are in the tables beside them


def to_markdown(report: dict) -> str:
    return "\n".join(filter(None, (_md_block(b) for b in report_blocks(report))))


def _svg_bars(label: str, items: list[tuple[str, float]]) -> str:
    """A horizontal bar chart, one row per item; labels are escaped like all text."""
    if not items:
        return ""
    row, label_width, bar_width = 20, 150, 360
    top = max([float(v) for _, v in items] + [1e-9])
    shapes = []
    for i, (name, value) in enumerate(items):
        y = i * row
        width = bar_width * float(value) / top
        shapes.append(
            f'<text x="{label_width - 6}" y="{y + 14}" font-size="12" text-anchor="end">'
            f"{html.escape(str(name))}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{width:.1f}" height="{row - 6}" '
            f'fill="#4a7ab5"><title>{html.escape(str(name))}: {value:g}</title></rect>'
            f'<text x="{label_width + width + 4:.1f}" y="{y + 14}" font-size="11">{value:g}</text>'
        )
    width, height = label_width + bar_width + 60, row * len(items)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(label)}">{"".join(shapes)}</svg>'
    )


def _anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def _html_block(block: Block) -> str:
    esc = html.escape
    kind = block[0]
    if kind == "h2":
        return f'<h2 id="{_anchor(block[1])}">{esc(block[1])}</h2>'
    if kind in ("h1", "h3", "p"):
        return f"<{kind}>{esc(str(block[1]))}</{kind}>"
    if kind == "list":
        items = "".join(f"<li>{esc(str(item))}</li>" for item in block[1])
        return f"<ul>{items}</ul>" if items else "<p><em>none</em></p>"
    if kind == "table":
        rows, columns = block[1], block[2]
        if not rows:
            return "<p><em>none</em></p>"
        head = "".join(f"<th>{esc(c)}</th>" for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(_text(r.get(c, '')))}</td>" for c in columns) + "</tr>"
            for r in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if kind == "bars":
        return _svg_bars(block[1], block[2])
    return ""


STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}"
    "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}h2{border-bottom:1px solid #ddd;padding-top:1rem}"
    "svg{display:block;margin:.5rem 0}"
)


def to_html(report: dict) -> str:
    run_id = html.escape(str(report["run"].get("run_id")))
    blocks = report_blocks(report)
    contents = "".join(
        f'<li><a href="#{_anchor(b[1])}">{html.escape(b[1])}</a></li>'
        for b in blocks
        if b[0] == "h2"
    )
    body = _html_block(blocks[0]) + f"<nav><ul>{contents}</ul></nav>"
    body += "".join(_html_block(b) for b in blocks[1:])
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>paper-mentions report {run_id}</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def render(report: dict) -> dict[str, str]:
    return {
        "report.json": to_json(report),
        "report.md": to_markdown(report),
        "report.html": to_html(report),
    }
