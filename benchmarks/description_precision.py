"""Benchmark: how often a description of a paper that is NOT in the catalog gets linked.

Run from the project root:  python benchmarks/description_precision.py [--snapshot FILE]

Real arXiv abstracts of papers absent from the catalog stand in for articles that describe
papers the catalog does not know, the usual case on unseen pages. Every link made from them
is a false link (unless the catalog holds the same paper under another id; those are printed
for a look). Each abstract is tried whole and sentence by sentence, as the pipeline tries
paragraphs and sentences. English abstracts share their words with catalog keywords far more
than a word-by-word translation does, so this is a harsh test.

Abstracts of papers that ARE in the catalog are tried too. Their keywords were written from
those abstracts, so the share they link is an upper bound, not a recall figure.
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

from pipeline.catalog import load_catalog
from pipeline.config import PROJECT_ROOT, Settings
from pipeline.crosslingual import load_term_tables
from pipeline.match import Matcher

DEFAULT_SNAPSHOT = (
    PROJECT_ROOT.parent / "shared" / "data" / "arxiv" / "arxiv-metadata-oai-snapshot.cs-subset.json.gz"
)
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
    args = parser.parse_args()
    if not args.snapshot.exists():
        sys.exit(f"snapshot not found: {args.snapshot}")

    catalog = load_catalog(args.catalog)
    matcher = Matcher(catalog, Settings().thresholds, load_term_tables(Settings().terms_dir))
    in_catalog = set(catalog.papers["arxiv_id"].dropna())
    abstracts = read_abstracts(args.snapshot)
    outside = sorted(a for a in abstracts if a not in in_catalog)
    sample = random.Random(args.seed).sample(outside, min(args.sample, len(outside)))
    inside = sorted(a for a in abstracts if a in in_catalog)

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
    wrong = {a for a, _ in outcomes["matched"]}
    print(f"catalog: {len(catalog)} papers, {len(matcher.profiles.paper_ids)} with keywords")
    print(f"abstracts of papers not in the catalog: {len(sample)} ({tried} passages, {seconds:.1f} s)")
    print(f"  linked (false links): {len(outcomes['matched'])} passages of {len(wrong)} abstracts"
          f" = {len(wrong) / max(len(sample), 1):.4f} of abstracts")
    print(f"  ambiguous: {len(outcomes['ambiguous'])} passages")
    for arxiv_id, decision in outcomes["matched"][:20]:
        title = abstracts[arxiv_id][0]
        print(f"    {arxiv_id} {title[:60]!r} -> {decision.paper_id} "
              f"{matcher.title_by_paper[decision.paper_id][:50]!r} ({decision.method})")

    outcomes, tried, seconds = run(inside)
    right = {a for a, d in outcomes["matched"] if d.paper_id == f"arxiv:{a}"}
    other = [(a, d) for a, d in outcomes["matched"] if d.paper_id != f"arxiv:{a}"]
    print(f"abstracts of catalog papers: {len(inside)} ({tried} passages)")
    print(f"  linked to their own paper: {len(right)} = {len(right) / max(len(inside), 1):.3f}")
    print(f"  passages linked to another paper: {len(other)}")
    for arxiv_id, decision in other[:10]:
        print(f"    {arxiv_id} -> {decision.paper_id} ({decision.method})")


if __name__ == "__main__":
    main()
