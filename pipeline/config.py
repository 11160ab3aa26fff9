"""All settings in one validated object: defaults here, then ``PAPER_MENTIONS_*`` environment
variables, then command-line flags.

The same ``Settings`` object is handed to every engine (plain calls, the Prefect flow, the
served deployment), so a setting cannot reach one and miss another. A value out of its range
is refused with the variable or flag that gave it and the values it accepts. Relative paths
are taken against the working directory; the term tables and the curated catalog ship inside
the package.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

ENV_PREFIX = "PAPER_MENTIONS_"
PACKAGE_DATA = Path(__file__).resolve().parent / "data"
# The curated catalog (CSV) and the per-language term tables (<language>.csv: term,english).
DEFAULT_CATALOG = PACKAGE_DATA / "catalog"
DEFAULT_TERMS = PACKAGE_DATA / "terms"
RUN_COMMANDS = ("run", "serve")
BOOL_WORDS = "true or false (also 1/0, yes/no, on/off)"


@dataclass(frozen=True)
class MatchThresholds:
    """Title-matching decisions (scores are 0-100); chosen by measurement on the gold set."""

    accept: float = 90.0
    review: float = 80.0
    margin: float = 5.0


def _setting(
    default: Any,
    label: str,
    flag: str | None,
    *,
    commands: tuple[str, ...] = RUN_COMMANDS,
    shown_default: str | None = None,
    valid: str | None = None,
    flag_sets: bool = True,
    **constraints: Any,
) -> Any:
    """A field with what the CLI, its help and the README need: the flag (given to
    ``commands``), how the default reads, and the valid values when not derived from the
    constraints. A boolean flag sets the field to ``flag_sets``."""
    extra = {"flag": flag, "commands": list(commands), "flag_sets": flag_sets}
    extra |= {"shown_default": shown_default} if shown_default else {}
    extra |= {"valid": valid} if valid else {}
    return Field(default, description=label, json_schema_extra=extra, **constraints)


class Settings(BaseModel):
    """Every setting of a run; immutable, validated on creation."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    raw_dir: Path = _setting(Path("raw"), "folder of source texts", "--raw")
    out_dir: Path = _setting(Path("clean"), "output folder", "--out")
    catalog_path: Path = _setting(
        DEFAULT_CATALOG,
        "catalog: a folder of CSV files or a Parquet file",
        "--catalog",
        shown_default="the curated catalog shipped in the package (`pipeline/data/catalog/`)",
    )
    terms_dir: Path = _setting(
        DEFAULT_TERMS,
        "term tables for translated titles, one CSV per language",
        "--terms",
        shown_default="the tables shipped in the package (`pipeline/data/terms/`)",
    )
    # Files above this size are rejected rather than read (bounded time and memory).
    max_file_bytes: int = _setting(
        20 * 1024 * 1024,
        "largest source file read, in bytes",
        "--max-file-bytes",
        shown_default="20971520 (20 MiB)",
        ge=1,
    )
    accept_score: float = _setting(
        90.0, "title link threshold", "--accept-score", ge=0, le=100, allow_inf_nan=False
    )
    review_score: float = _setting(
        80.0,
        "title review threshold: ambiguous at or above it",
        "--review-score",
        valid="a number from 0 to 100, at most the title link threshold",
        ge=0,
        le=100,
        allow_inf_nan=False,
    )
    margin_score: float = _setting(
        5.0,
        "margin a title link needs over the runner-up",
        "--margin-score",
        ge=0,
        le=100,
        allow_inf_nan=False,
    )
    # What is derived from a catalog (validated rows, title index, stems), one file per
    # catalog sha256 (.npy and Arrow, no pickle); every process of a run loads it from here.
    index_cache_dir: Path = _setting(
        Path(".state/catalog"),
        "catalog structures cache",
        "--index-cache",
        commands=(*RUN_COMMANDS, "evaluate"),
    )
    # Answers of the arXiv API (``catalog enrich``), one JSON file per id.
    arxiv_cache_dir: Path = _setting(
        Path(".state/arxiv-api"), "arXiv API answer cache", "--cache", commands=("catalog enrich",)
    )
    keep_runs: int = _setting(30, "published runs kept under OUT/runs/", "--keep-runs", ge=1)
    # Per-document results of the costly stages, reused while inputs and code are unchanged.
    cache_dir: Path = _setting(Path(".state/cache"), "cache of unchanged documents", "--cache")
    incremental: bool = _setting(
        True,
        "reuse unchanged documents (off: re-process all, refresh the cache)",
        "--full",
        flag_sets=False,
    )
    lock_wait_seconds: float = _setting(
        0.0,
        "seconds to wait for another run on the same output folder; 0 gives up at once",
        "--wait",
        ge=0,
        le=86_400,
        allow_inf_nan=False,
    )
    quiet: bool = _setting(False, "quiet (no progress bar, logs or summary; for cron)", "--quiet")
    allow_catalog_shrink: bool = _setting(
        False,
        "accept a catalog less than half the size of the last run's",
        "--allow-catalog-shrink",
    )
    max_quarantine_share: float = _setting(
        0.01,
        "largest share of mentions quarantined that still publishes",
        "--max-quarantine-share",
        ge=0,
        le=1,
        allow_inf_nan=False,
    )
    schedule_cron: str = _setting(
        "0 2 * * *",
        "schedule of `serve` (cron: nightly at 02:00)",
        "--cron",
        commands=("serve",),
        valid="a cron expression of five fields",
    )
    schedule_timezone: str = _setting(
        "UTC",
        "time zone of the schedule",
        "--timezone",
        commands=("serve",),
        valid="an IANA time zone name such as Europe/Berlin",
    )
    # Drift rules of the report: a breach is a warning, never blocks publishing. Baseline: the
    # previous run and the median of the last N runs; smaller groups are not judged.
    drift_max_drop_share: float = _setting(
        0.10,
        "drift: largest drop of a source's or language's mentions, as a share",
        "--drift-max-drop-share",
        ge=0,
        le=1,
        allow_inf_nan=False,
    )
    drift_max_rate_drop: float = _setting(
        0.05,
        "drift: largest drop of a match rate, as a share (0.05 = 5 points)",
        "--drift-max-rate-drop",
        ge=0,
        le=1,
        allow_inf_nan=False,
    )
    drift_max_papers_change_share: float = _setting(
        0.10,
        "drift: largest share of papers added or removed",
        "--drift-max-papers-change-share",
        ge=0,
        le=1,
        allow_inf_nan=False,
    )
    drift_max_documents_removed: int = _setting(
        0, "drift: documents that may disappear between runs", "--drift-max-documents-removed", ge=0
    )
    drift_history_runs: int = _setting(
        7, "drift: runs whose median is the baseline", "--drift-history-runs", ge=1, le=1000
    )
    drift_min_mentions: int = _setting(
        20, "drift: smallest group (mentions) judged", "--drift-min-mentions", ge=0
    )
    # The per-document stages run on batches of documents, ``workers`` at a time: processes
    # under ``--engine local``, tasks of the Prefect task runner under the flow.
    workers: int = _setting(
        os.cpu_count() or 1,
        "processes (Prefect: tasks) working in parallel on documents, and on `catalog import`",
        "--workers",
        commands=(*RUN_COMMANDS, "catalog import"),
        shown_default="all cores (`os.cpu_count()`)",
        ge=1,
    )
    # A process (or a task) started for a batch costs seconds before its first document:
    # a run of less text than this per batch makes fewer batches (one, in the run's own
    # process, for the seeds), where more workers would only pay the start.
    batch_min_chars: int = _setting(
        150_000,
        "least text (characters) in a batch of documents, on average: a small run makes fewer",
        "--batch-min-chars",
        ge=1,
    )
    task_runner: Literal["local", "dask"] = _setting(
        "local",
        "Prefect task runner of the per-document tasks: processes here, or Dask",
        "--task-runner",
        valid="`local` or `dask`",
    )
    dask_address: str | None = _setting(
        None,
        "Dask scheduler of `--task-runner dask`; none starts a local Dask cluster",
        "--dask-address",
        shown_default="none",
        valid="an address such as `tcp://10.0.0.5:8786`",
        pattern=r"^(tcp|tls)://[^\s/]+:\d+$",
    )

    @field_validator("review_score")
    @classmethod
    def _review_at_most_accept(cls, value: float, info: ValidationInfo) -> float:
        accept = info.data.get("accept_score")
        if accept is not None and value > accept:
            raise ValueError(f"{value:g} is above the link threshold {accept:g}")
        return value

    @field_validator("schedule_cron")
    @classmethod
    def _five_cron_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError("a cron expression has five fields")
        return value

    @field_validator("schedule_timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def thresholds(self) -> MatchThresholds:
        return MatchThresholds(self.accept_score, self.review_score, self.margin_score)

    def resolved(self) -> Settings:
        """The same settings with absolute paths, for a process that may start elsewhere."""
        paths = {
            name: getattr(self, name).resolve()
            for name, field in type(self).model_fields.items()
            if field.annotation is Path
        }
        return self.model_copy(update=paths)


class SettingsError(ValueError):
    """A setting out of its range, naming where it came from and what is valid."""


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def setting_info(name: str) -> dict[str, Any]:
    return dict(Settings.model_fields[name].json_schema_extra or {})


def flag_name(name: str) -> str:
    """The flag as typed (``--wait``; ``catalog enrich --cache`` outside ``run``/``serve``)."""
    info = setting_info(name)
    commands = info["commands"]
    bare = set(RUN_COMMANDS) <= set(commands)  # a setting of every run, wherever else it is
    return info["flag"] if bare else f"{commands[0]} {info['flag']}"


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def valid_values(name: str) -> str:
    """What the setting accepts, in words (derived from its type and bounds)."""
    field = Settings.model_fields[name]
    info = setting_info(name)
    if "valid" in info:
        return info["valid"]
    if field.annotation is bool:
        return BOOL_WORDS
    if field.annotation is Path:
        return "a path"
    low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
    number = "a whole number" if field.annotation is int else "a number"
    if low is not None and high is not None:
        return f"{number} from {_number(low)} to {_number(high)}"
    if low is not None:
        return f"{number} of at least {_number(low)}"
    return number


def shown_default(name: str) -> str:
    info = setting_info(name)
    if "shown_default" in info:
        return info["shown_default"]
    default = Settings.model_fields[name].default
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, Path):
        return f"`{default.as_posix()}/`"
    return f"`{default}`" if isinstance(default, str) else _number(default)


