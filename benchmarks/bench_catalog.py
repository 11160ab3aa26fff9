"""Benchmark: snapshot import, and the blocked title index against brute-force rapidfuzz.

Run from the project root:  python benchmarks/bench_catalog.py [--snapshot FILE]

Every measurement runs in its own subprocess so that its peak RSS is its own. Catalogs: the
real snapshot subset (311k titles) and a 2.5M-title catalog made of it plus perturbed copies
(words replaced, inserted or dropped: near-duplicate distractors). Queries are real catalog
titles with realistic noise (case, dropped or swapped words, typos, truncation, missing
spaces), plus held-out real titles absent from the catalog. Brute force
(``process.extractOne`` over every title, same ``fuzz.ratio`` on compact titles) is slow, so it
runs on a sample of the queries; recall and agreement are compared on that same sample.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.catalog_import import import_snapshot
from pipeline.config import DEFAULT_CATALOG
from pipeline.link.policy import LinkPolicy
from pipeline.link.title_index import TitleIndex, compact_title
from pipeline.link.titles import decide_title

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SNAPSHOT = (
    PROJECT_ROOT.parent
    / "shared"
    / "data"
    / "arxiv"
    / "arxiv-metadata-oai-snapshot.cs-subset.json.gz"
)
HELD_OUT = 1_000
SEED = 20261123


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_titles(snapshot: Path) -> tuple[list[str], list[str]]:
    ids, titles = [], []
    with gzip.open(snapshot, "rb") as fh:
        for line in fh:
            record = json.loads(line)
            ids.append(f"arxiv:{record['id']}")
            titles.append(" ".join(record["title"].split()))
    return ids, titles


def noisy(title: str, rng: random.Random) -> str:
    words = title.split()
    kind = rng.choice(["case", "drop", "swap", "typo", "truncate", "join"])
    if kind == "case":
        return title.lower() if rng.random() < 0.5 else title.upper()
    if kind == "drop" and len(words) > 3:
        del words[rng.randrange(len(words))]
    elif kind == "swap" and len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif kind == "truncate" and len(words) > 4:
        words = words[: max(3, int(len(words) * rng.uniform(0.6, 0.85)))]
    elif kind == "join" and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i : i + 2] = [words[i] + words[i + 1]]
    else:
        chars = list(title)
        for _ in range(rng.randint(1, 3)):
            chars[rng.randrange(len(chars))] = rng.choice("abcdefghijklmnopqrstuvwxyz")
        return "".join(chars)
    return " ".join(words)


def perturbed(title: str, vocabulary: list[str], rng: random.Random) -> str:
    words = title.split()
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.4 and words:
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        elif kind < 0.8:
            words.insert(rng.randrange(len(words) + 1), rng.choice(vocabulary))
        elif len(words) > 2:
            del words[rng.randrange(len(words))]
    return " ".join(words)


def part_import(snapshot: Path, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as out:
        summary = import_snapshot(snapshot, Path(out), DEFAULT_CATALOG, workers=workers)
    return {
        "part": "import",
        "workers": workers,
        "seconds": round(summary.seconds, 1),
        "records": summary.records,
        "rows": summary.rows,
        "dropped": sum(summary.dropped.values()),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def _decide(query: str, ranked: list[tuple[str, float]], titles: dict[str, str]) -> str | None:
    decision = decide_title(query, ranked, titles, LinkPolicy())
    return decision.paper_id if decision.status == "matched" else None


def part_catalog(snapshot: Path, copies: int, queries: int, brute_queries: int) -> dict:
    rng = random.Random(SEED)
    ids, titles = read_titles(snapshot)
    held = set(rng.sample(range(len(ids)), HELD_OUT))
    absent = [titles[i] for i in sorted(held)]
    ids = [p for i, p in enumerate(ids) if i not in held]
    titles = [t for i, t in enumerate(titles) if i not in held]
    originals = len(ids)
    if copies:
        vocabulary = sorted({w for t in titles[::50] for w in t.split()})
        for copy in range(1, copies + 1):
            for i in range(originals):
                ids.append(f"ref:copy{copy}-{i}")
                titles.append(perturbed(titles[i], vocabulary, rng))
    title_by_id = dict(zip(ids, titles, strict=True))
    sample = rng.sample(range(originals), queries)
    present = [(noisy(titles[i], rng), ids[i]) for i in sample]
    missing = [(t if rng.random() < 0.5 else noisy(t, rng), None) for t in absent]
    workload = present + missing
    rng.shuffle(workload)

    started = time.perf_counter()
    index = TitleIndex(ids, titles)
    index.search("warm up: build the index")
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    blocked = [index.search(q, 3) for q, _ in workload]
    blocked_qps = len(workload) / (time.perf_counter() - started)
    rss = peak_rss_mb()

    def scores(results: list[list[tuple[str, float]]], cases: list) -> dict:
        found = [
            bool(r) and r[0][0] == truth
            for r, (_, truth) in zip(results, cases, strict=True)
            if truth
        ]
        false = [
            _decide(q, r, title_by_id) is not None
            for r, (q, truth) in zip(results, cases, strict=True)
            if truth is None
        ]
        return {"recall": sum(found) / len(found), "false_match": sum(false) / max(len(false), 1)}

    brute_cases = workload[:brute_queries]
    keys = [compact_title(t) for t in titles]
    started = time.perf_counter()
    brute = []
    for query, _ in brute_cases:
        hits = process.extract(compact_title(query), keys, scorer=fuzz.ratio, limit=3)
        brute.append([(ids[i], float(s)) for _, s, i in hits])
    brute_qps = len(brute_cases) / (time.perf_counter() - started)
    agree = sum(
        bool(b) and bool(k) and b[0][1] == k[0][1] for b, k in zip(brute, blocked, strict=False)
    )
    return {
        "part": "catalog",
        "titles": len(ids),
        "queries": len(workload),
        "absent": len(missing),
        "build_seconds": round(build_seconds, 1),
        "blocked_qps": round(blocked_qps),
        "blocked": scores(blocked, workload),
        "blocked_on_sample": scores(blocked[:brute_queries], brute_cases),
        "brute_queries": len(brute_cases),
        "brute_qps": round(brute_qps, 2),
        "brute": scores(brute, brute_cases),
        "top_score_agreement": agree / len(brute_cases),
        "peak_rss_mb": round(rss),
    }


def run_part(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--queries", type=int, default=5_000)
    parser.add_argument("--brute-queries", type=int, default=400)
    parser.add_argument("--brute-queries-large", type=int, default=60)
    parser.add_argument("--copies", type=int, default=7, help="perturbed copies for the large run")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes of the import"
    )
    parser.add_argument("--part", choices=["import", "catalog"], help=argparse.SUPPRESS)
    parser.add_argument("--part-copies", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.snapshot.is_file():
        sys.exit(f"snapshot not found: {args.snapshot}")
    if args.part == "import":
        print(json.dumps(part_import(args.snapshot, args.workers)))
        return
    if args.part == "catalog":
        print(
            json.dumps(
                part_catalog(args.snapshot, args.part_copies, args.queries, args.brute_queries)
            )
        )
        return
    common = ["--snapshot", str(args.snapshot), "--queries", str(args.queries)]
    imported = run_part([*common, "--part", "import", "--workers", str(args.workers)])
    results = [
        run_part([*common, "--part", "catalog", "--brute-queries", str(args.brute_queries)]),
        run_part(
            [
                *common,
                "--part",
                "catalog",
                "--part-copies",
                str(args.copies),
                "--brute-queries",
                str(args.brute_queries_large),
            ]
        ),
    ]
    print(
        f"import of {imported['records']:,} records on {imported['workers']} processes: "
        f"{imported['seconds']} s wall, "
        f"{imported['rows']:,} catalog rows (with the curated catalog), "
        f"{imported['dropped']} dropped, peak RSS of the run's process "
        f"{imported['peak_rss_mb']} MB\n"
    )
    print(
        "| catalog | method | queries | queries/s (1 core) | recall@1 | false match (absent) "
        "| build s | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        name = f"{r['titles']:,} titles"
        b, s, bf = r["blocked"], r["blocked_on_sample"], r["brute"]
        print(
            f"| {name} | blocked | {r['queries']:,} | {r['blocked_qps']:,} | {b['recall']:.4f} "
            f"| {b['false_match']:.4f} | {r['build_seconds']} | {r['peak_rss_mb']} |"
        )
        print(
            f"| {name} | blocked, brute-force sample | {r['brute_queries']} | | {s['recall']:.4f} "
            f"| {s['false_match']:.4f} | | |"
        )
        print(
            f"| {name} | brute force extract | {r['brute_queries']} | {r['brute_qps']} "
            f"| {bf['recall']:.4f} | {bf['false_match']:.4f} | | |"
        )
    for r in results:
        print(
            f"{r['titles']:,} titles: top-1 score equal to brute force on "
            f"{r['top_score_agreement']:.1%} of the {r['brute_queries']} sampled queries"
        )


if __name__ == "__main__":
    main()
