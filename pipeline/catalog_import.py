"""Import the arXiv metadata snapshot (one JSON object per line) as a Parquet catalog.

The snapshot is streamed in batches, so memory holds one batch plus the set of ids seen (for
deduplication), never the whole file. Every record that cannot become a catalog row is
counted under its reason. Curated entries win over snapshot records with the same arXiv id
(their titles were checked by hand and they carry aliases).

The records are read three times; the snapshot's JSON is parsed on the first read only (the
records to import are kept in a temporary Arrow file beside the catalog, which the later reads
stream). The first two reads learn from the whole corpus what one record cannot tell: the
names papers give themselves (mined from titles and abstracts, see ``pipeline.mining``; a name
is kept only once every claim on it is known, and who else writes it, and when, is counted on
the second read) and how common each abstract word is (for the keywords derived from each
abstract). The third writes the rows with those aliases and keywords. The work on the records
of each read (not the reading, nor the joining) runs on a pool of processes
(``pipeline.chunks``), in chunks whose results are joined in file order: the catalog is the
same, byte for byte, with one process or several.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.errors as pa_errors
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.catalog import CATALOG_COLUMNS, load_catalog
from pipeline.chunks import map_chunks
from pipeline.mining import (
    MAX_CLAIMANTS,
    CollisionTable,
    KeyphraseExtractor,
    MinedAlias,
    curated_only,
    join_aliases,
    kept_aliases,
    mine_aliases,
    publication_time,
    resolve_collisions,
    with_curated,
    without_names_in_use,
    word_frequencies,
)
from schemas import ARXIV_ID_PATTERN, CATALOG_SCHEMA
from schemas.models import MIN_YEAR

CATALOG_FILE = "catalog.parquet"
# Review aid written beside the catalog (not .csv/.parquet: `--catalog DIR` reads those).
COLLISIONS_FILE = "alias_collisions.json"
BATCH_ROWS = 50_000
GZIP_MAGIC = b"\x1f\x8b"
ARXIV_ID = re.compile(ARXIV_ID_PATTERN)
# "arXiv:", "https://arxiv.org/abs/", "arxiv.org/pdf/" ... in front of an id; "v2", ".pdf" after.
ID_PREFIX = re.compile(
    r"^(?:arxiv:|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.I
)
ID_SUFFIX = re.compile(r"(?:v\d+)?(?:\.pdf)?$", re.I)
# The catalog columns of a snapshot row that the import fills in later.
UNFILLED_COLUMNS = {"aliases": "", "alias_sources": "", "keywords": "", "keywords_source": ""}
AUTHOR_SEPARATOR = re.compile(r"\s*,\s*|\s+and\s+")
PARQUET_SCHEMA = pa.schema(
    [
        ("paper_id", pa.string()),
        ("arxiv_id", pa.string()),
        ("title", pa.string()),
        ("year", pa.int64()),
        ("authors", pa.string()),
        ("aliases", pa.string()),
        ("alias_sources", pa.string()),
        ("keywords", pa.string()),
        ("keywords_source", pa.string()),
    ]
)


@dataclass
class ImportSummary:
    snapshot: Path
    out_file: Path
    records: int = 0
    imported: int = 0
    curated: int = 0
    replaced_by_curated: int = 0
    without_year: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    curated_errors: list[str] = field(default_factory=list)
    sha256: str = ""
    seconds: float = 0.0
    aliases_by_source: Counter[str] = field(default_factory=Counter)
    papers_with_aliases: int = 0
    shared_names: int = 0
    dropped_names: int = 0
    with_keywords: int = 0

    @property
    def rows(self) -> int:
        return self.imported + self.curated

    def text(self) -> str:
        lines = [
            f"snapshot {self.snapshot}: {self.records} records read in {self.seconds:.1f} s",
            f"  imported {self.imported}",
            f"  of which without a usable first-version year: {self.without_year}",
            f"  replaced by the curated entry (same arXiv id): {self.replaced_by_curated}",
            f"  dropped {sum(self.dropped.values())}",
            *(f"    {reason}: {count}" for reason, count in sorted(self.dropped.items())),
            f"curated entries: {self.curated} ({len(self.curated_errors)} malformed rows dropped)",
            *(f"  {error}" for error in self.curated_errors[:20]),
            f"aliases: {self.papers_with_aliases} papers have"
            f" {sum(self.aliases_by_source.values())}"
            f" ({', '.join(f'{s} {n}' for s, n in sorted(self.aliases_by_source.items()))});"
            f" {self.shared_names} names shared by 2-{MAX_CLAIMANTS} papers (ambiguous),"
            f" {self.dropped_names} claimed by more dropped ({COLLISIONS_FILE})",
            f"keywords derived from abstracts: {self.with_keywords} papers",
            f"catalog: {self.out_file} ({self.rows} papers, sha256 {self.sha256})",
        ]
        return "\n".join(lines)


def normalize_arxiv_id(raw: object) -> str | None:
    """The bare id (``2304.09848``, ``cs/0406056``), or None when it is not an arXiv id."""
    if not isinstance(raw, str):
        return None
    text = ID_SUFFIX.sub("", ID_PREFIX.sub("", raw.strip()))
    return text if ARXIV_ID.match(text) else None


def normalize_title(raw: object) -> str:
    """Line breaks and runs of spaces collapsed; TeX and capitalisation left as written."""
    return " ".join(raw.split()) if isinstance(raw, str) else ""


def first_version_year(record: dict) -> int | None:
    """Year of the first version ("Mon, 2 Apr 2007 19:18:42 GMT"), None when unknown."""
    versions = record.get("versions")
    if not isinstance(versions, list) or not versions or not isinstance(versions[0], dict):
        return None
    created = versions[0].get("created")
    parsed = email.utils.parsedate(created) if isinstance(created, str) else None
    return parsed[0] if parsed else None


def snapshot_authors(record: dict) -> str:
    """Authors in the curated format ("First Last; First Last")."""
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = [
            " ".join(p for p in (str(a[1]) if len(a) > 1 else "", str(a[0])) if p)
            for a in parsed
            if isinstance(a, list) and a
        ]
    else:
        raw = normalize_title(record.get("authors"))
        names = [n for n in AUTHOR_SEPARATOR.split(raw) if n]
    return "; ".join(names)


def parse_record(line: bytes, max_year: int) -> tuple[dict | None, str | None]:
    """One catalog row (plus its ``abstract``, not a catalog column), or None and the reason
    the record was dropped. A missing or impossible first-version date leaves the year empty
    rather than losing the paper."""
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None, "not valid JSON"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    if record.get("id") in (None, ""):
        return None, "missing id"
    arxiv_id = normalize_arxiv_id(record["id"])
    if arxiv_id is None:
        return None, "malformed id"
    title = normalize_title(record.get("title"))
    if not title:
        return None, "empty title"
    abstract = record.get("abstract")
    year = first_version_year(record)
    if year is not None and not MIN_YEAR <= year <= max_year:
        year = None  # the paper is real even when its date is not (cs/9301111: 1989)
    return {
        "paper_id": f"arxiv:{arxiv_id}",
        "arxiv_id": arxiv_id,
        "title": title,
        "year": year,
        "authors": snapshot_authors(record),
        **UNFILLED_COLUMNS,
        "abstract": " ".join(abstract.split()) if isinstance(abstract, str) else "",
    }, None


def snapshot_lines(path: Path) -> Iterator[bytes]:
    """Non-blank lines of a plain or gzipped snapshot (recognised by content, not by name)."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == GZIP_MAGIC
    with gzip.open(path, "rb") if gzipped else path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield line