def _from_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings given as ``PAPER_MENTIONS_<NAME>``; an empty variable counts as unset."""
    return {
        name: environ[env_name(name)]
        for name in Settings.model_fields
        if environ.get(env_name(name), "").strip()
    }


def _describe(exc: ValidationError, origins: Mapping[str, str], values: Mapping[str, Any]) -> str:
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        if name not in Settings.model_fields:
            lines.append(f"unknown setting {name!r}" if name else error["msg"])
            continue
        origin = origins.get(name, name)
        if name not in values:
            given = f"{env_name(name)} (unset, default {shown_default(name)})"
        elif origin.startswith(ENV_PREFIX):
            given = f"{origin}={values[name]!r}"
        else:
            given = f"{origin} {values[name]!r}"
        reason = error["msg"].removeprefix("Value error, ")
        lines.append(
            f"invalid {given}: must be {valid_values(name)} "
            f"({Settings.model_fields[name].description}); {reason[:1].lower()}{reason[1:]}"
        )
    return "\n".join(lines)


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then ``PAPER_MENTIONS_*`` environment variables, then ``overrides`` (the
    command-line flags; ``None`` leaves a setting as it is). Raises ``SettingsError``."""
    from_env = _from_env(os.environ if environ is None else environ)
    given = {name: value for name, value in overrides.items() if value is not None}
    origins = {name: env_name(name) for name in from_env}
    for name in given:
        known = name in Settings.model_fields and setting_info(name)["flag"]
        origins[name] = flag_name(name) if known else name
    values = {**from_env, **given}
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(_describe(exc, origins, values)) from None
