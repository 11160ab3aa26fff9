"""Command line: ``python -m pipeline run|evaluate``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.config import load_settings

# Prefect talks to a local temporary server unless told otherwise; its first start can take
# over a minute, and it should not phone home.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Find research-paper mentions in German, Malay and Chinese articles, link "
        "them to canonical arXiv papers and publish a validated Parquet dataset.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="build and publish the dataset",
        description="Read every .txt/.md/.html file under RAW, link the paper mentions to the "
        "catalog, validate, and publish tables and report to OUT. A run that fails validation "
        "publishes nothing and keeps the previous dataset. Settings can also come from "
        "PAPER_MENTIONS_RAW_DIR, PAPER_MENTIONS_OUT_DIR, PAPER_MENTIONS_CATALOG_PATH and "
        "PAPER_MENTIONS_MAX_FILE_BYTES.",
    )
    run.add_argument("--raw", type=Path, help="folder of source texts (default: raw/)")
    run.add_argument("--out", type=Path, help="output folder (default: clean/)")
    run.add_argument(
        "--catalog",
        type=Path,
        help="catalog: a folder of CSV files or a Parquet file (default: raw/catalog/)",
    )
    run.add_argument(
        "--max-file-bytes", type=int, help="reject source files larger than this (default: 20 MiB)"
    )
    run.add_argument(
        "--engine",
        choices=["prefect", "local"],
        default="prefect",
        help="run as a Prefect flow (default) or as plain function calls",
    )

    evaluate = commands.add_parser(
        "evaluate",
        help="score a published dataset against gold annotations",
        description="Precision and recall per tier, language and kind of the links in OUT, "
        "against gold CSV files (one per source document).",
    )
    evaluate.add_argument("--gold", type=Path, required=True, help="folder of gold CSV files")
    evaluate.add_argument("--out", type=Path, help="dataset folder to score (default: clean/)")
    evaluate.add_argument("--json", type=Path, help="also write the scores to this JSON file")
    _catalog_parser(commands)
    return parser


def _catalog_parser(commands: argparse._SubParsersAction) -> None:
    catalog = commands.add_parser("catalog", help="import or enrich a paper catalog")
    actions = catalog.add_subparsers(dest="catalog_command", required=True)
    imports = actions.add_parser(
        "import",
        help="import the arXiv metadata snapshot as a Parquet catalog",
        description="Stream SNAPSHOT (arxiv-metadata-oai-snapshot.json, plain or gzipped JSON "
        "lines), merge it with the curated catalog (curated entries win) and write "
        "OUT/catalog.parquet and its sha256; use it with `run --catalog OUT`.",
    )
    imports.add_argument("snapshot", type=Path, help="the snapshot file")
    imports.add_argument("--out", type=Path, required=True, help="folder for catalog.parquet")
    imports.add_argument(
        "--curated", type=Path, help="curated catalog to merge (default: raw/catalog/)"
    )
    imports.add_argument(
        "--no-curated", action="store_true", help="import the snapshot alone, without merging"
    )
    enrich = actions.add_parser(
        "enrich",
        help="look up the dataset's arXiv ids missing from the catalog (arXiv API, online)",
        description="Ask arXiv's Atom API (one request every 3 s, answers cached) for the "
        "papers of a published dataset that are not in the catalog, and write them as catalog "
        "rows (curated CSV format) to review before adding them to the catalog.",
    )
    enrich.add_argument("--dataset", type=Path, required=True, help="published dataset folder")
    enrich.add_argument("--out", type=Path, required=True, help="CSV file to write")
    enrich.add_argument("--cache", type=Path, help="answer cache (default: .state/arxiv-api/)")


def _run(args: argparse.Namespace) -> int:
    settings = load_settings(
        raw_dir=args.raw,
        out_dir=args.out,
        catalog_path=args.catalog,
        max_file_bytes=args.max_file_bytes,
    )
    if args.engine == "prefect":
        for key, value in PREFECT_DEFAULTS.items():
            os.environ.setdefault(key, value)
        from pipeline.flows import build_dataset_flow

        state = build_dataset_flow(
            str(settings.raw_dir),
            str(settings.out_dir),
            str(settings.catalog_path),
            return_state=True,
        )
        summary = state.result(raise_on_failure=False)
        if not isinstance(summary, dict):
            print(f"error: the flow failed: {state.message}", file=sys.stderr)
            return 1
        print(summary["text"])
        return 0 if summary["published"] else 1
    from pipeline.build import build_dataset

    result = build_dataset(settings)
    print(result.summary())
    return 0 if result.published else 1


def _evaluate(args: argparse.Namespace) -> int:
    from pipeline.evaluate import evaluate, format_scores, write_json

    out_dir = args.out or load_settings().out_dir
    scores = evaluate(out_dir, args.gold)
    print(format_scores(scores))
    if args.json:
        write_json(scores, args.json)
    return 0


def _catalog(args: argparse.Namespace) -> int:
    if args.catalog_command == "enrich":
        from pipeline.arxiv_api import ArxivApiError, ArxivClient, enrich

        client = ArxivClient(args.cache or load_settings().arxiv_cache_dir)
        try:
            looked_up, written = enrich(args.dataset, args.out, client)
        except ArxivApiError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"{looked_up} ids looked up ({client.requests_made} requests), {written} found")
        print(f"catalog rows to review: {args.out}")
        return 0
    from pipeline.catalog_import import import_snapshot

    curated = None if args.no_curated else (args.curated or load_settings().catalog_path)
    summary = import_snapshot(args.snapshot, args.out, curated)
    print(summary.text())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"run": _run, "evaluate": _evaluate, "catalog": _catalog}
    try:
        return commands[args.command](args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
