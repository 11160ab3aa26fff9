"""Bibliography entries: the title cut out by each citation style, and its first author."""

from __future__ import annotations

import pytest

from pipeline.link.references import (
    MAX_ENTRY_CHARS,
    first_author,
    in_reference_sections,
    reference_entry,
)


@pytest.mark.parametrize(
    ("line", "title", "author", "year"),
    [
        (
            "Lawrence, J. und Reed, C. (2019). Argument Mining: A Survey. Computational "
            "Linguistics, 45(4):765–818.",
            "Argument Mining: A Survey",
            "lawrence",
            "2019",
        ),
        (
            "Feng, V. W. und Hirst, G. (2011). Classifying arguments by scheme. In Lin, D., "
            "Herausgeber, Proceedings of the 49th Annual Meeting,",
            "Classifying arguments by scheme",
            "feng",
            "2011",
        ),
        (
            '4.\tHinton, Geoffrey E., and Ruslan R. Salakhutdinov. "Reducing the dimensionality '
            'of data with neural networks." Science 313.5786 (2006): 504-507.',
            "Reducing the dimensionality of data with neural networks",
            "hinton",
            "2006",
        ),
        (
            "17.\tWei T, Wang C, Rui Y, et al. Network morphism[C]//International Conference "
            "on Machine Learning. 2016: 564-572.",
            "Network morphism",
            "wei",
            "2016",
        ),
        (
            "[3] A. Vaswani, N. Shazeer, and N. Parmar. 2017. Attention is all you need. In NIPS.",
            "Attention is all you need",
            "vaswani",
            "2017",
        ),
        (
            "- Devlin et al. (2019). BERT: Pre-training of Deep Bidirectional Transformers for "
            "Language Understanding. NAACL.",
            "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
            "devlin",
            "2019",
        ),
        (
            "Kaplan, J., McCandlish, S., et al. (2020). Scaling Laws for Neural Language Models? "
            "arXiv preprint.",
            "Scaling Laws for Neural Language Models?",
            "kaplan",
            "2020",
        ),
        # IEEE style in German: "u. a." for "et al.", the title in German quotes.
        (
            "8. Y. Jia u. a., „Transfer Learning from Speaker Verification to Multispeaker "
            "Text-To-Speech Synthesis“. arXiv, 2. Januar 2019.",
            "Transfer Learning from Speaker Verification to Multispeaker Text-To-Speech Synthesis",
            "jia",
            "2019",
        ),
        # A paper list: year and venue tagged before the title, no authors.
        (
            "- [2018 CVPR] Maximum classifier discrepancy for unsupervised domain adaptation",
            "Maximum classifier discrepancy for unsupervised domain adaptation",
            "",
            "2018",
        ),
        ("* [ICML 2019] Parameter-efficient transfer learning for nlp", None, "", "2019"),
        # APA in Markdown: the italics end the title, a "?" inside it stays.
        (
            "3. Turing, A. M. (1950). *Computing Machinery and Intelligence?* Mind, 59(236).",
            "Computing Machinery and Intelligence?",
            "turing",
            "1950",
        ),
        ("## [2020 ICML] Do we really need to access the source data?", None, "", "2020"),
        # A Markdown footnote's definition holds the entry; a "!" inside the title stays.
        (
            "[^5]: Shaikh, O., Zhang, H., Held, W., Bernstein, M., & Yang, D. (2022). On Second "
            "Thought, Let's Not Think Step by Step! Bias and Toxicity in Zero-Shot Reasoning. "
            "[↩](https://example.org/docs/intro#fnref-5)",
            "On Second Thought, Let's Not Think Step by Step! Bias and Toxicity in Zero-Shot "
            "Reasoning",
            "shaikh",
            "2022",
        ),
        (
            "Ye, X., & Durrett, G. (2022). Did It Happen? The Pragmatic Complexity of "
            "Veridicality Assessment. Computational Linguistics, 38(2).",
            "Did It Happen? The Pragmatic Complexity of Veridicality Assessment",
            "ye",
            "2022",
        ),
        # What follows a "?" is a venue, not the rest of the title.
        (
            "Smith, J. (2019). Is It Fair? In Proceedings of ACL, pages 1-10.",
            "Is It Fair?",
            "smith",
            "2019",
        ),
        # APA without a date.
        (
            "- Adamala, S. (n.d.). An Overview of Big Data Applications in Water Resources "
            "Engineering. 9.",
            "An Overview of Big Data Applications in Water Resources Engineering",
            "adamala",
            "",
        ),
    ],
)
def test_a_reference_entry_gives_its_title_author_and_year(
    line: str, title: str | None, author: str, year: str
) -> None:
    entry = reference_entry(line)
    assert entry is not None
    assert line[entry.title_start : entry.title_end] == (title or line.split("] ", 1)[1])
    assert (entry.first_author, entry.year) == (author, year)
    assert entry.paper


