"""How far each fuzzy title link is ahead of its runner-up.

A link that only narrowly beat another catalog title is the one most worth a reviewer's look;
the mentions table keeps only the winner, so the runner-up is looked up again here.
"""

from __future__ import annotations

import pandas as pd

from pipeline.match import Matcher

FUZZY_TITLE_METHODS = ("title_fuzzy", "title_fuzzy_name_prefix")
RUNNER_UP_COLUMNS = ["mention_id", "runner_up", "runner_up_score"]


def runner_up_scores(mentions: pd.DataFrame, matcher: Matcher) -> pd.DataFrame:
    """mention_id, runner_up (paper id or None) and its score, for every fuzzy title link."""
    linked = mentions[
        (mentions["status"] == "matched") & mentions["method"].isin(FUZZY_TITLE_METHODS)
    ]
    rows = []
    for row in linked.itertuples():
        others = [(pid, s) for pid, s in matcher.titles.search(row.surface) if pid != row.paper_id]
        runner_up, score = others[0] if others else (None, 0.0)
        rows.append((row.mention_id, runner_up, round(float(score), 2)))
    return pd.DataFrame(rows, columns=RUNNER_UP_COLUMNS)
