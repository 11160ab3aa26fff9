"""All settings in one place: defaults here, overridden by environment, then by CLI flags."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "PAPER_MENTIONS_"


@dataclass(frozen=True)
class MatchThresholds:
    """Title-matching decisions (scores are 0-100); chosen by measurement on the gold set."""

    accept: float = 90.0
    review: float = 80.0
    margin: float = 5.0


@dataclass(frozen=True)
class Settings:
    raw_dir: Path = PROJECT_ROOT / "raw"
    out_dir: Path = PROJECT_ROOT / "clean"
    catalog_path: Path = PROJECT_ROOT / "raw" / "catalog"
    # Per-language term tables (<language>.csv: term,english) for translated titles.
    terms_dir: Path = PROJECT_ROOT / "raw" / "terms"
    # Files above this size are rejected rather than read (bounded time and memory).
    max_file_bytes: int = 20 * 1024 * 1024
    thresholds: MatchThresholds = field(default_factory=MatchThresholds)
    # Title indexes of large catalogs, one file per catalog sha256 (safe npz, no pickle).
    index_cache_dir: Path = PROJECT_ROOT / ".state" / "title-index"
    # Answers of the arXiv API (``catalog enrich``), one JSON file per id.
    arxiv_cache_dir: Path = PROJECT_ROOT / ".state" / "arxiv-api"
    # Published runs kept under OUT/runs/ (the current one is never deleted).
    keep_runs: int = 30
    # Per-document results of the costly stages, reused while file, catalog and code are unchanged.
    cache_dir: Path = PROJECT_ROOT / ".state" / "cache"
    incremental: bool = True
    # How long a run waits for another run on the same output folder before giving up.
    lock_wait_seconds: float = 0.0
    # The served deployment's schedule: nightly at 02:00 in the given IANA time zone.
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = "UTC"
    # No progress bar and no informational logs on the console (cron jobs).
    quiet: bool = False
    # A run publishes while at most this share of its mentions is quarantined (0 to 1).
    max_quarantine_share: float = 0.01

    def with_overrides(self, **overrides: object) -> Settings:
        """Copy with the given non-None values replaced."""
        values = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self, **values)


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def _parse(name: str, default: object, raw: str) -> object:
    """An environment value converted to the type of the setting's default."""
    if isinstance(default, Path):
        return Path(raw)
    if isinstance(default, bool):
        if raw.strip().lower() not in TRUE_WORDS + FALSE_WORDS:
            raise ValueError(
                f"{ENV_PREFIX}{name.upper()} must be one of {TRUE_WORDS + FALSE_WORDS}"
            )
        return raw.strip().lower() in TRUE_WORDS
    if isinstance(default, int | float):
        try:
            return type(default)(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a number, got {raw!r}") from None
    return raw


def _from_env(environ: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    defaults = Settings()
    for f in fields(Settings):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is None or f.name == "thresholds":
            continue
        values[f.name] = _parse(f.name, getattr(defaults, f.name), raw)
    threshold_values = {
        t.name: float(environ[ENV_PREFIX + t.name.upper() + "_SCORE"])
        for t in fields(MatchThresholds)
        if ENV_PREFIX + t.name.upper() + "_SCORE" in environ
    }
    if threshold_values:
        values["thresholds"] = MatchThresholds(**threshold_values)
    return values


def load_settings(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Defaults, then ``PAPER_MENTIONS_*`` environment variables, then explicit overrides."""
    env = dict(os.environ if environ is None else environ)
    return Settings().with_overrides(**_from_env(env)).with_overrides(**overrides)
