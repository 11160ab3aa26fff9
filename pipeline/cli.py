"""Command line: ``python -m pipeline run|serve|history|evaluate``."""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from pipeline.config import (
    Settings,
    env_name,
    load_settings,
    setting_info,
    shown_default,
    valid_values,
)
from pipeline.errors import OutputFolderError
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
        "publishes nothing and keeps the previous dataset. Every option can also be set by the "
        "environment variable named in its help (flags win); relative paths are taken against "
        "the working directory. Exits 0 when published, 1 when nothing was published, 2 on a "
        "usage error (a missing folder, a setting out of range), 3 when another run holds the "
        "output folder.",
    )
    _add_settings_options(run, "run")
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
    _add_settings_options(serve, "serve")
    serve.add_argument("--name", default="nightly", help="deployment name (default: nightly)")

    history = commands.add_parser(
        "history",
        help="list the runs kept in the output folder",
        description="Published and failed runs, newest first, with their headline figures; "
        "the current run is marked with *.",
    )
    history.add_argument(
        "--out", type=Path, help="output folder (default: clean/, or PAPER_MENTIONS_OUT_DIR)"
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
    _add_settings_options(evaluate, "evaluate")
    evaluate.add_argument(
        "--catalog",
        type=Path,
        metavar="PATH",
        help="the catalog the run linked against (a folder of CSV files or a Parquet file): "
        "recall is also scored over the gold papers it holds, and each miss says whether its "
        "paper is in it, which tells the catalog's gaps from the linker's (default: not scored)",
    )
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
        "--curated", type=Path, help="curated catalog to merge (default: the package's own)"
    )
    imports.add_argument(
        "--no-curated", action="store_true", help="import the snapshot alone, without merging"
    )
    _add_settings_options(imports, "catalog import")
    mine = actions.add_parser(
        "mine",
        help="regenerate a curated catalog CSV's mined aliases and alias_sources",
        description="Keep the aliases marked curated, mine names from the titles again, apply "
        "the collision rule and rewrite the aliases and alias_sources columns in place.",
    )
    mine.add_argument(
        "csv", type=Path, nargs="?", help="curated CSV (default: the package's papers.csv)"
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
    _add_settings_options(enrich, "catalog enrich")


METAVARS = {Path: "PATH", int: "N", float: "NUMBER", str: "TEXT"}


def _add_settings_options(parser: argparse.ArgumentParser, command: str) -> None:
    """One flag per setting that ``command`` takes; ``Settings`` validates the values, so a
    flag and its environment variable accept the same values and fail with the same range."""
    for name, field in Settings.model_fields.items():
        info = setting_info(name)
        if command not in info["commands"]:
            continue
        flag = str(info["flag"])
        default = shown_default(name).replace("`", "")
        if field.annotation is bool:
            turns = "on" if info["flag_sets"] else "off"
            help_text = f"turns {turns}: {field.description} (default: {default})"
            kwargs: dict = {"action": "store_const", "const": info["flag_sets"]}
        else:
            help_text = f"{field.description} (default: {default}; {valid_values(name)})"
            kwargs = {"metavar": METAVARS.get(field.annotation, "TEXT")}
        help_text = f"{help_text}; env {env_name(name)}".replace("%", "%%")
        parser.add_argument(flag, dest=name, default=None, help=help_text, **kwargs)


def _settings(args: argparse.Namespace) -> Settings:
    """Defaults, environment, then the flags given on this command line."""
    given = {name: getattr(args, name, None) for name in Settings.model_fields}
    return load_settings(**given)


def _require_inputs(settings: Settings) -> None:
    """Refuse a run whose raw folder, catalog or term tables are missing before any engine
    starts, so that every engine fails with the same message and exit code."""
    from pipeline.catalog import catalog_files
    from pipeline.link.terms import term_files

    if not settings.raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {settings.raw_dir}")
    catalog_files(settings.catalog_path)
    if not term_files(settings.terms_dir):
        raise FileNotFoundError(f"no term tables (*.csv) in {settings.terms_dir}")


def _prefect_environment(quiet: bool) -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if quiet:
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "WARNING"


@contextlib.contextmanager
def _startup_objects_frozen() -> Iterator[None]:
    """Leave the objects that exist when a run starts (mostly the modules imported: some
    200,000 objects that live as long as the process) out of the garbage collector's full
    passes while it runs: each pass walked them all, 0.2 s of a seed run. Unfrozen after, so
    an in-process caller's garbage of that moment is collected as usual."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _require_inputs(settings)
    if args.engine == "prefect":
        _prefect_environment(settings.quiet)
        from pipeline.catalog import CatalogRefusedError
        from pipeline.flows import NothingPublishedError, build_dataset_flow

        with _startup_objects_frozen():
            state = build_dataset_flow(settings, return_state=True)
        summary = state.result(raise_on_failure=False)
        if isinstance(summary, NothingPublishedError):
            summary = summary.summary
        elif isinstance(summary, RunLockedError | OutputFolderError):
            return _exit_code(summary)  # the flow logged it, in one line
        elif isinstance(summary, CatalogRefusedError):
            raise summary  # the same message and exit code as under --engine local
        if not isinstance(summary, dict):
            print(f"error: the flow failed: {state.message}", file=sys.stderr)
            return 1
    else:
        from pipeline.build import build_dataset

        logging.basicConfig(
            level=logging.WARNING if settings.quiet else logging.INFO,
            format="%(asctime)s %(levelname)s %(message)s",
        )
        with _startup_objects_frozen():
            result = build_dataset(settings)
        summary = {"published": result.published, "text": result.summary()}
    if not settings.quiet:
        print(summary["text"])
    elif not summary["published"]:
        print(summary["text"], file=sys.stderr)
    return 0 if summary["published"] else 1


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _require_inputs(settings)
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

    settings = _settings(args)
    out_dir = args.out or settings.out_dir
    held = None
    if args.catalog is not None:
        from pipeline.catalog import load_catalog
        from pipeline.evaluate import catalog_keys

        held = catalog_keys(load_catalog(args.catalog, settings.index_cache_dir).papers)
    scores = evaluate(out_dir, args.gold, held)
    print(format_scores(scores))
    if args.json:
        write_json(scores, args.json)
    return 0


def _catalog(args: argparse.Namespace) -> int:
    if args.catalog_command == "enrich":
        from pipeline.arxiv_api import ArxivApiError, ArxivClient, enrich

        client = ArxivClient(_settings(args).arxiv_cache_dir)
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
        print(f"{csv}: {len(table.kept)} names kept ({len(table.shared())} shared by papers),")
        print(f"  {len(table.dropped)} dropped as claimed by too many papers")
        return 0
    from pipeline.catalog_import import import_snapshot

    settings = _settings(args)
    curated = None if args.no_curated else (args.curated or settings.catalog_path)
    summary = import_snapshot(args.snapshot, args.out, curated, workers=settings.workers)
    print(summary.text())
    return 0


def _exit_code(error: RunLockedError | OutputFolderError) -> int:
    return EXIT_LOCKED if isinstance(error, RunLockedError) else error.exit_code


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
    except (RunLockedError, OutputFolderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return _exit_code(exc)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
