"""Benchmark: how many curated names the alias miner recovers, and how precise its names are.

Run from the project root:
    python benchmarks/alias_miner.py [--snapshot FILE] [--catalog PATH] [--show-sample]

Recovery: the curated papers that are also in the arXiv snapshot are mined from their
snapshot title and abstract alone, as if nobody had curated them (snapshot-only, the collision
rule applied over the whole snapshot), and each of their hand-written aliases counts as
recovered when a mined name has the same name key (case, spaces, hyphens and dots aside).

Precision: a seeded sample of the names the miner adds on the whole snapshot, drawn per
source (title, abstract) as the names of smallest seeded hash (stable when the miner
changes), labelled by hand in ``alias_miner_labels.csv`` (arXiv id, alias, source, label
``correct`` or ``wrong``: is this a name the paper gives its own method, model, data set or
system?). The overall figure weighs each source's precision by its share of the
mined names. ``--show-sample`` prints the sample with the text around each name, to label it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_catalog import DEFAULT_SNAPSHOT

from pipeline.catalog import load_catalog
from pipeline.catalog_import import parse_record, snapshot_lines
from pipeline.config import Settings
from pipeline.mining import (
    MinedAlias,
    curated_only,
    kept_aliases,
    mine_aliases,
    name_key,
    publication_time,
    resolve_collisions,
    without_names_in_use,
)

LABELS = Path(__file__).resolve().parent / "alias_miner_labels.csv"
SAMPLE_PER_SOURCE = {"title": 70, "abstract": 60}


def read_snapshot(path: Path) -> dict[str, tuple[str, str, int | None]]:
    """arXiv id -> (title, abstract, year), first record of a repeated id."""
    records: dict[str, tuple[str, str, int | None]] = {}
    for line in snapshot_lines(path):
        row, _ = parse_record(line, 9999)
        if row is not None and row["arxiv_id"] not in records:
            records[row["arxiv_id"]] = (row["title"], row["abstract"], row["year"])
    return records


def mine_snapshot(records: dict[str, tuple[str, str, int | None]]) -> dict[str, list[MinedAlias]]:
    """The names each paper keeps, as at import (names in common use left out, collision
    rule), snapshot only."""
    candidates = {i: mine_aliases(t, a) for i, (t, a, _) in records.items()}
    years = {i: y for i, (_, _, y) in records.items()}
    dates = {i: publication_time(i, y) for i, y in years.items()}
    candidates = without_names_in_use(
        candidates, dates, ((i, dates[i], f"{t} {a}") for i, (t, a, _) in records.items())
    )
    table = resolve_collisions(
        ((i, alias.name, alias.source) for i, aliases in candidates.items() for alias in aliases),
        years=years,
    )
    return {i: kept_aliases(i, aliases, table) for i, aliases in candidates.items() if aliases}


def recovery(catalog_path: Path, records: dict, kept: dict[str, list[MinedAlias]]) -> None:
    papers = load_catalog(catalog_path).papers
    total = recovered = papers_seen = written = written_recovered = 0
    by_source: Counter[str] = Counter()
    missed = []
    for arxiv_id, aliases, sources in zip(
        papers["arxiv_id"], papers["aliases"], papers["alias_sources"], strict=True
    ):
        curated = curated_only(aliases, sources)
        if not isinstance(arxiv_id, str) or arxiv_id not in records or not curated:
            continue
        papers_seen += 1
        mined = {name_key(a.name): a for a in kept.get(arxiv_id, [])}
        title, abstract, _ = records[arxiv_id]
        for alias in curated:
            total += 1
            found = mined.get(name_key(alias))
            in_text = alias.casefold() in f"{title} {abstract}".casefold()
            written += in_text
            written_recovered += in_text and found is not None
            if found is None:
                missed.append((arxiv_id, alias))
                continue
            recovered += 1
            by_source[found.source] += 1
    print(f"recovery: curated papers with aliases also in the snapshot: {papers_seen}")
    print(
        f"  curated aliases recovered by the miner: {recovered} / {total}"
        f" = {recovered / max(total, 1):.3f}"
        f" (from the title {by_source['title']}, from the abstract {by_source['abstract']})"
    )
    print(
        f"  of the aliases written in the snapshot title or abstract: {written_recovered} /"
        f" {written} = {written_recovered / max(written, 1):.3f}"
    )
    print(f"  e.g. missed: {', '.join(f'{a} ({i})' for i, a in missed[:12])}")


def draw_sample(kept: dict[str, list[MinedAlias]], seed: int) -> list[tuple[str, MinedAlias]]:
    """Per source, the names whose hash (with the seed) is smallest: a name stays in the sample
    while the miner gives it and no new name hashes lower, so a change to the miner needs
    labels only for the names it adds to the sample."""

    def rank(item: tuple[str, MinedAlias]) -> str:
        return hashlib.sha256(f"{seed}:{item[0]}:{item[1].name}".encode()).hexdigest()

    sample = []
    for source, size in SAMPLE_PER_SOURCE.items():
        pool = [(i, a) for i, aliases in kept.items() for a in aliases if a.source == source]
        sample += sorted(pool, key=rank)[:size]
    return sample


def show(sample: list[tuple[str, MinedAlias]], records: dict) -> None:
    for arxiv_id, alias in sample:
        title, abstract, _ = records[arxiv_id]
        where = abstract.find(alias.name)
        context = abstract[max(where - 120, 0) : where + 80] if where >= 0 else ""
        print(f"{arxiv_id},{alias.name},{alias.source}\n  T: {title}\n  A: ...{context}...")


def precision(sample: list[tuple[str, MinedAlias]], kept: dict) -> None:
    if not LABELS.exists():
        print(f"precision: no labels ({LABELS.name}); run with --show-sample and label them")
        return
    with LABELS.open(encoding="utf-8") as fh:
        labels = {(r["arxiv_id"], r["alias"]): r["label"] for r in csv.DictReader(fh)}
    population = Counter(a.source for aliases in kept.values() for a in aliases)
    overall = 0.0
    print("precision of the added names (hand-labelled seeded sample):")
    for source in SAMPLE_PER_SOURCE:
        drawn = [(i, a) for i, a in sample if a.source == source]
        judged = [labels[(i, a.name)] for i, a in drawn if (i, a.name) in labels]
        correct = judged.count("correct")
        share = population[source] / sum(population.values())
        value = correct / max(len(judged), 1)
        overall += share * value
        print(
            f"  {source}: {correct} / {len(judged)} correct = {value:.3f}"
            f" ({len(drawn) - len(judged)} of the sample unlabelled;"
            f" {population[source]} names mined, {share:.0%} of all)"
        )
    print(f"  weighted by source: {overall:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--catalog", type=Path, default=Settings().catalog_path)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--show-sample", action="store_true")
    args = parser.parse_args()
    if not args.snapshot.exists():
        sys.exit(f"snapshot not found: {args.snapshot}")
    started = time.perf_counter()
    records = read_snapshot(args.snapshot)
    kept = mine_snapshot(records)
    names = sum(len(a) for a in kept.values())
    named = sum(1 for a in kept.values() if a)
    print(
        f"snapshot: {len(records)} papers; the miner gives {names} names to {named} papers"
        f" ({time.perf_counter() - started:.0f} s)"
    )
    recovery(args.catalog, records, kept)
    sample = draw_sample(kept, args.seed)
    if args.show_sample:
        show(sample, records)
    precision(sample, kept)


if __name__ == "__main__":
    main()
