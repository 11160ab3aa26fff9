"""Linking mentions to catalog papers, one module per kind of evidence.

``ids`` (arXiv ids and links), ``names`` (aliases), ``titles`` (English titles, fuzzy, over
``title_index``), ``translated`` (titles in the page's language, through ``terms``),
``descriptions`` and ``authors``; ``candidates`` finds the spans, ``resolve`` decides them,
``policy`` holds every threshold, ``decision`` what a decision is.
"""

from pipeline.link.candidates import CANDIDATE_COLUMNS, candidate_rows
from pipeline.link.matcher import Matcher, build_matcher
from pipeline.link.policy import LinkPolicy
from pipeline.link.resolve import (
    MENTION_COLUMNS,
    RUNNER_UP_COLUMNS,
    mentions_table,
    resolve_rows,
    runner_up_scores,
)
from pipeline.link.terms import load_term_tables, term_files

__all__ = [
    "CANDIDATE_COLUMNS",
    "MENTION_COLUMNS",
    "RUNNER_UP_COLUMNS",
    "LinkPolicy",
    "Matcher",
    "build_matcher",
    "candidate_rows",
    "load_term_tables",
    "mentions_table",
    "resolve_rows",
    "runner_up_scores",
    "term_files",
]
