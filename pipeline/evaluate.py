"""Score a published dataset against gold annotations (one CSV per source document).

A link is a distinct (source_file, paper) pair from matched mentions. Precision counts links
that the gold lists for that document at any tier (P rows included: linking a passing mention
correctly is not an error). Recall is per tier A, B, C, and per language and kind over A-C.

Given the catalog the run linked against, recall is also scored over the gold papers that
catalog holds (by arXiv id or title), and each miss says whether its paper is in the catalog:
a paper no catalog row names cannot be linked by its name or its title in another language,
so such misses are the catalog's, not the linker's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.link.title_index import normalize_title

GOLD_COLUMNS = ["source_file", "arxiv_id", "canonical_title", "year", "kind", "tier", "surface"]
RECALL_TIERS = ("A", "B", "C")


def paper_key(arxiv_id: object, title: object) -> str:
    if isinstance(arxiv_id, str) and arxiv_id:
        return f"arxiv:{arxiv_id}"
    return f"title:{normalize_title(str(title))}"


def catalog_keys(papers: pd.DataFrame) -> set[str]:
    """The keys (:func:`paper_key`) under which gold rows find the catalog's papers: each
    paper's arXiv id and its normalised title, so that a gold row whose paper has no arXiv
    id, or another id in the catalog, is still found by its title."""
    ids = {f"arxiv:{a}" for a in papers["arxiv_id"].dropna() if a}
    return ids | {paper_key(None, t) for t in papers["title"]}


def load_gold(gold_dir: Path) -> pd.DataFrame:
    files = sorted(gold_dir.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no gold CSV files in {gold_dir}")
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    gold = pd.concat(frames, ignore_index=True)
    missing = [c for c in GOLD_COLUMNS if c not in gold.columns]
    if missing:
        raise ValueError(f"gold files lack columns: {', '.join(missing)}")
    gold["key"] = [
        paper_key(a, t) for a, t in zip(gold["arxiv_id"], gold["canonical_title"], strict=True)
    ]
    return gold


def predicted_links(out_dir: Path) -> pd.DataFrame:
    mentions = pd.read_parquet(out_dir / "mentions.parquet")
    papers = pd.read_parquet(out_dir / "papers.parquet").set_index("paper_id")
    matched = mentions[mentions["status"] == "matched"]
    titles = [papers.at[paper_id, "title"] for paper_id in matched["paper_id"]]
    keys = [paper_key(a, t) for a, t in zip(matched["arxiv_id"], titles, strict=True)]
    links = pd.DataFrame(
        {
            "source_file": matched["source_file"],
            "key": keys,
            "title_key": [paper_key(None, t) for t in titles],
            "paper_id": matched["paper_id"],
            "surface": matched["surface"],
            "method": matched["method"],
        }
    )
    return links.drop_duplicates(["source_file", "key"]).reset_index(drop=True)


def _ratio(found: int, total: int) -> float | None:
    return round(found / total, 4) if total else None


def _recall_by(gold: pd.DataFrame, column: str) -> dict[str, dict]:
    return {
        str(value): {
            "found": int(g["found"].sum()),
            "total": len(g),
            "recall": _ratio(int(g["found"].sum()), len(g)),
        }
        for value, g in gold.groupby(column, sort=True)
    }


def evaluate(out_dir: Path, gold_dir: Path, catalog: set[str] | None = None) -> dict:
    """Scores of the dataset in ``out_dir`` against the gold CSV files in ``gold_dir``;
    with ``catalog`` (:func:`catalog_keys`) also recall over the gold papers it holds."""
    gold = load_gold(gold_dir)
    documents = pd.read_parquet(out_dir / "documents.parquet")
    links = predicted_links(out_dir)
    judged = links[links["source_file"].isin(set(gold["source_file"]))]
    # A link is to the gold paper when the titles agree though the keys do not: a paper
    # outside the catalog is named by its title where the gold row knows its arXiv id, and a
    # gold row whose id could not be verified has none.
    by_title = {
        (f, paper_key(None, t)): k
        for f, t, k in zip(gold["source_file"], gold["canonical_title"], gold["key"], strict=True)
    }
    gold_pairs = set(zip(gold["source_file"], gold["key"], strict=True))
    judged = judged.assign(
        key=[
            k if (f, k) in gold_pairs else by_title.get((f, t), k)
            for f, k, t in zip(
                judged["source_file"], judged["key"], judged["title_key"], strict=True
            )
        ]
    ).drop_duplicates(["source_file", "key"])
    link_pairs = set(zip(judged["source_file"], judged["key"], strict=True))
    correct = judged[
        [p in gold_pairs for p in zip(judged["source_file"], judged["key"], strict=True)]
    ]
    false_links = judged[
        [p not in gold_pairs for p in zip(judged["source_file"], judged["key"], strict=True)]
    ]
    gold = gold.assign(
        found=[p in link_pairs for p in zip(gold["source_file"], gold["key"], strict=True)],
        language=gold["source_file"]
        .map(documents.set_index("source_file")["language"])
        .fillna("missing"),
    )
    if catalog is not None:
        gold["in_catalog"] = [
            key in catalog or paper_key(None, title) in catalog
            for key, title in zip(gold["key"], gold["canonical_title"], strict=True)
        ]
    required = gold[gold["tier"].isin(RECALL_TIERS)]
    misses = required[~required["found"]]
    miss_columns = ["source_file", "tier", "kind", "key", "canonical_title", "surface"]
    scores = {
        "links": len(judged),
        "correct_links": len(correct),
        "precision": _ratio(len(correct), len(judged)),
        "recall_by_tier": _recall_by(gold, "tier"),
        "recall_by_language": _recall_by(required, "language"),
        "recall_by_kind": _recall_by(required, "kind"),
        "unjudged_links": int(len(links) - len(judged)),
        "misses": misses[miss_columns + (["in_catalog"] if catalog is not None else [])].to_dict(
            "records"
        ),
        "false_links": false_links[["source_file", "paper_id", "surface", "method"]].to_dict(
            "records"
        ),
    }
    if catalog is not None:
        scores["recall_in_catalog_by_tier"] = _recall_by(gold[gold["in_catalog"]], "tier")
    return scores


def format_scores(scores: dict) -> str:
    lines = [
        f"precision: {scores['precision']} ({scores['correct_links']}/{scores['links']} links)",
        "",
        "| group | found | total | recall |",
        "|---|---|---|---|",
    ]
    for title, key in (
        ("tier", "recall_by_tier"),
        ("language", "recall_by_language"),
        ("kind", "recall_by_kind"),
    ):
        for value, row in scores[key].items():
            lines.append(f"| {title} {value} | {row['found']} | {row['total']} | {row['recall']} |")
    for value, row in scores.get("recall_in_catalog_by_tier", {}).items():
        lines.append(
            f"| tier {value}, paper in the catalog | {row['found']} | {row['total']} "
            f"| {row['recall']} |"
        )
    lines += ["", f"misses (tiers A-C): {len(scores['misses'])}"]
    lines += [
        f"  {m['source_file']} {m['tier']} {m['kind']} {m['key']}"
        f"{' (not in the catalog)' if m.get('in_catalog') is False else ''}: {m['surface'][:80]}"
        for m in scores["misses"]
    ]
    lines += ["", f"false links: {len(scores['false_links'])}"]
    lines += [
        f"  {f['source_file']} {f['paper_id']} via {f['method']}: {f['surface'][:80]}"
        for f in scores["false_links"]
    ]
    return "\n".join(lines)


def write_json(scores: dict, path: Path) -> None:
    path.write_text(json.dumps(scores, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
