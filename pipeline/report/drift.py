"""Change between runs: drift rules with thresholds, and the trends of the kept run history.

A run is summarised by its counts per source and per language, its match rates, the shares of
unmatched and ambiguous mentions, its papers and its run time. The current run is compared
with the previous run and with the median of the last ``history_runs`` runs; a breach is a
failed ``warn`` check (the dataset is still published) and a warning in the verdict.
History is read from each kept run's ``report.json``, so it needs no Parquet reading.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.report.checks import check
from pipeline.write import RUNS

STATUSES = ("matched", "ambiguous", "unmatched")


@dataclass(frozen=True)
class DriftPolicy:
    """Thresholds of the drift rules (settings ``drift_*``; see the README)."""

    # A source's or language's mention count may fall by at most this share.
    max_drop_share: float = 0.10
    # A match rate may fall, and the unmatched or ambiguous share rise, by at most this much.
    max_rate_drop: float = 0.05
    # Papers added or removed since the previous run, as a share of its papers.
    max_papers_change_share: float = 0.10
    # Documents of the previous run that may be missing from this one.
    max_documents_removed: int = 0
    # Runs whose median is the second baseline.
    history_runs: int = 7
    # Groups smaller than this (in the baseline) are not judged on shares and rates.
    min_mentions: int = 20

    @classmethod
    def from_settings(cls, settings: Any) -> DriftPolicy:
        return cls(
            max_drop_share=settings.drift_max_drop_share,
            max_rate_drop=settings.drift_max_rate_drop,
            max_papers_change_share=settings.drift_max_papers_change_share,
            max_documents_removed=settings.drift_max_documents_removed,
            history_runs=settings.drift_history_runs,
            min_mentions=settings.drift_min_mentions,
        )

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _groups(mentions: pd.DataFrame, column: str) -> dict[str, dict[str, float]]:
    matched = (mentions["status"] == "matched").groupby(mentions[column], sort=True)
    sizes, rates = matched.size(), matched.mean()
    return {
        str(key): {"mentions": int(size), "match_rate": round(float(rate), 4)}
        for key, size, rate in zip(sizes.index, sizes.tolist(), rates.tolist(), strict=True)
    }


def table_summary(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The figures the drift rules compare, from a run's tables."""
    mentions = tables["mentions"]
    total = len(mentions)
    counts = mentions["status"].value_counts()
    return {
        "mentions": total,
        "papers": len(tables["papers"]),
        "by_source": _groups(mentions, "source_file"),
        "by_language": _groups(mentions, "language"),
        "status_share": {
            s: round(int(counts.get(s, 0)) / total, 4) if total else 0.0 for s in STATUSES
        },
    }


