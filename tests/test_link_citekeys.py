"""Citation keys: ":cite:`schnabel2016recommendations`" names its paper by author, year and word."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.catalog import Catalog
from pipeline.config import DEFAULT_TERMS
from pipeline.language import segment_lines
from pipeline.link.citekeys import CiteKey, find_cite_keys, parse_cite_key
from pipeline.link.matcher import Matcher
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import load_term_tables
from tests.conftest import arxiv_catalog
from tests.tables import extract_mentions, resolve_document

# Real catalog rows (arXiv ids, titles, years and authors as on arXiv).
ROWS = [
    ("1602.05352", "Recommendations as Treatments: Debiasing Learning and Evaluation", "2016",
     "Tobias Schnabel; Adith Swaminathan; Ashudeep Singh; Navin Chandak; Thorsten Joachims"),
    ("1802.06565", "A Study of Position Bias in Digital Library Recommender Systems", "2018",
     "Andrew Collins; Dominika Tkaczyk; Akiko Aizawa; Joeran Beel"),
    ("1703.06870", "Mask R-CNN", "2017",
     "Kaiming He; Georgia Gkioxari; Piotr Dollár; Ross Girshick"),
    ("1512.03385", "Deep Residual Learning for Image Recognition", "2015",
     "Kaiming He; Xiangyu Zhang; Shaoqing Ren; Jian Sun"),
    ("1504.06066", "Object Detection Networks on Convolutional Feature Maps", "2015",
     "Shaoqing Ren; Kaiming He; Ross Girshick; Xiangyu Zhang; Jian Sun"),
    ("1506.01497",
     "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks", "2015",
     "Shaoqing Ren; Kaiming He; Ross Girshick; Jian Sun"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("schnabel2016recommendations", CiteKey(("schnabel",), 2016, "recommendations")),
        ("smith2016a", CiteKey(("smith",), 2016, "")),
        ("devlin-etal-2019-bert", CiteKey(("devlin",), 2019, "bert")),
        ("kalchbrenner-blunsom-2013-recurrent", CiteKey(("kalchbrenner", "blunsom"), 2013,
                                                        "recurrent", more_authors=False)),
        ("He.Gkioxari.Dollar.ea.2017", CiteKey(("he", "gkioxari", "dollar"), 2017, "")),
        ("Girshick.2015", CiteKey(("girshick",), 2015, "")),
        ("DBLP:journals/corr/VaswaniSPUJGKP17", None),
        ("ref12", None),
    ],
)  # fmt: skip
def test_key_styles(key: str, parsed: CiteKey | None) -> None:
    assert parse_cite_key(key) == parsed


def test_every_key_of_sphinx_latex_and_pandoc_citations() -> None:
    text = (
        "见 :cite:`collins2018study,richardson2007predicting` 与 \\citep[p.~3]{he2016deep, ref12}"
        " 及 [@vaswani2017attention; @Girshick.2015]，非 `code2019x` 或 user@host2019."
    )
    keys = [(text[s:e], evidence) for s, e, evidence in find_cite_keys(text, 0, len(text))]
    assert keys == [
        ("collins2018study", "cite:collins2018study"),
        ("richardson2007predicting", "cite:richardson2007predicting"),
        ("he2016deep", "cite:he2016deep"),
        ("vaswani2017attention", "cite:vaswani2017attention"),
        ("Girshick.2015", "cite:Girshick.2015"),
    ]


def test_biblatex_citation_commands_are_read() -> None:
    text = (
        "\\textcite{liu2019text} memperkenalkan BERTSum; \\parencite[lihat][12]{he2016deep}, "
        "\\autocite{vaswani2017attention} dan \\Textcite{gliwa2019}; "
        "bukan \\recite{ho2020denoising}."
    )
    keys = [text[s:e] for s, e, _ in find_cite_keys(text, 0, len(text))]
    assert keys == ["liu2019text", "he2016deep", "vaswani2017attention", "gliwa2019"]


def _catalog(folder: Path) -> Catalog:
    return arxiv_catalog(folder, ROWS)


# In a catalog of six papers every surname is a common one (one in six): this policy makes
# only a surname of two papers common, as "wang" is in a real catalog.
RARE_SURNAMES = LinkPolicy(common_surname_share=0.3)


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    return Matcher(_catalog(tmp_path / "catalog"), RARE_SURNAMES, load_term_tables(DEFAULT_TERMS))


def _decisions(matcher: Matcher, text: str) -> dict[str, tuple[str, str | None, list[str]]]:
    candidates = extract_mentions("doc.md", text, segment_lines(text, "zh"), matcher.names)
    mentions = resolve_document(candidates, matcher)
    keys = mentions[mentions["method"] == "cite_key"]
    return {
        row.surface: (
            row.status,
            row.paper_id if row.status == "matched" else None,
            list(row.candidates),
        )
        for row in keys.itertuples()
    }


def test_author_year_and_title_word_single_out_a_paper(matcher: Matcher) -> None:
    text = (
        "推荐系统中的偏差 :cite:`schnabel2016recommendations`，位置偏差 :cite:`collins2018study`，"
        "以及 :cite:`schnabel2016debiasing` 与 :cite:`collins2019study`。\n"
    )
    assert _decisions(matcher, text) == {
        "schnabel2016recommendations": ("matched", "arxiv:1602.05352", []),
        "collins2018study": ("matched", "arxiv:1802.06565", []),  # "A Study of ..."
        # Another title word: another paper of the author, not in the catalog.
        "schnabel2016debiasing": ("unmatched", None, []),
        # A year apart: the venue's year after arXiv's.
        "collins2019study": ("matched", "arxiv:1802.06565", []),
    }


def test_first_authors_and_year_single_out_a_paper_or_stay_ambiguous(matcher: Matcher) -> None:
    """d2l's keys name the first three authors ("Dollar" is Dollár); Ren, He and Girshick
    wrote two papers with more authors in 2015: the key cannot tell which."""
    text = (
        "掩码R-CNN :cite:`He.Gkioxari.Dollar.ea.2017`，"
        "更快的R-CNN :cite:`Ren.He.Girshick.ea.2015`，残差网络 :cite:`He.Ren.ea.2015`。\n"
    )
    assert _decisions(matcher, text) == {
        "He.Gkioxari.Dollar.ea.2017": ("matched", "arxiv:1703.06870", []),
        "Ren.He.Girshick.ea.2015": ("ambiguous", None, ["arxiv:1504.06066", "arxiv:1506.01497"]),
        "He.Ren.ea.2015": ("unmatched", None, []),
    }


def test_a_key_of_a_common_surname_needs_its_sentence_to_confirm_the_paper(
    tmp_path: Path,
) -> None:
    """Every surname is common here (see RARE_SURNAMES): the catalog's only Schnabel 2016
    paper starting "Recommendations" may be another Schnabel's, unless the sentence says
    what it is about."""
    matcher = Matcher(_catalog(tmp_path / "catalog"), LinkPolicy(), load_term_tables(DEFAULT_TERMS))
    about = "推荐结果的评估 :cite:`schnabel2016recommendations`。\n"
    assert _decisions(matcher, about) == {
        "schnabel2016recommendations": ("matched", "arxiv:1602.05352", [])
    }
    bare = "详见 :cite:`schnabel2016recommendations`。\n"
    candidates = extract_mentions("doc.md", bare, segment_lines(bare, "zh"), matcher.names)
    (row,) = resolve_document(candidates, matcher).itertuples()
    assert (row.status, row.method) == ("unmatched", "cite_key_unconfirmed")


def test_a_key_cited_again_is_looked_up_once_and_decided_the_same(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page cites one key many times: its papers are found once (a common surname has
    thousands of rows in a large catalog), and each citation is decided as the first."""
    text = "偏差 :cite:`schnabel2016recommendations`。\n" * 3 + "又 :cite:`collins2019study`。\n"
    first = _decisions(matcher, text)
    searched = []
    rows = matcher.authors._rows
    monkeypatch.setattr(matcher.authors, "_rows", lambda s: searched.append(s) or rows(s))
    matcher.authors.cited_by.cache_clear()
    assert _decisions(matcher, text) == first
    assert searched == ["schnabel", "collins"]
