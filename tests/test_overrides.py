from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.overrides import apply_overrides, read_overrides

CATALOG = pd.DataFrame(
    {"paper_id": ["arxiv:1706.03762", "ref:hochreiter1997-lstm"], "arxiv_id": ["1706.03762", None]}
)


def _mentions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mention_id": ["m1", "m2", "m3"],
            "status": ["ambiguous", "matched", "unmatched"],
            "paper_id": [None, "arxiv:1706.03762", None],
            "arxiv_id": [None, "1706.03762", None],
            "score": [95.0, 91.0, 40.0],
            "method": ["alias_shared", "title_fuzzy", "title_fuzzy"],
            "candidates": [["arxiv:1706.03762", "ref:hochreiter1997-lstm"], [], []],
        }
    )


def test_reviewed_decisions_link_or_unlink_mentions(tmp_path: Path) -> None:
    (tmp_path / "overrides.csv").write_text(
        "mention_id,source_file,decision,note\n"
        "m1,a.txt,ref:hochreiter1997-lstm,checked\n"
        "m2,a.txt,reject,\n"
        "m3,a.txt,,not decided yet\n"
        "m9,a.txt,reject,\n"
        "m3,a.txt,arxiv:9999.99999,\n"
    )
    overrides, errors = read_overrides(tmp_path)
    assert errors == []
    mentions, not_applied = apply_overrides(_mentions(), overrides, CATALOG)
    first = mentions.iloc[0]
    assert (first["status"], first["paper_id"], first["arxiv_id"]) == (
        "matched",
        "ref:hochreiter1997-lstm",
        None,
    )
    assert first["method"] == "review_override" and first["candidates"] == []
    second = mentions.iloc[1]
    assert second["status"] == "unmatched" and second["paper_id"] is None
    assert mentions.iloc[2]["status"] == "unmatched" and mentions.iloc[2]["score"] == 40.0
    assert not_applied == [
        "overrides.csv line 5: no mention m9 in this run; not applied",
        "overrides.csv line 6: 'arxiv:9999.99999' is neither a catalog paper_id nor 'reject'",
    ]


def test_no_file_means_no_change_and_bad_files_are_named(tmp_path: Path) -> None:
    overrides, errors = read_overrides(tmp_path)
    assert overrides.empty and errors == []
    mentions, not_applied = apply_overrides(_mentions(), overrides, CATALOG)
    assert mentions.equals(_mentions()) and not_applied == []
    (tmp_path / "overrides.csv").write_text("id,choice\nm1,reject\n")
    assert read_overrides(tmp_path)[1] == ["overrides.csv: no decision, mention_id column"]
    (tmp_path / "overrides.csv").write_text("mention_id,decision\nm1,reject\nm1,arxiv:1\n")
    overrides, errors = read_overrides(tmp_path)
    assert len(overrides) == 1 and errors == [
        "overrides.csv line 3: mention m1 decided twice; first kept"
    ]