def report_summary(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """The same figures from a kept ``report.json`` (older reports lack some; None when it
    cannot be read as a report)."""
    try:
        mentions = report["mentions"]
        total = int(mentions["total"])
        by_status = mentions["by_status"]
        by_language = {
            r["language"]: {"mentions": r["mentions"], "match_rate": r["match_rate"]}
            for r in mentions["by_language_and_status"]
        }
        by_source = {
            r["source_file"]: {"mentions": r["mentions"], "match_rate": r["match_rate"]}
            for r in mentions.get("by_source", [])
        }
        return {
            "run_id": report["run"]["run_id"],
            "created_at": report["run"].get("created_at"),
            "seconds": round(sum(report["run"].get("stage_seconds", {}).values()), 3),
            "mentions": total,
            "papers": int(report["papers"]["total"]),
            "by_source": by_source,
            "by_language": by_language,
            "status_share": {
                s: round(by_status.get(s, 0) / total, 4) if total else 0.0 for s in STATUSES
            },
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def load_history(out_dir: Path) -> list[dict[str, Any]]:
    """Summaries of the published runs kept in ``out_dir``, oldest first; unreadable ones are
    left out."""
    runs = out_dir / RUNS
    if not runs.is_dir():
        return []
    summaries = []
    for folder in sorted(p for p in runs.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            report = json.loads((folder / "report.json").read_text("utf-8"))
        except (OSError, ValueError):
            continue
        summary = report_summary(report) if isinstance(report, dict) else None
        if summary:
            summaries.append(summary)
    return summaries


def _median_baseline(history: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Median per group and figure over the given runs (a group absent from a run counts 0)."""
    baseline: dict[str, Any] = {"by_source": {}, "by_language": {}, "status_share": {}}
    for kind in ("by_source", "by_language"):
        keys = sorted({k for run in history for k in run[kind]})
        for key in keys:
            runs = [run[kind].get(key, {"mentions": 0, "match_rate": None}) for run in history]
            rates = [r["match_rate"] for r in runs if r["match_rate"] is not None]
            baseline[kind][key] = {
                "mentions": statistics.median(r["mentions"] for r in runs),
                "match_rate": statistics.median(rates) if rates else None,
            }
    for status in STATUSES:
        baseline["status_share"][status] = statistics.median(
            run["status_share"][status] for run in history
        )
    return baseline


def _pct(value: float) -> str:
    return f"{100 * value:+.1f} %"


def _count_rule(
    kind: str, label: str, now: Mapping, before: Mapping, baseline: str, policy: DriftPolicy
) -> dict:
    breaches = []
    for key, old in sorted(before[kind].items()):
        if old["mentions"] < policy.min_mentions:
            continue
        new = now[kind].get(key, {"mentions": 0})["mentions"]
        change = (new - old["mentions"]) / old["mentions"]
        if -change > policy.max_drop_share:
            breaches.append(
                {label: key, "before": old["mentions"], "now": new, "change": _pct(change)}
            )
    return check(
        f"mentions per {label} vs {baseline}",
        "drift",
        not breaches,
        severity="warn",
        observed=f"{len(breaches)} of {len(before[kind])} {label}s fell",
        threshold=f"drop ≤ {100 * policy.max_drop_share:g} %",
        message="; ".join(
            f"{b[label]}: {b['before']:g} → {b['now']:g} ({b['change']})" for b in breaches
        ),
        failure_cases=breaches,
    )


def _rate_rule(
    kind: str, label: str, now: Mapping, before: Mapping, baseline: str, policy: DriftPolicy
) -> dict:
    breaches = []
    for key, old in sorted(before[kind].items()):
        new = now[kind].get(key)
        if old["mentions"] < policy.min_mentions or not new or old["match_rate"] is None:
            continue
        drop = old["match_rate"] - new["match_rate"]
        if drop > policy.max_rate_drop:
            breaches.append(
                {
                    label: key,
                    "before": old["match_rate"],
                    "now": new["match_rate"],
                    "change": _pct(-drop),
                }
            )
    return check(
        f"match rate per {label} vs {baseline}",
        "drift",
        not breaches,
        severity="warn",
        observed=f"{len(breaches)} of {len(before[kind])} {label}s fell",
        threshold=f"drop ≤ {100 * policy.max_rate_drop:g} points",
        message="; ".join(f"{b[label]}: {b['before']:.3f} → {b['now']:.3f}" for b in breaches),
        failure_cases=breaches,
    )


def _share_rule(now: Mapping, before: Mapping, baseline: str, policy: DriftPolicy) -> dict:
    breaches = [
        {"status": s, "before": before["status_share"][s], "now": now["status_share"][s]}
        for s in ("unmatched", "ambiguous")
        if now["status_share"][s] - before["status_share"][s] > policy.max_rate_drop
    ]
    return check(
        f"share of unmatched and ambiguous vs {baseline}",
        "drift",
        not breaches,
        severity="warn",
        observed=", ".join(f"{s} {now['status_share'][s]:.3f}" for s in ("unmatched", "ambiguous")),
        threshold=f"rise ≤ {100 * policy.max_rate_drop:g} points",
        message="; ".join(f"{b['status']}: {b['before']:.3f} → {b['now']:.3f}" for b in breaches),
        failure_cases=breaches,
    )


def _skipped(name: str, reason: str) -> dict:
    row = check(name, "drift", True, severity="warn", message=reason)
    return row | {"status": "skipped"}


def drift_checks(
    current: Mapping[str, pd.DataFrame],
    previous: Mapping[str, pd.DataFrame],
    history: Sequence[Mapping[str, Any]],
    policy: DriftPolicy,
) -> list[dict]:
    """The drift rules against the previous run (its tables) and the median of the last
    ``policy.history_runs`` kept runs (their reports)."""
    now = table_summary(current)
    rows: list[dict] = []
    if previous:
        before = table_summary(previous)
        rows += [
            _count_rule("by_source", "source", now, before, "previous run", policy),
            _count_rule("by_language", "language", now, before, "previous run", policy),
            _rate_rule("by_source", "source", now, before, "previous run", policy),
            _rate_rule("by_language", "language", now, before, "previous run", policy),
            _share_rule(now, before, "previous run", policy),
            *_paper_and_document_rules(current, previous, policy),
        ]
    else:
        rows.append(_skipped("drift vs previous run", "no previous run to compare with"))
    recent = list(history)[-policy.history_runs :]
    if len(recent) >= 2:
        label = f"median of last {len(recent)} runs"
        median = _median_baseline(recent)
        rows += [
            _count_rule("by_source", "source", now, median, label, policy),
            _count_rule("by_language", "language", now, median, label, policy),
            _rate_rule("by_source", "source", now, median, label, policy),
            _rate_rule("by_language", "language", now, median, label, policy),
            _share_rule(now, median, label, policy),
        ]
    else:
        rows.append(_skipped("drift vs median of recent runs", f"{len(recent)} kept runs; needs 2"))
    return rows


def _paper_and_document_rules(
    current: Mapping[str, pd.DataFrame], previous: Mapping[str, pd.DataFrame], policy: DriftPolicy
) -> list[dict]:
    now, before = set(current["papers"]["paper_id"]), set(previous["papers"]["paper_id"])
    base = max(len(before), 1)
    rows = []
    for name, ids in (("removed", sorted(before - now)), ("added", sorted(now - before))):
        share = len(ids) / base
        rows.append(
            check(
                f"papers {name} since previous run",
                "drift",
                share <= policy.max_papers_change_share,
                severity="warn",
                observed=f"{len(ids)} ({100 * share:.1f} %)",
                threshold=f"≤ {100 * policy.max_papers_change_share:g} % of previous papers",
                message=", ".join(ids[:20])
                + (f" and {len(ids) - 20} more" if len(ids) > 20 else ""),
                failure_cases=[{"paper_id": p} for p in ids]
                if share > policy.max_papers_change_share
                else [],
            )
        )
    gone = sorted(
        set(previous["documents"]["source_file"]) - set(current["documents"]["source_file"])
    )
    rows.append(
        check(
            "documents disappeared since previous run",
            "drift",
            len(gone) <= policy.max_documents_removed,
            severity="warn",
            observed=len(gone),
            threshold=policy.max_documents_removed,
            message=", ".join(gone),
            failure_cases=[{"source_file": f} for f in gone],
        )
    )
    return rows


def trends(history: Sequence[Mapping[str, Any]], current: Mapping[str, Any]) -> list[dict]:
    """One point per kept run and the current one, oldest first: what the trend charts draw."""
    points = [h for h in history if h["run_id"] != current["run_id"]] + [current]
    return [
        {
            "run_id": p["run_id"],
            "created_at": p.get("created_at"),
            "mentions": p["mentions"],
            "papers": p["papers"],
            "seconds": p.get("seconds"),
            "match_rate_by_language": {k: v["match_rate"] for k, v in p["by_language"].items()},
        }
        for p in points
    ]
