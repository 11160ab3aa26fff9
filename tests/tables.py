"""One document's candidates and decisions as tables, for tests that read them by column
(the pipeline passes them as plain rows: ``candidate_rows``, ``resolve_rows``)."""

from __future__ import annotations

import pandas as pd

from pipeline.language import Segment
from pipeline.link.candidates import CANDIDATE_COLUMNS, candidate_rows
from pipeline.link.matcher import Matcher
from pipeline.link.names import NameTable
from pipeline.link.policy import DEFAULT_POLICY, LinkPolicy
from pipeline.link.resolve import MENTION_COLUMNS, RUNNER_UP_COLUMNS, resolve_rows
from pipeline.link.titles import TitleKeys


def extract_mentions(
    source_file: str,
    text: str,
    segments: list[Segment],
    names: NameTable | None,
    policy: LinkPolicy = DEFAULT_POLICY,
    titles: TitleKeys | None = None,
) -> pd.DataFrame:
    """``candidate_rows`` of one document as a table."""
    rows = candidate_rows(source_file, text, segments, names, policy, titles)
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


def resolve_document(frame: pd.DataFrame, matcher: Matcher) -> pd.DataFrame:
    """``resolve_rows`` of one document's candidates table, as a table (unsorted)."""
    names = frame.columns.tolist()
    rows = zip(*(frame[name].tolist() for name in names), strict=True)
    return pd.DataFrame(
        resolve_rows(names, list(rows), matcher), columns=MENTION_COLUMNS + RUNNER_UP_COLUMNS[1:]
    )