@pytest.mark.parametrize(
    ("line", "title"),
    [
        (
            "1. Russell, S. J., & Norvig, P. (2021). *Artificial Intelligence: A Modern "
            "Approach* (4th ed.). Pearson.",
            "Artificial Intelligence: A Modern Approach",
        ),
        ("Goodfellow, I., & Bengio, Y. (2016). Deep Learning. MIT Press.", "Deep Learning"),
        # ACM style: the italics end the title there too.
        (
            "[5] S. Russell, P. Norvig. 2010. *Artificial Intelligence: A Modern Approach* "
            "(3rd ed.). Prentice Hall.",
            "Artificial Intelligence: A Modern Approach",
        ),
        ("Ertel, W. (2016). Grundkurs Künstliche Intelligenz. 4. Aufl. Springer.", None),
    ],
)
def test_a_book_is_an_entry_but_not_a_paper(line: str, title: str | None) -> None:
    """A publisher or an edition after the title: a book, which is no paper of a catalog."""
    entry = reference_entry(line)
    assert entry is not None
    if title:
        assert line[entry.title_start : entry.title_end] == title
    assert not entry.paper


@pytest.mark.parametrize(
    "line",
    [
        # Capitalised German nouns are not an author list.
        "Modelle, Daten und Training. Die Ergebnisse von 2019 zeigen neue Wege.",
        "Die Transformer-Architektur (2017) hat alles verändert. Das ist klar.",
        # An author reference in running text is a citation, not an entry.
        "Musi et al. (2018) zeigen, dass Argumente Bäume sind.",
        "No year here, A. Person. Some Title Of A Paper. Venue.",
        # A tag in a heading before a name, or in running text, is not a list entry.
        "## [2020] DeBERTa",
        "Sejak [2017] Transformer mengubah segalanya.",
        # A footnote of prose.
        "[^2]: Siehe die Diskussion im Jahr 2019 weiter oben.",
        "",
    ],
)
def test_prose_is_no_reference_entry(line: str) -> None:
    assert reference_entry(line) is None


def test_a_very_long_line_is_not_scanned() -> None:
    line = "Lawrence, J. (2019). " + "Word " * MAX_ENTRY_CHARS
    assert reference_entry(line) is None


@pytest.mark.parametrize(
    ("authors", "surname"),
    [
        ("Ajjour, Y., Chen, W.-F.", "ajjour"),
        ("Wei T, Wang C", "wei"),
        ("A. Vaswani, N. Shazeer", "vaswani"),
        ("Ashish Vaswani and Noam Shazeer", "vaswani"),
        ("Devlin et al.", "devlin"),
        ("Y. Jia u. a.", "jia"),
    ],
)
def test_first_author(authors: str, surname: str) -> None:
    assert first_author(authors) == surname


def test_lines_under_a_references_heading_up_to_the_next_heading() -> None:
    lines = [
        "正文。",
        "## 参考文献",
        "1. Factorization Machines",
        "2. Ad click prediction: a view from the trenches",
        "## 附录",
        "3. Something else",
        "**References**",
        "Daftar Pustaka",
        "- Another Title",
    ]
    assert in_reference_sections(lines) == [
        False,
        False,
        True,
        True,
        False,
        False,
        False,
        False,
        True,
    ]
