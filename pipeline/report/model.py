"""The data-quality report of a run as one dict: what ``report.json`` holds and the pages show.

``build_report`` gathers the figures; ``finalize`` (called by every renderer, idempotent) puts
the verdict first, merging the verdict the build computed (``report["verdict"]``) with the
warnings of the drift rules, so each format says the same thing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.duplicates import duplicate_of
from pipeline.overrides import LINK_METHOD, REJECT_METHOD
from pipeline.report.checks import (
    duplicates_check,
    overrides_check,
    quarantine_check,
    schema_checks,
    validation_checks,
)
from pipeline.report.drift import (
    DriftPolicy,
    drift_checks,
    table_summary,
    trends,
)
from pipeline.versions import installed_versions

REPORT_FORMAT = 2
# Score bins of the histogram; exact scores of 100 (ids, aliases) get a bin of their own so
# the fuzzy scores below stay readable.
SCORE_BINS = [0, 50, 60, 70, 80, 85, 90, 95, 98, 100]
# Context shown around a surface, in display columns (a CJK character takes two).
CONTEXT_WIDTH = 80
NARROW_SCORE = 95.0
STATUSES = ("matched", "ambiguous", "unmatched")
DEFAULT_QUARANTINE_SHARE = 0.01
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
    return installed_versions(VERSIONED_PACKAGES)


def _counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    if frame.empty:
        return {}
    return {str(k): int(v) for k, v in frame[column].value_counts().sort_index().items()}


def display_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def clip(text: str, width: int, *, keep_end: bool) -> str:
    """At most ``width`` display columns of ``text``, from its end or its start."""
    chars = reversed(text) if keep_end else iter(text)
    kept, used = [], 0
    for char in chars:
        used += display_width(char)
        if used > width:
            break
        kept.append(char)
    clipped = "".join(reversed(kept) if keep_end else kept)
    if not clipped.strip():
        return ""
    # Runs of whitespace become one space; the space next to the surface stays.
    lead = " " if clipped[0].isspace() else ""
    trail = " " if clipped[-1].isspace() else ""
    return lead + " ".join(clipped.split()) + trail


def status_rows(mentions: pd.DataFrame, column: str) -> list[dict]:
    """Per value of ``column``: mentions by status and the match rate."""
    # One count per (value, status) for all values at once: a group per document cost
    # more than the rest of the report.
    counts = mentions.groupby([column, "status"], sort=True).size().unstack(fill_value=0)
    rows = []
    for key, row_counts in zip(counts.index, counts.to_dict("records"), strict=True):
        total = int(sum(row_counts.values()))
        row = {column: str(key), "mentions": total}
        row |= {status: int(row_counts.get(status, 0)) for status in STATUSES}
        row["match_rate"] = round(row["matched"] / total, 4)
        rows.append(row)
    return rows


def language_rows(mentions: pd.DataFrame) -> list[dict]:
    """Per language: mentions by status and the match rate (also the Prefect table artifact)."""
    return status_rows(mentions, "language")


def _title(titles: pd.Series | None, paper_id: Any) -> str | None:
    if titles is None or not isinstance(paper_id, str) or paper_id not in titles.index:
        return None
    return str(titles.loc[paper_id])


def _review_row(row: Any, texts: Mapping[str, str], titles: pd.Series | None) -> dict:
    text = texts.get(row.source_file, "")
    paper_id = row.paper_id if isinstance(row.paper_id, str) else None
    return {
        "mention_id": row.mention_id,
        "source_file": row.source_file,
        "start": int(row.start),
        "end": int(row.end),
        "language": row.language,
        "kind": row.kind,
        "status": row.status,
        "surface": row.surface,
        "score": float(row.score),
        "method": row.method,
        "paper_id": paper_id,
        "paper_title": _title(titles, paper_id),
        "candidates": [{"paper_id": c, "title": _title(titles, c)} for c in row.candidates],
        "context_before": clip(text[: row.start], CONTEXT_WIDTH // 2, keep_end=True),
        "context_after": clip(text[row.end :], CONTEXT_WIDTH // 2, keep_end=False),
    }


def _queue(frame: pd.DataFrame, texts: Mapping[str, str], titles: pd.Series | None) -> list[dict]:
    ordered = frame.sort_values(["source_file", "start", "mention_id"], kind="stable")
    return [_review_row(r, texts, titles) for r in ordered.itertuples()]


def _narrow_queue(
    mentions: pd.DataFrame,
    texts: Mapping[str, str],
    titles: pd.Series | None,
    runner_up: pd.DataFrame | None,
    narrow_margin: float,
) -> list[dict]:
    """Links that only just beat the runner-up title, or only just passed the threshold."""
    matched = mentions[mentions["status"] == "matched"]
    if runner_up is None or runner_up.empty:
        narrow = matched[matched["score"] < NARROW_SCORE].assign(
            runner_up=None, runner_up_score=float("nan"), lead=float("nan")
        )
    else:
        joined = matched.merge(runner_up, on="mention_id", how="inner")
        joined["lead"] = (joined["score"] - joined["runner_up_score"]).round(2)
        narrow = joined[(joined["lead"] < narrow_margin) | (joined["score"] < NARROW_SCORE)]
    narrow = narrow.sort_values(["lead", "source_file", "start"], kind="stable")
    rows = []
    for r in narrow.itertuples():
        runner = r.runner_up if isinstance(r.runner_up, str) else None
        rows.append(
            _review_row(r, texts, titles)
            | {
                "runner_up": runner,
                "runner_up_title": _title(titles, runner),
                "runner_up_score": None if pd.isna(r.runner_up_score) else float(r.runner_up_score),
                "lead": None if pd.isna(r.lead) else float(r.lead),
            }
        )
    return rows


def _score_histogram(mentions: pd.DataFrame, status: str) -> list[dict]:
    scores = mentions.loc[mentions["status"] == status, "score"]
    below = pd.cut(scores[scores < 100], SCORE_BINS, right=False).value_counts(sort=False)
    bins = [
        {"from": float(interval.left), "to": float(interval.right), "count": int(n)}
        for interval, n in below.items()
    ]
    return [*bins, {"from": 100.0, "to": 100.0, "count": int((scores >= 100).sum())}]


def _score_by_method(mentions: pd.DataFrame) -> list[dict]:
    """Per method: how many mentions and the spread of their scores (many methods give one
    fixed score, which would swamp a histogram)."""
    rows = []
    for method, scores in mentions.groupby("method", sort=True)["score"]:
        rows.append(
            {
                "method": str(method),
                "mentions": len(scores),
                "min": round(float(scores.min()), 2),
                "median": round(float(scores.median()), 2),
                "max": round(float(scores.max()), 2),
            }
        )
    return rows


def _varying_score_histogram(mentions: pd.DataFrame) -> list[dict]:
    """Matched mentions below 100 from methods whose scores vary: where thresholds matter."""
    spread = mentions.groupby("method")["score"].agg(lambda s: s.max() > s.min())
    varying = mentions[mentions["method"].map(spread).astype(bool)]
    return _score_histogram(varying, "matched")[:-1]


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


def _match_rates(mentions: pd.DataFrame) -> dict[str, float]:
    return {r["language"]: r["match_rate"] for r in language_rows(mentions)}


def _changes(
    current: Mapping[str, pd.DataFrame],
    previous: Mapping[str, pd.DataFrame],
    previous_error: str | None,
    previous_run_id: str | None,
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
        "previous_run_id": previous_run_id,
        "totals": {
            key: {"before": totals_before[key], "now": totals_now[key]} for key in totals_now
        },
        "documents": _document_changes(current["documents"], previous["documents"]),
        "papers_added": sorted(now - before),
        "papers_removed": sorted(before - now),
        "match_rate_by_language": {
            "before": _match_rates(previous["mentions"]),
            "now": _match_rates(current["mentions"]),
        },
        "mentions_per_source": {
            s: {"before": int(per_source_before.get(s, 0)), "now": int(per_source_now.get(s, 0))}
            for s in sources
            if per_source_before.get(s, 0) != per_source_now.get(s, 0)
        },
    }


def _duplicates(documents: pd.DataFrame, texts: Mapping[str, str]) -> list[dict]:
    """Duplicate documents: from the table's ``duplicate_of`` (schema version 2), else found
    from the texts."""
    if "duplicate_of" in documents:
        pairs = zip(documents["source_file"], documents["duplicate_of"], strict=True)
    else:
        pairs = duplicate_of(texts).items()
    return [{"source_file": str(f), "duplicate_of": str(d)} for f, d in pairs if isinstance(d, str)]


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
    titles: pd.Series | None = None,
    history: list[dict[str, Any]] | None = None,
    drift: DriftPolicy | None = None,
    quarantine_max_share: float = DEFAULT_QUARANTINE_SHARE,
    override_errors: list[str] | None = None,
) -> dict:
    """Everything a reader checks after a run.

    ``runner_up`` holds the second-best title of each fuzzy title link (``pipeline.link.resolve``);
    ``titles`` maps catalog ``paper_id`` to title (for review queues); ``history`` holds the
    summaries of the kept runs, oldest first (``drift.load_history``).
    """
    documents, mentions, papers = tables["documents"], tables["mentions"], tables["papers"]
    rejected = documents[documents["status"] == "rejected"]
    outside = papers.loc[~papers["in_catalog"].astype(bool)]
    previous_run_id = (previous_report or {}).get("run", {}).get("run_id")
    duplicates = _duplicates(documents, texts)
    history = list(history or [])
    run_summary = {
        **table_summary(tables),
        "run_id": run.get("run_id"),
        "created_at": run.get("created_at"),
        "seconds": round(sum(run.get("stage_seconds", {}).values()), 3),
    }
    checks = [
        *(
            row
            for name in ("documents", "mentions", "papers")
            for row in schema_checks(name, tables[name])
        ),
        *validation_checks(schema_failures),
        quarantine_check(0, len(mentions), quarantine_max_share),
        duplicates_check(duplicates),
        overrides_check(
            int(mentions["method"].isin([LINK_METHOD, REJECT_METHOD]).sum()),
            list(override_errors or []),
        ),
        *drift_checks(tables, previous, history, drift or DriftPolicy()),
    ]
    return {
        "format": REPORT_FORMAT,
        "run": dict(run),
        "links": {
            "output_folder": run.get("out_dir"),
            "run_folder": f"runs/{run.get('run_id')}",
            "tables": [f"{name}.parquet" for name in ("papers", "mentions", "documents")],
            "previous_report": f"runs/{previous_run_id}/report.html" if previous_run_id else None,
        },
        "checks": checks,
        "quarantine_max_share": quarantine_max_share,
        "documents": {
            "read": int((documents["status"] == "ok").sum()),
            "rejected": [
                {"source_file": r.source_file, "error": r.error} for r in rejected.itertuples()
            ],
            "rejected_by_reason": _counts(
                rejected.assign(reason=rejected["error"].str.split(":").str[0]), "reason"
            ),
            "by_language": _counts(documents[documents["status"] == "ok"], "language"),
            "duplicates": duplicates,
        },
        "mentions": {
            "total": len(mentions),
            "by_language": _counts(mentions, "language"),
            "by_kind": _counts(mentions, "kind"),
            "by_status": _counts(mentions, "status"),
            "by_method": _counts(mentions, "method"),
            "match_rate_by_language": _match_rates(mentions),
            "score_histogram_by_status": {
                status: _score_histogram(mentions, status) for status in STATUSES
            },
            "by_language_and_status": language_rows(mentions),
            "score_by_method": _score_by_method(mentions),
            "varying_score_histogram": _varying_score_histogram(mentions),
            "by_source": status_rows(mentions, "source_file"),
        },
        "papers": {
            "total": len(papers),
            "in_catalog": int(papers["in_catalog"].sum()),
            "not_in_catalog": [
                {
                    "paper_id": r.paper_id,
                    "arxiv_id": r.arxiv_id,
                    "n_mentions": int(r.n_mentions),
                    "source_files": list(r.source_files),
                }
                for r in outside.sort_values("paper_id").itertuples()
            ],
        },
        "narrow_margin": narrow_margin,
        "review": {
            "ambiguous": _queue(mentions[mentions["status"] == "ambiguous"], texts, titles),
            "unmatched": _queue(mentions[mentions["status"] == "unmatched"], texts, titles),
            "narrow": _narrow_queue(mentions, texts, titles, runner_up, narrow_margin),
            "conflicts": _queue(
                mentions[mentions["method"].str.contains("conflict")], texts, titles
            ),
        },
        "schema_failures": list(schema_failures),
        "catalog_errors": list(catalog_errors),
        "manifest_errors": list(manifest_errors or []),
        "changes": _changes(tables, previous, previous_error, previous_run_id),
        "drift_policy": (drift or DriftPolicy()).as_dict(),
        "trends": trends(history, run_summary),
    }


def _default_verdict(report: Mapping[str, Any]) -> dict:
    """The verdict when the build gave none: failures block, quarantined rows degrade."""
    failures = report.get("schema_failures", [])
    if failures:
        return {
            "status": "not published",
            "success": False,
            "reasons": list(failures),
            "warnings": [],
        }
    quarantined = len(report.get("quarantine", []))
    if quarantined:
        return {
            "status": "published, degraded",
            "success": True,
            "reasons": [f"{quarantined} rows quarantined"],
            "warnings": [],
        }
    return {"status": "published", "success": True, "reasons": [], "warnings": []}


def finalize(report: dict) -> dict:
    """The report with its verdict first: the build's verdict (or a default), the quarantine
    check from ``report["quarantine"]`` and every failed ``warn`` check among the warnings."""
    verdict = dict(report.get("verdict") or _default_verdict(report))
    quarantine = list(report.get("quarantine") or [])
    checks = [
        quarantine_check(
            len(quarantine),
            report["mentions"]["total"],
            report.get("quarantine_max_share", DEFAULT_QUARANTINE_SHARE),
        )
        if c["category"] == "quarantine"
        else c
        for c in report.get("checks", [])
    ]
    warnings = list(verdict.get("warnings") or [])
    for c in checks:
        note = f"{c['name']}: {c['message'] or c['observed']}"
        if c["severity"] == "warn" and c["status"] == "fail" and note not in warnings:
            warnings.append(note)
    verdict = {
        "status": verdict.get("status", "published"),
        "success": bool(verdict.get("success", verdict.get("status") != "not published")),
        "reasons": list(verdict.get("reasons") or []),
        "warnings": warnings,
    }
    links = dict(report.get("links", {}))
    if verdict["status"] == "not published":
        links["run_folder"] = f"failed/{report['run'].get('run_id')}"
        links["tables"] = []
    rest = {k: v for k, v in report.items() if k not in ("verdict", "success", "checks", "links")}
    return {
        "verdict": verdict,
        "success": verdict["success"],
        "checks": checks,
        "quarantine": quarantine,
        "links": links,
        **{k: v for k, v in rest.items() if k != "quarantine"},
    }
