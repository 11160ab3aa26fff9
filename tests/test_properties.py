"""Property-based tests: decoding, normalisation and extraction on arbitrary input never raise,
keep their offsets exact and give the same answer twice."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest import decode_bytes, html_to_text
from pipeline.language import document_language, segment_lines
from pipeline.link.ids import find_arxiv_ids
from pipeline.link.names import NameTable
from pipeline.link.title_index import compact_title, normalize_title
from tests.tables import extract_mentions

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALIASES = ["GPT-3", "LoRA", "Self-Consistency", "BERT", "T5"]
NAMES = NameTable.from_aliases({f"p{i}": [alias] for i, alias in enumerate(ALIASES)})

# Arbitrary Unicode, and text built from the pieces mentions are made of, so that the
# extractors' interesting paths are reached, not only their "nothing here" path.
FRAGMENTS = st.sampled_from(
    [
        "arXiv:2005.14165",
        "https://arxiv.org/abs/1706.03762v2",
        "cs/0501001",
        "Attention Is All You Need",
        "GPT-3",
        "gpt 3",
        "LoRA",
        "self consistency",
        "《Language Models are Few-Shot Learners》",
        '"Deep Residual Learning"',
        " - ",
        " ~ ",
        "论文",
        "Die Arbeit",
        "\r\n",
        "\n",
        "\u00a0",
        "\ufeff",
        "(",
        ")",
        ".",
        "ß",
        "İ",
        "\u0345",
        ":cite:`",
        "\\citep[p. 3]{",
        "[@",
        "`",
        "}",
        "]",
        ",",
        "schnabel2016recommendations",
        "Ren.He.Girshick.ea.2015",
        "devlin-etal-2019-bert",
        " (2019)",
    ]
)
MENTION_TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=25).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=300), MENTION_TEXT)


@FAST
@given(ANY_TEXT)
def test_normalize_title_is_idempotent(text: str) -> None:
    once = normalize_title(text)
    assert normalize_title(once) == once
    assert compact_title(compact_title(text)) == compact_title(text)


@FAST
@given(ANY_TEXT)
def test_arxiv_ids_sit_at_their_offsets(text: str) -> None:
    for start, end, arxiv_id in find_arxiv_ids(text):
        assert 0 <= start < end <= len(text)
        assert arxiv_id in text[start:end]


@SLOW
@given(ANY_TEXT)
def test_extraction_offsets_are_exact_and_deterministic(text: str) -> None:
    language = document_language(text)
    segments = segment_lines(text, language)
    first = extract_mentions("doc.txt", text, segments, NAMES)
    for row in first.itertuples():
        assert 0 <= row.start < row.end <= len(text)
        assert text[row.start : row.end] == row.surface
    again = extract_mentions("doc.txt", text, segment_lines(text, language), NAMES)
    assert first.equals(again)


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_decode_to_text_or_a_reason(data: bytes) -> None:
    text, error = decode_bytes(data)
    assert (text is None) != (error is None)
    assert decode_bytes(data) == (text, error)


@FAST
@given(
    st.one_of(st.text(max_size=300), MENTION_TEXT.map(lambda t: f"<p>{t}</p><script>x</script>"))
)
def test_html_extraction_never_raises_and_drops_scripts(markup: str) -> None:
    text = html_to_text(markup)
    assert isinstance(text, str)
    if "<script>x</script>" in markup and "<" not in markup[3:-20]:
        assert not text.endswith("x")
