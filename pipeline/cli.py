"""Command line: ``python -m pipeline run|serve|history|evaluate``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from pipeline.config import Settings, load_settings
from pipeline.lock import RunLockedError

EXIT_LOCKED = 3

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
        "PAPER_MENTIONS_MAX_FILE_BYTES (and PAPER_MENTIONS_<SETTING> for the options below). "
        "Exits 0 when published, 1 when nothing was published, 2 on a usage error, 3 when "
        "another run holds the output folder.",
    )
    _add_build_options(run)
    run.add_argument(
        "--engine",
        choices=["prefect", "local"],
        default="prefect",
        help="run as a Prefect flow (default) or as plain function calls",
    )

    serve = commands.add_parser(
        "serve",
        help="run the flow on a schedule (needs a Prefect server)",
        description="Register the Prefect deployment build-dataset/NAME on the server given by "
        "PREFECT_API_URL and run its scheduled and manually triggered runs until stopped "
        "(Ctrl-C or SIGTERM). Stopping does not pause the schedule. The ephemeral server that "
        "`run` starts cannot schedule: start one with `prefect server start --host 127.0.0.1`.",
    )
    _add_build_options(serve)
    serve.add_argument(
        "--cron", help="schedule, a cron expression (default: '0 2 * * *', nightly at 02:00)"
    )
    serve.add_argument("--timezone", help="IANA time zone of the schedule (default: UTC)")
    serve.add_argument("--name", default="nightly", help="deployment name (default: nightly)")

    history = commands.add_parser(
        "history",
        help="list the runs kept in the output folder",
        description="Published and failed runs, newest first, with their headline figures; "
        "the current run is marked with *.",
    )
    history.add_argument("--out", type=Path, help="output folder (default: clean/)")

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
    mine = actions.add_parser(
        "mine",
        help="regenerate a curated catalog CSV's mined aliases and alias_sources",
        description="Keep the aliases marked curated, mine names from the titles again, apply "
        "the collision rule and rewrite the aliases and alias_sources columns in place.",
    )
    mine.add_argument(
        "csv", type=Path, nargs="?", help="curated CSV (default: raw/catalog/papers.csv)"
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


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", type=Path, help="folder of source texts (default: raw/)")
    parser.add_argument("--out", type=Path, help="output folder (default: clean/)")
    parser.add_argument(
        "--catalog",
        type=Path,
        help="catalog: a folder of CSV files or a Parquet file (default: raw/catalog/)",
    )
    parser.add_argument(
        "--max-file-bytes", type=int, help="reject source files larger than this (default: 20 MiB)"
    )
    parser.add_argument(
        "--keep-runs", type=int, help="published runs kept under OUT/runs/ (default: 30)"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="cache of per-document results for incremental runs (default: .state/cache/)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        default=None,
        help="re-process every document, even unchanged ones (and refresh the cache)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="wait this long for another run on the same output folder (default: 0, give up "
        "at once)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        default=None,
        help="print only errors: no progress bar, logs or summary (for cron)",
    )


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(
        raw_dir=args.raw,
        out_dir=args.out,
        catalog_path=args.catalog,
        max_file_bytes=args.max_file_bytes,
        keep_runs=args.keep_runs,
        cache_dir=args.cache,
        incremental=False if args.full else None,
        lock_wait_seconds=args.wait,
        quiet=args.quiet,
        schedule_cron=getattr(args, "cron", None),
        schedule_timezone=getattr(args, "timezone", None),
    )
    if settings.keep_runs < 1:
        raise ValueError(f"keep_runs must be at least 1, got {settings.keep_runs}")
    return settings


def _prefect_environment(quiet: bool) -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if quiet:
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "WARNING"


def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.engine == "prefect":
        _prefect_environment(settings.quiet)
        from pipeline.flows import build_dataset_flow

        state = build_dataset_flow(
            str(settings.raw_dir),
            str(settings.out_dir),
            str(settings.catalog_path),
            settings.keep_runs,
            str(settings.cache_dir),
            settings.lock_wait_seconds,
            not settings.incremental,
            return_state=True,
        )
        summary = state.result(raise_on_failure=False)
        if isinstance(summary, RunLockedError):
            raise summary
        if not isinstance(summary, dict):
            print(f"error: the flow failed: {state.message}", file=sys.stderr)
            return 1
    else:
        from pipeline.build import build_dataset

        logging.basicConfig(
            level=logging.WARNING if settings.quiet else logging.INFO,
            format="%(asctime)s %(levelname)s %(message)s",
        )
        result = build_dataset(settings)
        summary = {"published": result.published, "text": result.summary()}
    if not settings.quiet:
        print(summary["text"])
    elif not summary["published"]:
        print(summary["text"], file=sys.stderr)
    return 0 if summary["published"] else 1


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _prefect_environment(settings.quiet)
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        print(
            "error: no Prefect server configured; start one with "
            "`prefect server start --host 127.0.0.1` and set PREFECT_API_URL "
            "(e.g. http://127.0.0.1:4200/api): the temporary server cannot run schedules",
            file=sys.stderr,
        )
        return 2
    from pipeline.flows import serve

    serve(settings, args.name)
    return 0


def _history(args: argparse.Namespace) -> int:
    from pipeline.history import format_history, run_history

    print(format_history(run_history(args.out or load_settings().out_dir)))
    return 0


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
    if args.catalog_command == "mine":
        from pipeline.mining import mine_curated_csv

        csv = args.csv or load_settings().catalog_path / "papers.csv"
        table = mine_curated_csv(csv)
        print(f"{csv}: {len(table.kept)} names kept, {len(table.shared())} shared by several")
        print(f"papers, {len(table.dropped)} dropped (claimed by more than the bound)")
        return 0
    from pipeline.catalog_import import import_snapshot

    curated = None if args.no_curated else (args.curated or load_settings().catalog_path)
    summary = import_snapshot(args.snapshot, args.out, curated)
    print(summary.text())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "run": _run,
        "serve": _serve,
        "history": _history,
        "evaluate": _evaluate,
        "catalog": _catalog,
    }
    try:
        return commands[args.command](args)
    except RunLockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
