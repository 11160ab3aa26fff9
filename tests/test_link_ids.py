"""arXiv ids in every written and linked form, and Papers with Code slugs."""

from __future__ import annotations

import pytest

from pipeline.link import ids
from pipeline.link.ids import (
    arxiv_year_month,
    canonical_arxiv_id,
    find_arxiv_ids,
    find_paperswithcode_slugs,
    slug_titles,
)

# find_arxiv_ids


@pytest.mark.parametrize(
    ("written", "arxiv_id"),
    [
        ("https://arxiv.org/abs/1706.03762", "1706.03762"),
        ("arxiv.org/pdf/2304.01373.pdf", "2304.01373"),
        ("https://arxiv/pdf/2108.04106.pdf", "2108.04106"),
        ("arXiv:2205.01068", "2205.01068"),
        ("arXiv preprint arXiv:2205.11916", "2205.11916"),
        ("https://arxiv.org/abs/2304.01373v2", "2304.01373"),
        ("arXiv:cs/0501001", "cs/0501001"),
        ("https://arxiv.org/abs/math.GT/0309136", "math/0309136"),
        ("arXiv：2303.08774", "2303.08774"),
        ("abs/1409.0473", "1409.0473"),
    ],
)
def test_find_arxiv_ids_written_forms(written: str, arxiv_id: str) -> None:
    text = f"见论文 {written} 以及其他"
    found = list(find_arxiv_ids(text))
    assert len(found) == 1
    start, end, normalised = found[0]
    assert normalised == arxiv_id
    assert text[start:end] == written


def test_find_arxiv_ids_offset_is_added() -> None:
    line = "Opt: ... arXiv preprint arXiv:2205.01068, 2022"
    (start, end, arxiv_id), *_ = find_arxiv_ids(line, offset=100)
    assert arxiv_id == "2205.01068"
    assert (start, end) == (100 + line.index("arXiv preprint"), 100 + line.index(","))


def test_a_year_run_into_an_arxiv_citation_is_no_obstacle() -> None:
    found = list(find_arxiv_ids("Public: arXiv:1912.13318, 2020arXiv:2012.14740, 2021"))
    assert [f[2] for f in found] == ["1912.13318", "2012.14740"]
    assert list(find_arxiv_ids("Xarxiv:2012.14740")) == []


def test_find_arxiv_ids_several_in_one_line() -> None:
    text = "A https://arxiv.org/abs/1706.03762 B arXiv:2205.01068 C"
    found = list(find_arxiv_ids(text))
    assert [f[2] for f in found] == ["1706.03762", "2205.01068"]
    assert [text[s:e] for s, e, _ in found] == [
        "https://arxiv.org/abs/1706.03762",
        "arXiv:2205.01068",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "version 2205.01068 of the spec",
        "Preis 2023.12345 Euro",
        "see https://example.org/abs/1706.03762",
    ],
)
def test_find_arxiv_ids_needs_arxiv_context(text: str) -> None:
    assert list(find_arxiv_ids(text)) == []


def test_a_category_page_of_a_reading_site_is_no_id() -> None:
    assert list(find_arxiv_ids("数据来源：https://papers.cool/arxiv/cs.AI 与 hf.co/papers/1")) == []


def test_arxiv_id_at_the_end_of_a_sentence() -> None:
    text = "siehe arXiv:2106.09685. Danach arXiv:2106.096851 nicht."
    assert [i for _, _, i in find_arxiv_ids(text)] == ["2106.09685"]


@pytest.mark.parametrize(
    ("written", "arxiv_id"),
    [
        ("https://arxiv.org/html/2304.01373v2", "2304.01373"),
        ("http://export.arxiv.org/abs/1706.03762", "1706.03762"),
        ("https://ar5iv.labs.arxiv.org/html/1706.03762", "1706.03762"),
        ("https://ar5iv.org/abs/1706.03762", "1706.03762"),
        ("https://www.alphaxiv.org/abs/2205.01068", "2205.01068"),
        ("https://huggingface.co/papers/2205.01068", "2205.01068"),
        ("huggingface.co/papers/2304.01373", "2304.01373"),
        ("https://hf.co/papers/2308.06721", "2308.06721"),
        ("https://www.alphaxiv.org/ja/overview/2308.04079v1", "2308.04079"),
        ("https://papers.cool/arxiv/1906.08237", "1906.08237"),
        ("https://hjfy.top/arxiv/2602.00919", "2602.00919"),
        ("https://paperlayer.ai/abs/1706.03762", "1706.03762"),
        ("https://doi.org/10.48550/arXiv.2205.01068", "2205.01068"),
        ("10.48550/ARXIV.2205.01068", "2205.01068"),
        ("arXiv:CS/0501001", "cs/0501001"),
        ("arXiv:cs.CL/0101001", "cs/0101001"),
        ("arxiv.org/pdf/1706.03762v5.pdf", "1706.03762"),
    ],
)
def test_find_arxiv_ids_link_forms(written: str, arxiv_id: str) -> None:
    text = f"Lihat {written} untuk butiran."
    found = list(find_arxiv_ids(text))
    assert [(text[s:e], i) for s, e, i in found] == [(written, arxiv_id)]


@pytest.mark.parametrize(
    "written",
    [
        "arXiv:２２０５．０１０６８",
        "arXiv:٢٢٠٥.٠١٠٦٨",
        "huggingface.co/papers/２２０５.０１０６８",
        "arXiv:²²⁰⁵.⁰¹⁰⁶⁸",
    ],
)
def test_find_arxiv_ids_folds_full_width_and_foreign_digits(written: str) -> None:
    """Offsets stay those of the text as written."""
    text = f"论文 ㎏ {written} 。"  # "㎏" folds to two characters: left as it is
    found = list(find_arxiv_ids(text))
    assert [(text[s:e], i) for s, e, i in found] == [(written, "2205.01068")]


def test_canonical_arxiv_id() -> None:
    assert canonical_arxiv_id("2205.01068") == "2205.01068"
    assert canonical_arxiv_id("CS/0501001") == "cs/0501001"
    assert canonical_arxiv_id("math.GT/0309136") == "math/0309136"


def test_paperswithcode_slugs() -> None:
    text = "Code: https://paperswithcode.com/paper/attention-is-all-you-need-1 (PwC)"
    ((start, end, slug),) = find_paperswithcode_slugs(text)
    assert text[start:end] == "https://paperswithcode.com/paper/attention-is-all-you-need-1"
    assert slug_titles(slug) == ["attention is all you need 1", "attention is all you need"]


@pytest.mark.parametrize(
    ("arxiv_id", "dated"),
    [
        ("1603.08029", (2016, 3)),
        ("0704.0001", (2007, 4)),
        ("cs/9901001", (1999, 1)),
        ("math.GT/0309136", (2003, 9)),
        ("1713.00001", None),  # no 13th month
        ("garbage", None),
        (None, None),
    ],
)
def test_an_arxiv_id_encodes_its_year_and_month(
    arxiv_id: str | None, dated: tuple[int, int] | None
) -> None:
    assert arxiv_year_month(arxiv_id) == dated


def test_folding_forgets_characters_past_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "论文 ㎏ arXiv:２２０５．０１０６８ 。" * 3
    expected = list(find_arxiv_ids(text))
    monkeypatch.setattr(ids, "MAX_FOLDED_CHARS", 2)
    monkeypatch.setattr(ids, "_FOLDED", ids._FoldTable())
    assert list(find_arxiv_ids(text)) == expected
    assert len(ids._FOLDED) <= 2
