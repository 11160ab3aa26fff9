"""Benchmark: how often a description of a paper the catalog cannot recognise gets linked.

Run from the project root:
    python benchmarks/description_precision.py [--snapshot FILE] [--catalog PATH]

Real arXiv abstracts of papers that have no keywords in the catalog (absent from it, or
imported from the snapshot without keywords) stand in for articles that describe papers the
pipeline cannot recognise from a description, the usual case on unseen pages. A link from
one to any other paper is a false link (a few are in fact references: an abstract that says
"long short-term memory" does name that paper; they are printed for a look). Each abstract is
tried whole and sentence by sentence, as the pipeline tries paragraphs and sentences. English
abstracts share their words with catalog keywords far more than a word-by-word translation
does, so this is a harsh test.

Abstracts of papers that have keywords are tried too. Their keywords were written from those
abstracts, so the share they link is an upper bound, not a recall figure.

With a catalog whose imported papers have keywords derived from their abstracts (`catalog
import`), almost every abstract belongs to a paper with keywords; ``--hold-out N`` then takes N
such papers out of the catalog, so that their abstracts describe papers it does not hold (any
link is false), and ``--inside-sample`` bounds the papers with keywords tried.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_catalog import DEFAULT_SNAPSHOT

from pipeline.catalog import Catalog, load_catalog
from pipeline.config import Settings
from pipeline.link.matcher import Matcher
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import load_term_tables

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def read_abstracts(snapshot: Path) -> dict[str, tuple[str, str]]:
    """arXiv id -> (title, abstract) for every record with an abstract."""
    found = {}
    with gzip.open(snapshot, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record.get("abstract"):
                found[record["id"]] = (record["title"], record["abstract"])
    return found


def passages(abstract: str) -> list[str]:
    return [abstract, *SENTENCE_END.split(abstract)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--catalog", type=Path, default=Settings().catalog_path)
    parser.add_argument("--sample", type=int, default=3000, help="abstracts not in the catalog")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hold-out", type=int, default=0, help="papers with keywords removed")
    parser.add_argument("--inside-sample", type=int, help="papers with keywords tried")
    args = parser.parse_args()
    if not args.snapshot.exists():
        sys.exit(f"snapshot not found: {args.snapshot}")

    catalog = load_catalog(args.catalog)
    abstracts = read_abstracts(args.snapshot)
    rng = random.Random(args.seed)
    if args.hold_out:
        papers = catalog.papers
        candidates = sorted(
            set(papers.loc[papers["keywords"] != "", "arxiv_id"].dropna()) & set(abstracts)
        )
        held = set(rng.sample(candidates, min(args.hold_out, len(candidates))))
        kept = papers[~papers["arxiv_id"].isin(held)].reset_index(drop=True)
        catalog = Catalog(papers=kept, sha256=catalog.sha256, errors=catalog.errors)
    started = time.perf_counter()
    matcher = Matcher(
        catalog,
        LinkPolicy.from_thresholds(Settings().thresholds),
        load_term_tables(Settings().terms_dir),
    )
    print(f"matcher built in {time.perf_counter() - started:.0f} s")
    papers = catalog.papers
    described = set(papers.loc[papers["keywords"] != "", "arxiv_id"].dropna())
    absent = set(abstracts) - set(papers["arxiv_id"].dropna())
    outside = sorted(a for a in abstracts if a not in described)
    if args.hold_out:
        outside = sorted(a for a in outside if a in absent)
    sample = rng.sample(outside, min(args.sample, len(outside)))
    inside = sorted(a for a in abstracts if a in described)
    if args.inside_sample:
        inside = sorted(rng.sample(inside, min(args.inside_sample, len(inside))))

    def run(ids: list[str]) -> tuple[dict[str, list], int, float]:
        outcomes: dict[str, list] = {"matched": [], "ambiguous": []}
        tried = 0
        started = time.perf_counter()
        for arxiv_id in ids:
            for passage in passages(abstracts[arxiv_id][1]):
                tried += 1
                decision = matcher.decide_description(passage, "en")
                if decision is not None:
                    outcomes[decision.status].append((arxiv_id, decision))
        return outcomes, tried, time.perf_counter() - started

    outcomes, tried, seconds = run(sample)
    false_links = [(a, d) for a, d in outcomes["matched"] if d.paper_id != f"arxiv:{a}"]
    wrong = {a for a, _ in false_links}
    print(f"catalog: {len(catalog)} papers, {len(matcher.profiles.title_index)} with keywords")
    print(f"abstracts of papers without keywords: {len(sample)}", end=" ")
    print(f"({tried} passages, {seconds:.1f} s)")
    print(
        f"  false links: {len(false_links)} passages of {len(wrong)} abstracts"
        f" = {len(wrong) / max(len(sample), 1):.4f} of abstracts"
    )
    print(f"  linked to their own paper: {len(outcomes['matched']) - len(false_links)} passages")
    print(f"  ambiguous: {len(outcomes['ambiguous'])} passages")
    for arxiv_id, decision in false_links[:20]:
        title = abstracts[arxiv_id][0]
        print(
            f"    {arxiv_id} {title[:60]!r} -> {decision.paper_id} "
            f"{matcher.title_by_paper[decision.paper_id][:50]!r} ({decision.method})"
        )

    outcomes, tried, seconds = run(inside)
    right = {a for a, d in outcomes["matched"] if d.paper_id == f"arxiv:{a}"}
    other = [(a, d) for a, d in outcomes["matched"] if d.paper_id != f"arxiv:{a}"]
    print(f"abstracts of papers with keywords: {len(inside)} ({tried} passages)")
    print(f"  linked to their own paper: {len(right)} = {len(right) / max(len(inside), 1):.3f}")
    print(f"  passages linked to another paper: {len(other)}")
    for arxiv_id, decision in other[:10]:
        print(f"    {arxiv_id} -> {decision.paper_id} ({decision.method})")


if __name__ == "__main__":
    main()
