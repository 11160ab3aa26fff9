"""Why names go unlinked: the tier-B misses of papers the catalog holds, by cause.

    python benchmarks/name_gap.py --dataset OUT --gold DIR --catalog PATH [--snapshot FILE]
                                  [--list]

``OUT`` is a dataset published by a run on the gold's pages with ``--catalog PATH``. Every
tier-B gold row (a paper named by a model or method name) that the run missed although the
catalog holds its paper falls in one cause:

- ``alias written, unconfirmed``: the page writes one of the paper's aliases, the linker
  found it and left it unmatched because nothing around it confirmed a mined name;
- ``alias written, shared``: found, ambiguous between several papers claiming it;
- ``alias written, other status``: found and decided otherwise (another version, another
  paper, a year that disagrees);
- ``alias written, not found``: the page writes an alias in a form the name finder does not
  take for it (another letter case of a mined name, a form inside a longer token);
- ``name in the record, not mined``: no alias of the paper is written, but a name-like token
  of the page's mention is written in the paper's title or abstract;
- ``name not in the record``: the page names the paper by a name its record never writes
  (``ResNet`` for *Deep Residual Learning for Image Recognition*): no rule over titles and
  abstracts can learn it;
- ``no name``: the mention holds no name-like token (a description, an author reference).

Abstracts come from the arXiv snapshot (they are not kept in the imported catalog). Counts
are safe to read on a held-out set; ``--list`` prints the rows, which makes the set
development data.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_catalog import DEFAULT_SNAPSHOT

from pipeline.catalog import load_catalog, split_aliases
from pipeline.catalog_import import snapshot_lines
from pipeline.evaluate import catalog_keys, evaluate, paper_key
from pipeline.mining import USAGE_TOKEN as TOKEN
from pipeline.mining import acronym_key, has_name_spelling, is_common_word

CAUSES = (
    "alias written, unconfirmed",
    "alias written, shared",
    "alias written, other status",
    "alias written, not found",
    "name in the record, not mined",
    "name not in the record",
    "no name",
)
MAX_NAME_TOKENS = 3


def token_keys(text: str) -> set[str]:
    """Name keys of every run of one to three tokens of ``text`` (an acronym's plural as its
    singular: ``DCGANs`` is ``DCGAN``)."""
    tokens = TOKEN.findall(text)
    return {
        acronym_key(" ".join(tokens[i : i + n]))
        for n in range(1, MAX_NAME_TOKENS + 1)
        for i in range(len(tokens) - n + 1)
    }


def name_like(token: str) -> bool:
    """A token spelled as a name (``GraphSAGE``, ``A3C``, ``VGG``) or capitalised and not a
    common word (``Tacotron``)."""
    if has_name_spelling(token) or (len(token) > 1 and token.isupper()):
        return True
    return token[:1].isupper() and not is_common_word(token.lower())


def cause(
    surface: str,
    aliases: list[str],
    record_text: str,
    page_mentions: pd.DataFrame,
) -> str:
    """The cause of one miss (see the module's docstring)."""
    keys = token_keys(surface)
    written = [a for a in aliases if acronym_key(a) in keys]
    if written:
        wanted = {acronym_key(a) for a in written}
        found = page_mentions[[acronym_key(s) in wanted for s in page_mentions["surface"]]]
        if found.empty:
            return "alias written, not found"
        methods = set(found["method"])
        if "alias_mined_unconfirmed" in methods:
            return "alias written, unconfirmed"
        if "ambiguous" in set(found["status"]):
            return "alias written, shared"
        return "alias written, other status"
    names = [t for t in TOKEN.findall(surface) if t[0].isalpha() and name_like(t)]
    if not names:
        return "no name"
    if set(TOKEN.findall(record_text)).intersection(names):
        return "name in the record, not mined"
    return "name not in the record"


def abstracts(snapshot: Path, arxiv_ids: set[str]) -> dict[str, str]:
    """The abstracts of ``arxiv_ids`` in the snapshot (one read of the file)."""
    found: dict[str, str] = {}
    if not arxiv_ids or not snapshot.is_file():
        return found
    for line in snapshot_lines(snapshot):
        record = json.loads(line)
        if record.get("id") in arxiv_ids:
            found[record["id"]] = record.get("abstract") or ""
    return found


def name_misses(dataset: Path, gold: Path, catalog: pd.DataFrame) -> list[dict]:
    """The run's tier-B misses of papers the catalog holds."""
    scores = evaluate(dataset, gold, catalog_keys(catalog))
    return [m for m in scores["misses"] if m["tier"] == "B" and m["in_catalog"]]


def causes(
    misses: Iterable[dict], catalog: pd.DataFrame, mentions: pd.DataFrame, snapshot: Path
) -> list[tuple[dict, str]]:
    by_key: dict[str, dict] = {}
    for row in catalog.itertuples():
        record = row._asdict()
        by_key.setdefault(paper_key(None, row.title), record)
        if isinstance(row.arxiv_id, str) and row.arxiv_id:
            by_key[paper_key(row.arxiv_id, None)] = record
    misses = list(misses)
    papers = [by_key.get(m["key"]) or by_key[paper_key(None, m["canonical_title"])] for m in misses]
    texts = abstracts(snapshot, {p["arxiv_id"] for p in papers if isinstance(p["arxiv_id"], str)})
    result = []
    for miss, paper in zip(misses, papers, strict=True):
        record = f"{paper['title']} {texts.get(paper['arxiv_id'], '')}"
        page = mentions[mentions["source_file"] == miss["source_file"]]
        aliases = split_aliases(paper["aliases"])
        result.append((miss, cause(miss["surface"], aliases, record, page)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True, help="a published run's folder")
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--catalog", type=Path, required=True, help="the run's catalog")
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument(
        "--list", action="store_true", help="print each miss (never on a held-out set)"
    )
    args = parser.parse_args()
    catalog = load_catalog(args.catalog).papers
    mentions = pd.read_parquet(args.dataset / "mentions.parquet")
    judged = causes(name_misses(args.dataset, args.gold, catalog), catalog, mentions, args.snapshot)
    counts = Counter(c for _, c in judged)
    print("| cause | misses |\n|---|---|")
    for name in CAUSES:
        print(f"| {name} | {counts.get(name, 0)} |")
    print(f"| all | {len(judged)} |")
    if args.list:
        for miss, name in judged:
            print(f"{name} | {miss['source_file']} | {miss['surface'][:60]} | {miss['key']}")


if __name__ == "__main__":
    main()