def _schema_failures(frame: pd.DataFrame) -> dict[int, str]:
    """Row position -> first failed check, from one lazy validation of a batch."""
    try:
        CATALOG_SCHEMA.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        failures: dict[int, str] = {}
        for _, case in exc.failure_cases.iterrows():
            if pd.isna(case["index"]):
                raise ValueError(f"catalog batch is malformed: {case['check']}") from exc
            failures.setdefault(int(case["index"]), f"schema check {case['check']}")
        return failures
    return {}


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=CATALOG_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _write_batch(writer: pq.ParquetWriter, frame: pd.DataFrame, summary: ImportSummary) -> int:
    failures = _schema_failures(frame)
    for reason in failures.values():
        summary.dropped[reason] += 1
    frame = frame.drop(index=list(failures))
    writer.write_table(pa.Table.from_pandas(frame, schema=PARQUET_SCHEMA, preserve_index=False))
    return len(frame)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class CorpusKnowledge:
    """What the first pass learned from the whole corpus."""

    candidates: dict[str, list[MinedAlias]]
    collisions: CollisionTable
    keyphrases: KeyphraseExtractor

    def aliases(self, paper_id: str) -> list[MinedAlias]:
        return kept_aliases(paper_id, self.candidates.get(paper_id, []), self.collisions)


# A snapshot record as mined: paper id, arXiv id, year, title, abstract.
MinedRecord = tuple[str, str, int | None, str, str]


def mine_records(
    _: None, records: list[MinedRecord]
) -> tuple[list[tuple[tuple[str, str, int | None], list[MinedAlias]]], Counter[str], int]:
    """Each record's paper id, arXiv id and year with the names mined from it, and the
    records' abstract word frequencies (:func:`word_frequencies`); on its own, so that
    ``map_chunks`` can run it on a pool (the texts are not sent back)."""
    mined = [(record[:3], mine_aliases(record[3], record[4])) for record in records]
    frequencies, documents = word_frequencies(record[4] for record in records)
    return mined, frequencies, documents


