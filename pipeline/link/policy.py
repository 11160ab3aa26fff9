"""Every threshold the linker decides with, in one frozen object.

The incremental cache hashes it (a changed threshold is a cache miss) and the report prints
it, so a published dataset always says which policy produced its links. Lexical patterns
(what an arXiv id or a quote looks like) stay in their modules: they describe the text, not
how much evidence a link needs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pipeline.config import MatchThresholds


@dataclass(frozen=True)
class LinkPolicy:
    # English titles (rapidfuzz scores 0-100): link at `accept` with `margin` over the
    # runner-up; `review` and above is ambiguous. Chosen on the seed gold set.
    title_accept: float = 90.0
    title_review: float = 80.0
    title_margin: float = 5.0
    # Spans shorter than this link only on an exact title ("Large Language Model" is a term).
    min_words_for_fuzzy_title: int = 4
    # A model name before a title's colon ("ChatDoctor: ...") has at most this many words.
    name_prefix_max_words: int = 3
    # Several titles in the review band that each put words of their own in place of or
    # among the written title's are other works, not candidates. Two words are one with a
    # typo at `title_word_typo` (rapidfuzz ratio), with another ending when their stems
    # share `title_word_root` first letters ("net" in "network"), and a word of at least
    # `title_word_run_together` letters may stand for several written together ("Alite").
    title_word_typo: float = 80.0
    title_word_root: int = 3
    title_word_run_together: int = 5

    # A title of at most this many words, all common (wordfreq Zipf >= common_word_zipf),
    # links only with title evidence: quoted, linked, in a reference list, cited, or
    # title-cased in running text ("Large Language Models" in a heading is a phrase).
    generic_title_max_words: int = 3
    # A title that matches no catalog paper becomes a paper outside the catalog (in a
    # reference-list entry) when it has at least this many words.
    min_outside_title_words: int = 4
    # A Markdown table column is a column of paper titles when at least this many of its
    # cells, and this share of its title-like cells, are catalog titles; its other
    # title-like cells are then papers outside the catalog (a reading list's table).
    # Only where at least `listed_title_cover` of its cells are catalog titles or resemble
    # none (a column of shortened titles is near catalog titles without reaching them).
    min_listed_titles: int = 3
    listed_title_share: float = 1 / 3
    listed_title_cover: float = 0.8
    # The lines of a page in Chinese, Japanese or Korean that each hold only an English
    # title (of at least `title_line_min_words` words, this share of its content words
    # capitalised) are a list of papers when the catalog knows enough of them, as a table's
    # column of titles is (`min_listed_titles`, `listed_title_share`, `listed_title_cover`).
    title_line_min_words: int = 5
    title_line_capitalised_share: float = 0.8

    # English-title candidates.
    min_candidate_words: int = 2
    # A catalog title written word for word inside a sentence of another Latin-script
    # language ("Das Paper Attention Is All You Need zeigte") is a candidate from this many
    # words: shorter ones are phrases of the field as often as titles.
    embedded_title_min_words: int = 4
    min_standalone_title_words: int = 3
    max_title_words: int = 30

    # Names (catalog aliases).
    name_score: float = 95.0
    # Names of several parts with this many letters match in any letter case.
    min_phrase_alias_letters: int = 8
    # A written form in another letter case than every alias is a name only when it is not a
    # common word: its wordfreq Zipf frequency (English and the page's language) is below this
    # (3 is about once per million words; "roberta" 3.2, "transformer" 3.6, "adam" 5.0).
    common_word_zipf: float = 3.25
    # A function word of another language ("untuk", "und") in a written title, this much
    # more frequent there than in English (wordfreq Zipf), says the title is not English.
    foreign_word_zipf_gap: float = 2.5
    # On a Chinese, Japanese or Korean line a curated name written capitalised ("Bert",
    # "Glove") is that name below this Zipf frequency: no English sentence is around it
    # whose word it could be ("Bert" 3.5 is a given name in English prose).
    cjk_capitalised_name_zipf: float = 4.0
    # Mined aliases (from titles or abstracts, not curated) need the exact written form.
    mined_alias_exact_case: bool = True
    # A mined name links only when the sentence around it holds at least this many other
    # words of the paper's title or keywords: names are reused ("Alpaca", "UCL"), and a name
    # nobody curated has no other guard. Several papers' mined name links only when the
    # sentence singles one out (as for curated names) and supports it so.
    mined_name_context_words: int = 2
    # ... and this many more for a mined acronym that spells a common word ("RETRO", "CORD",
    # "COMA"): such names are coined again and again.
    word_like_name_extra_words: int = 1
    # Or the whole document holds this many, one of them rare in the catalog: a list or a
    # table names a paper with no sentence around it, on a page about its topic.
    mined_name_document_words: int = 3
    # ... only on a line with at most this many words beside the name (a table cell, a list
    # item, a heading): in a sentence, the sentence decides.
    bare_line_words: int = 3
    # A name spelled out beside it ("CTRL (Conditional Transformer Language Model)") in
    # at most its letters plus this many words, in other words than a paper's title spells
    # it out ("Control-Tutored Reinforcement Learning"), names another work: other words
    # when fewer than `expansion_agreement` of the page's content words agree with the
    # title's (the same first `expansion_word_root` letters: "Inverser" and "Inverse").
    expansion_extra_words: int = 2
    expansion_agreement: float = 0.5
    expansion_word_root: int = 5

    # Translated titles (0-1 F-scores of idf-weighted title stems).
    translated_accept: float = 0.75
    translated_review: float = 0.7
    translated_margin: float = 0.15
    translated_min_recall: float = 0.6
    # A translation that holds every stem of a title of at least this many stems links
    # below `translated_accept` (with the margin): its extra words are the page's own.
    translated_whole_title_stems: int = 4
    # A translation matching at most this many stems needs one of them to be rare in the
    # catalog (distinctive): common field words alone name a topic, not a paper.
    translated_short_stems: int = 3
    # Recall of a title all of whose words were found (floating point sums stay below 1.0).
    whole_title: float = 0.999
    heading_max_words: int = 20
    heading_max_cjk_chars: int = 30

    # Descriptions by title words (papers without keywords).
    description_min_recall: float = 0.75
    description_min_stems: int = 3
    description_min_distinctive: int = 2
    min_description_chars: int = 12
    # Longer text describes more than one paper (and would cost time for nothing).
    max_description_chars: int = 2000
    # Descriptions by title and keywords (recall/precision of idf-weighted stems).
    keywords_min_recall: float = 0.5
    keywords_min_precision: float = 0.3
    keywords_min_stems: int = 5
    keywords_margin: float = 0.15

    # Author references ("Rae et al. (2021)").
    author_score: float = 80.0
    author_year_tolerance: int = 1
    # A name and an author reference of one sentence confirm each other only this close
    # (characters between them): "xCOMET (Guerreiro et al., 2024)", "Guerreiro et al.
    # (2024) stellten xCOMET vor"; a reference list on one line is one long "sentence".
    name_author_max_gap: int = 200
    # The only catalog paper by that author and year links with this many words of its title
    # or keywords around the reference.
    author_year_context_words: int = 1
    # The words around the reference single out one paper when they weigh this many times
    # more for it than for the next one, with at least this many words.
    author_context_ratio: float = 1.5
    author_context_min_words: int = 2
    # Either way, at least this many words of the paper in the reference's own sentence must
    # be specific: in at most `distinctive_max_titles` catalog titles, or in fewer than this
    # share of the catalog's titles and names. The field's words ("neural", "network",
    # "model": more than one title in fifty) are on any page of the topic and point to
    # whichever paper of the author the catalog happens to hold.
    author_specific_words: int = 1
    author_field_word_share: float = 0.02
    # ... and one more for each tenfold of the author's papers in the year that are weighed
    # (10 or more candidates: 2 words; 100 or more: 3): among the hundreds of papers of a Liu
    # or a Zhou in a year of arXiv, one shares a specific word with any sentence by chance.
    author_words_per_tenfold_candidates: int = 1
    # A citation key of one surname that is the first author of at least this share of the
    # catalog's papers ("wang", "liu": one in fifty) needs its sentence to confirm the paper
    # as well: the catalog holds few of all the papers of a Wang in a year.
    common_surname_share: float = 0.005

    # Concept index (translated titles and descriptions): a stem is distinctive when at most
    # `distinctive_max_titles` titles have it, or its idf is this share of an unseen word's.
    distinctive_idf_share: float = 0.75
    distinctive_max_titles: int = 2

    # Most candidates listed on an ambiguous mention.
    max_candidates: int = 10

    @classmethod
    def from_thresholds(cls, thresholds: MatchThresholds) -> LinkPolicy:
        """The default policy with the title thresholds of the settings (env overridable)."""
        return cls(
            title_accept=thresholds.accept,
            title_review=thresholds.review,
            title_margin=thresholds.margin,
        )

    def as_dict(self) -> dict[str, float | int | bool]:
        return dataclasses.asdict(self)


DEFAULT_POLICY = LinkPolicy()
