"""Optional enrichment: look up arXiv ids the catalog lacks through arXiv's public Atom API.

Never part of a run: ``python -m pipeline catalog enrich`` writes candidate catalog rows (the
curated CSV format) for a human to review before they are added to the catalog. It follows
arXiv's API terms: one request every 3 seconds, a descriptive User-Agent; answers are cached
on disk (JSON, one file per id) so a paper is asked for once.
"""

from __future__ import annotations

import csv
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from pipeline import __version__
from pipeline.catalog import CATALOG_COLUMNS
from pipeline.catalog_import import normalize_arxiv_id, normalize_title

API_URL = "https://export.arxiv.org/api/query"
USER_AGENT = (
    f"paper-mentions/{__version__} (catalog enrichment; one request per 3 s; "
    "https://info.arxiv.org/help/api/tou.html)"
)
ATOM = "{http://www.w3.org/2005/Atom}"
MIN_INTERVAL_SECONDS = 3.0
TIMEOUT_SECONDS = 30.0
RETRIES = 3
BACKOFF_SECONDS = 5.0
IDS_PER_REQUEST = 50
# Server-side conditions worth another try; anything else (400, 404) will not get better.
RETRY_STATUSES = {429, 500, 502, 503, 504}
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); the
# rows are meant to be reviewed in one, so such text is written with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = ("title", "authors", "aliases", "keywords")


class ArxivApiError(RuntimeError):
    pass


@dataclass(frozen=True)
class ArxivEntry:
    arxiv_id: str
    found: bool
    title: str = ""
    year: int | None = None
    authors: tuple[str, ...] = ()

    def catalog_row(self) -> dict[str, object]:
        return {
            "paper_id": f"arxiv:{self.arxiv_id}",
            "arxiv_id": self.arxiv_id,
            "title": self.title,
            "year": self.year,
            "authors": "; ".join(self.authors),
            "aliases": "",
            "keywords": "",
        }


class RateLimiter:
    """At most one call per ``interval`` seconds; clock and sleep are injectable for tests."""

    def __init__(
        self,
        interval: float = MIN_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            remaining = self.interval - (self.clock() - self._last)
            if remaining > 0:
                self.sleep(remaining)
        self._last = self.clock()


def parse_feed(xml_text: str) -> list[ArxivEntry]:
    """Entries of an Atom answer; error entries (no arXiv id) are left out."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ArxivApiError(f"answer is not valid Atom XML: {exc}") from exc
    entries = []
    for entry in root.iter(f"{ATOM}entry"):
        arxiv_id = normalize_arxiv_id(entry.findtext(f"{ATOM}id", "").strip())
        title = normalize_title(entry.findtext(f"{ATOM}title", ""))
        if arxiv_id is None or not title:
            continue
        published = entry.findtext(f"{ATOM}published", "")
        year = int(published[:4]) if published[:4].isdigit() else None
        authors = tuple(
            normalize_title(a.findtext(f"{ATOM}name", "")) for a in entry.iter(f"{ATOM}author")
        )
        entries.append(ArxivEntry(arxiv_id, True, title, year, tuple(a for a in authors if a)))
    return entries


class ArxivClient:
    def __init__(
        self,
        cache_dir: Path,
        api_url: str = API_URL,
        limiter: RateLimiter | None = None,
        timeout: float = TIMEOUT_SECONDS,
        retries: int = RETRIES,
        backoff: float = BACKOFF_SECONDS,
    ) -> None:
        self.cache_dir = cache_dir
        self.api_url = api_url
        self.limiter = limiter or RateLimiter()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.requests_made = 0

    def _cache_path(self, arxiv_id: str) -> Path:
        return self.cache_dir / f"{arxiv_id.replace('/', '_')}.json"

    def _cached(self, arxiv_id: str) -> ArxivEntry | None:
        try:
            data = json.loads(self._cache_path(arxiv_id).read_text(encoding="utf-8"))
            return ArxivEntry(
                data["arxiv_id"], data["found"], data["title"], data["year"], tuple(data["authors"])
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _store(self, entry: ArxivEntry) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        path = self._cache_path(entry.arxiv_id)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(entry), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    def _get(self, ids: list[str]) -> str:
        query = urllib.parse.urlencode({"id_list": ",".join(ids), "max_results": len(ids)})
        request = urllib.request.Request(
            f"{self.api_url}?{query}", headers={"User-Agent": USER_AGENT}
        )
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.limiter.sleep(self.backoff * 2 ** (attempt - 1))
            self.limiter.wait()
            self.requests_made += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.read().decode("utf-8")
            except urllib.error.HTTPError as exc:
                last_error = f"HTTP {exc.code}"
                if exc.code not in RETRY_STATUSES:
                    break
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last_error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        raise ArxivApiError(f"arXiv API failed for {len(ids)} ids ({last_error})")

    def lookup(self, arxiv_ids: Iterable[str]) -> list[ArxivEntry]:
        """One entry per id (``found`` false when arXiv has none), from the cache when there."""
        wanted = sorted(set(arxiv_ids))
        entries = {i: e for i in wanted if (e := self._cached(i)) is not None}
        missing = [i for i in wanted if i not in entries]
        for start in range(0, len(missing), IDS_PER_REQUEST):
            batch = missing[start : start + IDS_PER_REQUEST]
            answered = {e.arxiv_id: e for e in parse_feed(self._get(batch))}
            for arxiv_id in batch:
                entry = answered.get(arxiv_id, ArxivEntry(arxiv_id, False))
                self._store(entry)
                entries[arxiv_id] = entry
        return [entries[i] for i in wanted]


def ids_missing_from_catalog(dataset_dir: Path) -> list[str]:
    """arXiv ids of a published dataset's papers that the catalog lacks."""
    papers = pd.read_parquet(dataset_dir / "papers.parquet", columns=["arxiv_id", "in_catalog"])
    return sorted(papers.loc[~papers["in_catalog"] & papers["arxiv_id"].notna(), "arxiv_id"])


def neutralise_formula(value: str) -> str:
    """``value`` as a spreadsheet shows it, never runs it: ``=HYPERLINK(...)`` becomes
    ``'=HYPERLINK(...)``."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def enrich(dataset_dir: Path, out_file: Path, client: ArxivClient) -> tuple[int, int]:
    """Write catalog rows for the ids arXiv knows; returns (ids looked up, rows written).
    Text that a spreadsheet would run as a formula is neutralised (``neutralise_formula``)."""
    entries = client.lookup(ids_missing_from_catalog(dataset_dir))
    rows = [e.catalog_row() for e in entries if e.found]
    frame = pd.DataFrame(rows, columns=CATALOG_COLUMNS).astype({"year": "Int64"})
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].map(neutralise_formula, na_action="ignore")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    # Every field quoted: pandas leaves a bare carriage return unquoted, which splits the row.
    frame.to_csv(out_file, index=False, quoting=csv.QUOTE_ALL)
    return len(entries), len(rows)
