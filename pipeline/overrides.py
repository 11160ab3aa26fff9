"""Reviewed decisions coming back: ``overrides.csv`` in the raw folder, applied by every run.

A reviewer fills the ``decision`` column of a ``review/*.csv`` file beside the report (a
catalog ``paper_id`` to link the mention to, or ``reject`` to unlink it) and copies the rows
into ``RAW/overrides.csv``; only ``mention_id`` and ``decision`` are read. A ``mention_id`` is
a hash of file, offsets and kind, so a decision follows its mention as long as the document
is unchanged; a decision whose mention or paper no longer exists is reported, never applied.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

OVERRIDES_NAME = "overrides.csv"
REJECT = "reject"
LINK_METHOD = "review_override"
REJECT_METHOD = "review_reject"


def read_overrides(raw_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """The decisions of ``RAW/overrides.csv`` (empty when there is none) and its errors."""
    path = raw_dir / OVERRIDES_NAME
    empty = pd.DataFrame(columns=["mention_id", "decision", "line"])
    if not path.is_file():
        return empty, []
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        return empty, [f"{OVERRIDES_NAME}: unreadable: {exc}"]
    missing = {"mention_id", "decision"} - set(frame.columns)
    if missing:
        return empty, [f"{OVERRIDES_NAME}: no {', '.join(sorted(missing))} column"]
    frame = frame.assign(
        mention_id=frame["mention_id"].str.strip(),
        decision=frame["decision"].str.strip(),
        line=range(2, len(frame) + 2),
    )[["mention_id", "decision", "line"]]
    frame = frame[frame["decision"] != ""]
    repeated = frame[frame["mention_id"].duplicated(keep="first")]
    errors = [
        f"{OVERRIDES_NAME} line {r.line}: mention {r.mention_id} decided twice; first kept"
        for r in repeated.itertuples()
    ]
    return frame.drop_duplicates("mention_id", keep="first").reset_index(drop=True), errors


def apply_overrides(
    mentions: pd.DataFrame, overrides: pd.DataFrame, catalog_papers: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """``mentions`` with the reviewed decisions applied (score 100, method ``review_override``
    or ``review_reject``), and an error for each decision that could not be applied."""
    if overrides.empty:
        return mentions, []
    arxiv_by_paper = catalog_papers.set_index("paper_id")["arxiv_id"]
    position = pd.Series(mentions.index, index=mentions["mention_id"])
    mentions = mentions.copy()
    for column in ("paper_id", "arxiv_id"):  # nulls as None, as pipeline.incremental gives them
        mentions[column] = mentions[column].astype(object).where(mentions[column].notna(), None)
    errors = []
    for row in overrides.itertuples():
        where = f"{OVERRIDES_NAME} line {row.line}"
        if row.mention_id not in position.index:
            errors.append(f"{where}: no mention {row.mention_id} in this run; not applied")
            continue
        if row.decision != REJECT and row.decision not in arxiv_by_paper.index:
            errors.append(f"{where}: {row.decision!r} is neither a catalog paper_id nor 'reject'")
            continue
        i = position[row.mention_id]
        if row.decision == REJECT:
            values = ["unmatched", None, None, REJECT_METHOD]
        else:
            arxiv_id = arxiv_by_paper[row.decision]
            arxiv_id = arxiv_id if isinstance(arxiv_id, str) else None
            values = ["matched", row.decision, arxiv_id, LINK_METHOD]
        for column, value in zip(["status", "paper_id", "arxiv_id", "method"], values, strict=True):
            mentions.at[i, column] = value
        mentions.at[i, "score"] = 100.0
        mentions.at[i, "candidates"] = []
    return mentions, errors
