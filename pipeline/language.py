"""Language of documents and of their segments (lines).

langdetect is reliable on whole Latin-script documents but not on short lines, and it has
no Malay; lingua (restricted to a few candidates) is reliable on lines. Chinese, Japanese and
Korean are recognised from their scripts, which is more reliable than either model.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from itertools import filterfalse

from langdetect import DetectorFactory, LangDetectException
from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from pipeline.language_profiles import detector_factory

DetectorFactory.seed = 0

URL_HINT = re.compile(r"https?://|www\.|/|\.(?:com|org|net|io|pdf|html?)(?:\W|$)", re.IGNORECASE)

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")

# About how many Latin letters one CJK character stands for, so that scripts can be compared
# by "words" rather than by characters (a Han character is roughly a third of an English word).
LETTERS_PER_CJK_CHAR = 3.0
# Share of a text's words that must be CJK for the text to count as CJK. A line is CJK when
# most of it is; a document already when a third of it is, because the Latin runs in CJK
# articles are overwhelmingly quoted titles and terms, not the author's own prose.
CJK_SHARE_FOR_LINE = 0.5
CJK_SHARE_FOR_DOCUMENT = 1 / 3
MIN_LATIN_WORDS_FOR_LINE_MODEL = 3
MIN_LINE_CONFIDENCE = 0.6
# Lines longer than this are cut into several segments (at a space where there is one), so
# that per-line work stays bounded on a file that is one huge line. Real article lines are
# far shorter (the longest seen is about 1,300 characters).
MAX_SEGMENT_CHARS = 5000

# Pairs that differ between the two standards (Malay / Indonesian): bahawa/bahwa,
# kerana/karena, sahaja/saja, iaitu/yaitu, boleh/bisa, penyelidikan/penelitian,
# kenderaan/kendaraan, sebarang/sembarang, pantas/cepat; "ialah" and "daripada" are far more
# frequent in Malay; "makalah" is the Indonesian word for a paper.
MALAY_MARKERS = frozenset(
    [
        "ialah",
        "daripada",
        "bahawa",
        "sahaja",
        "kerana",
        "iaitu",
        "boleh",
        "penyelidikan",
        "kenderaan",
        "sebarang",
        "pantas",
    ]
)
INDONESIAN_MARKERS = frozenset(
    ["bahwa", "karena", "saja", "yaitu", "bisa", "penelitian", "kendaraan", "sembarang", "makalah"]
)

LINE_CANDIDATES = (
    Language.ENGLISH,
    Language.GERMAN,
    Language.MALAY,
    Language.INDONESIAN,
    Language.FRENCH,
    Language.SPANISH,
    Language.DUTCH,
)


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    language: str


_line_detector_lock = threading.Lock()


def _line_detector() -> LanguageDetector:
    """This process's line detector. Threads that ask for it while it loads wait for it
    (some 100 MB of models, loaded once); a load that failed raises, and the next call
    tries again."""
    with _line_detector_lock:
        return _loaded_line_detector()


@lru_cache(maxsize=1)
def _loaded_line_detector() -> LanguageDetector:
    """All the candidates' models loaded at once, on the first line detected: lingua then
    loads them in parallel on every core (0.6 s on two idle cores, against 1.2 s when each
    call loads the models it needs; the same CPU time, and the same answers)."""
    builder = LanguageDetectorBuilder.from_languages(*LINE_CANDIDATES)
    return builder.with_preloaded_language_models().build()


def _script_language(text: str, min_share: float) -> str | None:
    """A CJK language when CJK words make up at least ``min_share`` of the text, else None."""
    han = len(HAN.findall(text))
    kana = len(KANA.findall(text))
    hangul = len(HANGUL.findall(text))
    cjk = han + kana + hangul
    if cjk == 0:
        return None
    latin_letters = sum(len(w) for w in LATIN_WORD.findall(text))
    cjk_weight = cjk * LETTERS_PER_CJK_CHAR
    if cjk_weight < min_share * (cjk_weight + latin_letters):
        return None
    if hangul > han + kana:
        return "ko"
    if kana:
        return "ja"
    return "zh"


def _without_urls(text: str, keep_cjk: bool = False) -> str:
    """Text with URL-like tokens removed (they are no language); with ``keep_cjk``, not
    those holding CJK characters (a Chinese run without spaces is one token, and a "/"
    inside it is part of the sentence). ``str.split`` cuts at the same whitespace as the
    pattern ``\\S+`` (both ask ``str.isspace``), in bulk."""
    tokens = text.split()
    if keep_cjk:
        return " ".join(t for t in tokens if not URL_HINT.search(t) or _has_cjk(t))
    return " ".join(filterfalse(URL_HINT.search, tokens))


def _malay_or_indonesian(text: str) -> str:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return "id" if len(words & INDONESIAN_MARKERS) > len(words & MALAY_MARKERS) else "ms"


def _normalise_code(code: str, text: str) -> str:
    code = code.split("-")[0].lower()
    if code in ("ms", "id"):
        return _malay_or_indonesian(text)
    return code


def _has_cjk(text: str) -> bool:
    return bool(HAN.search(text) or KANA.search(text) or HANGUL.search(text))


def document_language(text: str) -> str:
    """ISO 639-1 code of a document's main language; 'und' when it has no letters. The
    scripts are weighed without URLs: a Chinese page whose links and badges hold ten times
    its Chinese characters in Latin letters is still a Chinese page."""
    scripts = _without_urls(text, keep_cjk=True)
    script = _script_language(scripts, CJK_SHARE_FOR_DOCUMENT)
    if script:
        return script
    prose = _without_urls(scripts)  # the CJK tokens with a URL in them go too
    if not LATIN_WORD.search(prose):
        return "und"
    try:
        detector = detector_factory().create()
        detector.append(prose)
        return _normalise_code(detector.detect(), prose)
    except LangDetectException:
        return "und"


def segment_language(text: str, document_lang: str) -> str:
    """Language of one line; short or uncertain lines take the document's language."""
    script = _script_language(text, CJK_SHARE_FOR_LINE)
    if script:
        return script
    prose = _without_urls(text)
    if len(LATIN_WORD.findall(prose)) < MIN_LATIN_WORDS_FOR_LINE_MODEL:
        return document_lang
    confidences = _line_detector().compute_language_confidence_values(prose)
    best = confidences[0]
    if best.value < MIN_LINE_CONFIDENCE:
        return document_lang
    code = best.language.iso_code_639_1
    if code in (IsoCode639_1.MS, IsoCode639_1.ID):
        return document_lang if document_lang in ("ms", "id") else _malay_or_indonesian(prose)
    return code.name.lower()


def _line_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut into pieces of at most MAX_SEGMENT_CHARS, each ending after the
    last space before the limit when there is one (a word is cut only inside a huge token)."""
    pieces = []
    while end - start > MAX_SEGMENT_CHARS:
        limit = start + MAX_SEGMENT_CHARS
        space = text.rfind(" ", start + MAX_SEGMENT_CHARS // 2, limit)
        cut = space + 1 if space >= 0 else limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def segment_lines(text: str, document_lang: str) -> list[Segment]:
    """One segment per non-empty line (per piece of an over-long line), with offsets into
    ``text``."""
    segments = []
    for match in re.finditer(r"[^\r\n]+", text):
        for start, end in _line_pieces(text, match.start(), match.end()):
            piece = text[start:end]
            if piece.strip():
                segments.append(Segment(start, end, segment_language(piece, document_lang)))
    return segments
