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

    def with_overrides(self, **overrides: object) -> Settings:
        """Copy with the given non-None values replaced."""
        values = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self, **values)


def _from_env(environ: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is None or f.name == "thresholds":
            continue
        values[f.name] = Path(raw) if f.name.endswith(("_dir", "_path")) else int(raw)
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