def learn_from_corpus(
    curated: pd.DataFrame, snapshot_rows: Callable[[], Iterator[dict]], workers: int = 1
) -> CorpusKnowledge:
    """Candidate names of every paper (curated names kept, titles mined again; snapshot
    titles and abstracts mined), without names in common use (a second read counts who else
    writes them, and when), the collision rule applied to all of them together, and the
    document frequencies of the abstracts' words. Each read of the snapshot runs on
    ``workers`` processes; the result is the same with any number."""
    candidates: dict[str, list[MinedAlias]] = {}
    years: dict[str, int | None] = {}
    dates: dict[str, float | None] = {}
    for paper_id, arxiv_id, title, aliases, sources, year in zip(
        curated["paper_id"],
        curated["arxiv_id"],
        curated["title"],
        curated["aliases"],
        curated["alias_sources"],
        curated["year"],
        strict=True,
    ):
        candidates[paper_id] = with_curated(curated_only(aliases, sources), mine_aliases(title))
        years[paper_id] = None if pd.isna(year) else int(year)
        dates[paper_id] = publication_time(arxiv_id, years[paper_id])
    keyphrases = KeyphraseExtractor()
    records = (
        (r["paper_id"], r["arxiv_id"], r["year"], r["title"], r["abstract"])
        for r in snapshot_rows()
    )
    for chunk, frequencies, documents in map_chunks(mine_records, None, records, workers):
        for (paper_id, arxiv_id, year), mined in chunk:
            if mined:
                candidates[paper_id] = mined
                years[paper_id] = year
                dates[paper_id] = publication_time(arxiv_id, year)
        keyphrases.add_counts(frequencies, documents)
    texts = (
        (r["paper_id"], publication_time(r["arxiv_id"], r["year"]), f"{r['title']} {r['abstract']}")
        for r in snapshot_rows()
    )
    candidates = without_names_in_use(candidates, dates, texts, workers)
    claims = ((pid, a.name, a.source) for pid, aliases in candidates.items() for a in aliases)
    collisions = resolve_collisions(claims, years=years)
    return CorpusKnowledge(candidates, collisions, keyphrases)


def _snapshot_rows(
    snapshot: Path, max_year: int, curated_ids: set[str], summary: ImportSummary
) -> Iterator[dict]:
    """The records to import in file order (first of a repeated id), drops counted."""
    seen: set[str] = set()
    for line in snapshot_lines(snapshot):
        summary.records += 1
        row, reason = parse_record(line, max_year)
        if row is None:
            summary.dropped[reason] += 1
            continue
        if row["arxiv_id"] in curated_ids:
            summary.replaced_by_curated += 1
            continue
        if row["arxiv_id"] in seen:
            summary.dropped["duplicate id (first kept)"] += 1
            continue
        seen.add(row["arxiv_id"])
        summary.without_year += row["year"] is None
        yield row


# The columns of a parsed record that are not the same for every record.
PARSED_SCHEMA = pa.schema(
    [field for field in PARQUET_SCHEMA if field.name not in UNFILLED_COLUMNS]
    + [pa.field("abstract", pa.string())]
)
PARSED_BATCH_ROWS = 10_000


class ParsedRecords:
    """The records to import, read as often as asked: the first read parses the snapshot
    (counting what it drops into ``summary``) and keeps the records in ``path``, an Arrow
    file; the later reads stream them from there (parsing the JSON of 311k records took 13 s
    a read). A first read not finished is not kept: the next read parses again."""

    def __init__(
        self,
        snapshot: Path,
        max_year: int,
        curated_ids: set[str],
        summary: ImportSummary,
        path: Path,
    ) -> None:
        self.snapshot, self.max_year, self.curated_ids = snapshot, max_year, curated_ids
        self.summary, self.path = summary, path
        self.kept = False

    def __call__(self) -> Iterator[dict]:
        return self._stored() if self.kept else self._parsed()

    def _parsed(self) -> Iterator[dict]:
        rows = _snapshot_rows(self.snapshot, self.max_year, self.curated_ids, self.summary)
        options = pa.ipc.IpcWriteOptions(compression="lz4")
        with pa.ipc.new_file(self.path, PARSED_SCHEMA, options=options) as writer:
            batch: list[dict] = []
            for row in rows:
                batch.append(row)
                if len(batch) == PARSED_BATCH_ROWS:
                    writer.write_batch(pa.RecordBatch.from_pylist(batch, PARSED_SCHEMA))
                    batch = []
                yield row
            if batch:
                writer.write_batch(pa.RecordBatch.from_pylist(batch, PARSED_SCHEMA))
        self.kept = True

    def _stored(self) -> Iterator[dict]:
        with pa.OSFile(str(self.path)) as source:
            reader = pa.ipc.open_file(source)
            for number in range(reader.num_record_batches):
                for row in reader.get_batch(number).to_pylist():
                    yield {**row, **UNFILLED_COLUMNS}


