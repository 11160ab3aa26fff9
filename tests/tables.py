"""One document's candidates and decisions as tables, for tests that read them by column
(the pipeline passes them as plain rows: ``candidate_rows``, ``resolve_rows``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.language import document_language
from pipeline.link.candidates import CANDIDATE_COLUMNS, candidate_rows
from pipeline.link.matcher import Matcher
from pipeline.link.resolve import MENTION_COLUMNS, RUNNER_UP_COLUMNS, resolve_rows


def extract_mentions(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """``candidate_rows`` (same arguments; the document's language detected when not given)
    of one document as a table."""
    kwargs.setdefault("document_language", document_language(args[1]))
    return pd.DataFrame(candidate_rows(*args, **kwargs), columns=CANDIDATE_COLUMNS)


def resolve_document(frame: pd.DataFrame, matcher: Matcher) -> pd.DataFrame:
    """``resolve_rows`` of one document's candidates table, as a table (unsorted)."""
    names = frame.columns.tolist()
    rows = zip(*(frame[name].tolist() for name in names), strict=True)
    return pd.DataFrame(
        resolve_rows(names, list(rows), matcher), columns=MENTION_COLUMNS + RUNNER_UP_COLUMNS[1:]
    )
