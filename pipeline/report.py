"""The data-quality report of a run: one dict, rendered as JSON, Markdown and HTML.

The HTML page is self-contained (inline CSS and SVG, no scripts, nothing fetched) and every
piece of text taken from the sources is escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

SCORE_BINS = [0, 50, 60, 70, 80, 85, 90, 95, 100.01]
CONTEXT_CHARS = 60
MAX_REVIEW_ROWS = 200
NARROW_SCORE = 95.0


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


def _score_histogram(mentions: pd.DataFrame) -> list[dict]:
    matched = mentions.loc[mentions["status"] == "matched", "score"]
    binned = pd.cut(matched, SCORE_BINS, right=False).value_counts(sort=False)
    return [
        {"from": float(interval.left), "to": min(float(interval.right), 100.0), "count": int(n)}
        for interval, n in binned.items()
    ]


def _match_rate_by_language(mentions: pd.DataFrame) -> dict[str, float]:
    if mentions.empty:
        return {}
    rates = (mentions["status"] == "matched").groupby(mentions["language"]).mean()
    return {str(k): round(float(v), 4) for k, v in rates.sort_index().items()}


def _changes(
    current: dict[str, pd.DataFrame],
    previous: Mapping[str, pd.DataFrame],
    previous_error: str | None,
) -> dict:
    if previous_error:
        return {"previous": "unreadable", "error": previous_error}
    if not previous:
        return {"previous": None}
    now = set(current["papers"]["paper_id"])
    before = set(previous["papers"]["paper_id"])
    per_source_now = current["mentions"].groupby("source_file").size()
    per_source_before = previous["mentions"].groupby("source_file").size()
    sources = sorted(set(per_source_now.index) | set(per_source_before.index))
    return {
        "previous": "read",
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
    manifest_errors: list[str] | None = None,
) -> dict:
    documents, mentions, papers = tables["documents"], tables["mentions"], tables["papers"]
    rejected = documents[documents["status"] == "rejected"]
    matched = mentions[mentions["status"] == "matched"]
    return {
        "run": dict(run),
        "documents": {
            "read": int((documents["status"] == "ok").sum()),
            "rejected": [
                {"source_file": r.source_file, "error": r.error} for r in rejected.itertuples()
            ],
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
        },
        "papers": {
            "total": len(papers),
            "in_catalog": int(papers["in_catalog"].sum()),
            "not_in_catalog": sorted(papers.loc[~papers["in_catalog"], "paper_id"]),
        },
        "narrow_matches": _review_rows(matched[matched["score"] < NARROW_SCORE], texts, "matched"),
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
        "changes": _changes(tables, previous, previous_error),
    }


def to_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"


def _md_table(rows: list[dict], columns: list[str]) -> str:
    if not rows:
        return "_none_\n"

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _count_rows(counts: Mapping[str, int], label: str) -> list[dict]:
    return [{label: k, "count": v} for k, v in counts.items()]


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


def to_markdown(report: dict) -> str:
    run, docs, ments, papers = (
        report["run"],
        report["documents"],
        report["mentions"],
        report["papers"],
    )
    parts = [
        f"# Data-quality report, run {run.get('run_id')}\n",
        _md_table([{"key": k, "value": v} for k, v in run.items()], ["key", "value"]),
        f"\n## Documents\n\n{docs['read']} read, {len(docs['rejected'])} rejected.\n\n",
        _md_table(docs["rejected"], ["source_file", "error"]),
        f"\n## Mentions\n\n{ments['total']} mentions.\n\n### By language\n\n",
        _md_table(_count_rows(ments["by_language"], "language"), ["language", "count"]),
        "\n### By kind\n\n",
        _md_table(_count_rows(ments["by_kind"], "kind"), ["kind", "count"]),
        "\n### By status\n\n",
        _md_table(_count_rows(ments["by_status"], "status"), ["status", "count"]),
        "\n### By method\n\n",
        _md_table(_count_rows(ments["by_method"], "method"), ["method", "count"]),
        "\n### Matched scores\n\n",
        _md_table(ments["matched_score_histogram"], ["from", "to", "count"]),
        f"\n## Papers\n\n{papers['total']} papers, {papers['in_catalog']} in the catalog. "
        f"Not in the catalog: {', '.join(papers['not_in_catalog']) or 'none'}.\n",
        "\n## Narrow matches\n\n",
        _md_table(report["narrow_matches"], REVIEW_COLUMNS),
        "\n## Links that contradict the written title\n\n",
        _md_table(report["conflicts"], REVIEW_COLUMNS),
        "\n## To review: ambiguous\n\n",
        _md_table(report["review"]["ambiguous"], REVIEW_COLUMNS),
        "\n## To review: unmatched\n\n",
        _md_table(report["review"]["unmatched"], REVIEW_COLUMNS),
        "\n## Schema failures\n\n",
        "".join(f"- {f}\n" for f in report["schema_failures"]) or "_none_\n",
        "\n## Catalog errors\n\n",
        "".join(f"- {e}\n" for e in report["catalog_errors"]) or "_none_\n",
        "\n## Manifest errors\n\n",
        "".join(f"- {e}\n" for e in report.get("manifest_errors", [])) or "_none_\n",
        "\n## Change against the previous run\n\n```json\n",
        json.dumps(report["changes"], ensure_ascii=False, indent=2),
        "\n```\n",
    ]
    return "".join(parts)


def _svg_bars(bins: list[dict]) -> str:
    width, height, gap = 480, 160, 6
    top = max([b["count"] for b in bins] + [1])
    bar = (width - gap * (len(bins) + 1)) / max(len(bins), 1)
    shapes = []
    for i, b in enumerate(bins):
        h = (height - 30) * b["count"] / top
        x = gap + i * (bar + gap)
        shapes.append(
            f'<rect x="{x:.1f}" y="{height - 20 - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="#4a7ab5"><title>{b["from"]:g}-{b["to"]:g}: {b["count"]}</title></rect>'
            f'<text x="{x + bar / 2:.1f}" y="{height - 6}" font-size="10" text-anchor="middle">'
            f"{b['from']:g}</text>"
            f'<text x="{x + bar / 2:.1f}" y="{height - 24 - h:.1f}" font-size="10" '
            f'text-anchor="middle">{b["count"]}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="matched score distribution">{"".join(shapes)}</svg>'
    )


def _html_table(rows: list[dict], columns: list[str]) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}"
    "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}h2{border-bottom:1px solid #ddd;padding-top:1rem}"
)


def to_html(report: dict) -> str:
    run, docs, ments, papers = (
        report["run"],
        report["documents"],
        report["mentions"],
        report["papers"],
    )
    esc = html.escape
    sections = [
        f"<h1>Data-quality report, run {esc(str(run.get('run_id')))}</h1>",
        _html_table([{"key": k, "value": v} for k, v in run.items()], ["key", "value"]),
        f"<h2>Documents</h2><p>{docs['read']} read, {len(docs['rejected'])} rejected.</p>",
        _html_table(docs["rejected"], ["source_file", "error"]),
        f"<h2>Mentions</h2><p>{ments['total']} mentions.</p>",
        "<h3>By language</h3>",
        _html_table(_count_rows(ments["by_language"], "language"), ["language", "count"]),
        "<h3>By kind</h3>",
        _html_table(_count_rows(ments["by_kind"], "kind"), ["kind", "count"]),
        "<h3>By status</h3>",
        _html_table(_count_rows(ments["by_status"], "status"), ["status", "count"]),
        "<h3>By method</h3>",
        _html_table(_count_rows(ments["by_method"], "method"), ["method", "count"]),
        "<h3>Matched scores</h3>",
        _svg_bars(ments["matched_score_histogram"]),
        f"<h2>Papers</h2><p>{papers['total']} papers, {papers['in_catalog']} in the catalog.</p>",
        "<p>Not in the catalog: " + esc(", ".join(papers["not_in_catalog"]) or "none") + "</p>",
        "<h2>Narrow matches</h2>",
        _html_table(report["narrow_matches"], REVIEW_COLUMNS),
        "<h2>Links that contradict the written title</h2>",
        _html_table(report["conflicts"], REVIEW_COLUMNS),
        "<h2>To review: ambiguous</h2>",
        _html_table(report["review"]["ambiguous"], REVIEW_COLUMNS),
        "<h2>To review: unmatched</h2>",
        _html_table(report["review"]["unmatched"], REVIEW_COLUMNS),
        "<h2>Schema failures</h2>",
        "<ul>" + "".join(f"<li>{esc(f)}</li>" for f in report["schema_failures"]) + "</ul>",
        "<h2>Catalog errors</h2>",
        "<ul>" + "".join(f"<li>{esc(e)}</li>" for e in report["catalog_errors"]) + "</ul>",
        "<h2>Manifest errors</h2>",
        "<ul>" + "".join(f"<li>{esc(e)}</li>" for e in report.get("manifest_errors", [])) + "</ul>",
        "<h2>Change against the previous run</h2><pre>"
        + esc(json.dumps(report["changes"], ensure_ascii=False, indent=2))
        + "</pre>",
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>paper-mentions report {esc(str(run.get('run_id')))}</title>"
        f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>\n"
    )


def render(report: dict) -> dict[str, str]:
    return {
        "report.json": to_json(report),
        "report.md": to_markdown(report),
        "report.html": to_html(report),
    }