def with_keywords(keyphrases: KeyphraseExtractor, rows: list[dict]) -> list[dict]:
    """Snapshot rows with the keywords derived from their abstract, which they no longer
    carry (it is no catalog column: not sent back); on its own, so that ``map_chunks`` can
    run it on a pool."""
    for row in rows:
        row["keywords"] = keyphrases.keywords_field(row.pop("abstract"))
        row["keywords_source"] = "abstract" if row["keywords"] else ""
    return rows


def _with_knowledge(row: dict, knowledge: CorpusKnowledge, summary: ImportSummary) -> dict:
    """The row with its aliases (a snapshot row has its keywords already), counted."""
    aliases = knowledge.aliases(row["paper_id"])
    row["aliases"], row["alias_sources"] = join_aliases(aliases)
    summary.aliases_by_source.update(a.source for a in aliases)
    summary.papers_with_aliases += bool(aliases)
    summary.with_keywords += bool(row["keywords"])
    return row


def write_collisions(path: Path, table: CollisionTable) -> None:
    """Every name claimed by more than one paper, or dropped, with who claimed it."""
    entries = {
        key: {
            "kept_by": table.kept.get(key, ("", []))[1],
            "dropped": key in table.dropped,
            "claims": {source: sorted(papers) for source, papers in sorted(claims.items())},
        }
        for key, claims in sorted(table.claims.items())
        if key in table.dropped or len(table.kept[key][1]) > 1
    }
    path.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def import_snapshot(
    snapshot: Path,
    out_dir: Path,
    curated: Path | None = None,
    batch_rows: int = BATCH_ROWS,
    workers: int = 1,
) -> ImportSummary:
    """Write ``out_dir/catalog.parquet`` (curated entries, then the snapshot's) and its sha256,
    with mined aliases and derived keywords, and the collision table beside it. The work on
    the records runs on ``workers`` processes; the catalog is the same, byte for byte, with
    any number.

    The file is written under a temporary name and renamed, so a failed import leaves any
    previous catalog in place.
    """
    started = time.perf_counter()
    if not snapshot.is_file():
        raise FileNotFoundError(f"snapshot not found: {snapshot}")
    out_dir.mkdir(parents=True, exist_ok=True)
    out_file = out_dir / CATALOG_FILE
    summary = ImportSummary(snapshot=snapshot, out_file=out_file)
    max_year = dt.datetime.now(dt.UTC).year
    curated_frame = pd.DataFrame(columns=CATALOG_COLUMNS)
    if curated is not None:
        catalog = load_catalog(curated)
        summary.curated_errors = catalog.errors
        curated_frame = catalog.papers[CATALOG_COLUMNS].copy()
    curated_ids = set(curated_frame["arxiv_id"].dropna())
    tmp = out_dir / f".{CATALOG_FILE}.tmp"
    records = ParsedRecords(
        snapshot, max_year, curated_ids, summary, out_dir / f".{CATALOG_FILE}.records.arrow"
    )
    try:
        knowledge = learn_from_corpus(curated_frame, records, workers)
        with pq.ParquetWriter(tmp, PARQUET_SCHEMA) as writer:
            if len(curated_frame):
                rows = [_with_knowledge(r, knowledge, summary) for r in _records(curated_frame)]
                summary.curated = _write_batch(writer, _frame(rows), summary)
            batch: list[dict] = []
            for chunk in map_chunks(with_keywords, knowledge.keyphrases, records(), workers):
                for row in chunk:
                    batch.append(_with_knowledge(row, knowledge, summary))
                    if len(batch) >= batch_rows:
                        summary.imported += _write_batch(writer, _frame(batch), summary)
                        batch = []
            if batch:
                summary.imported += _write_batch(writer, _frame(batch), summary)
        os.replace(tmp, out_file)
    finally:
        tmp.unlink(missing_ok=True)
        records.path.unlink(missing_ok=True)
    summary.sha256 = file_sha256(out_file)
    (out_dir / f"{CATALOG_FILE}.sha256").write_text(f"{summary.sha256}  {CATALOG_FILE}\n")
    write_collisions(out_dir / COLLISIONS_FILE, knowledge.collisions)
    summary.shared_names = len(knowledge.collisions.shared())
    summary.dropped_names = len(knowledge.collisions.dropped)
    summary.seconds = time.perf_counter() - started
    return summary


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows of a validated catalog frame as dicts (missing years as None)."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return rows
