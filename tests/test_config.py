"""One validated settings object: defaults, then environment, then flags; documented exactly."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import (
    DEFAULT_CATALOG,
    MatchThresholds,
    Settings,
    SettingsError,
    env_name,
    flag_name,
    load_settings,
    setting_info,
    shown_default,
    valid_values,
)
from tests.conftest import PROJECT_ROOT

# A valid value other than the default for every setting, as an environment variable would
# give it, and the value the setting must then hold.
MORE_THAN_THE_CORES = (os.cpu_count() or 1) + 1  # the default is all cores
ENV_SAMPLES: dict[str, tuple[str, object]] = {
    "raw_dir": ("/data/raw", Path("/data/raw")),
    "out_dir": ("/data/out", Path("/data/out")),
    "catalog_path": ("/data/catalog.parquet", Path("/data/catalog.parquet")),
    "terms_dir": ("/data/terms", Path("/data/terms")),
    "max_file_bytes": ("1000", 1000),
    "accept_score": ("93", 93.0),
    "review_score": ("85.5", 85.5),
    "margin_score": ("7", 7.0),
    "index_cache_dir": ("/c/index", Path("/c/index")),
    "arxiv_cache_dir": ("/c/arxiv", Path("/c/arxiv")),
    "keep_runs": ("7", 7),
    "cache_dir": ("/c/docs", Path("/c/docs")),
    "incremental": ("no", False),
    "lock_wait_seconds": ("2.5", 2.5),
    "quiet": ("1", True),
    "allow_catalog_shrink": ("yes", True),
    "max_quarantine_share": ("0.05", 0.05),
    "drift_max_drop_share": ("0.2", 0.2),
    "drift_max_rate_drop": ("0.1", 0.1),
    "drift_max_papers_change_share": ("0.3", 0.3),
    "drift_max_documents_removed": ("2", 2),
    "drift_history_runs": ("3", 3),
    "drift_min_mentions": ("5", 5),
    "schedule_cron": ("*/5 * * * *", "*/5 * * * *"),
    "schedule_timezone": ("Europe/Berlin", "Europe/Berlin"),
    "workers": (str(MORE_THAN_THE_CORES), MORE_THAN_THE_CORES),
    "batch_min_chars": ("5000", 5000),
    "task_runner": ("dask", "dask"),
    "dask_address": ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
}


def test_every_setting_has_a_sample() -> None:
    assert set(ENV_SAMPLES) == set(Settings.model_fields)


@pytest.mark.parametrize("name", sorted(ENV_SAMPLES))
def test_each_environment_variable_sets_its_setting(name: str) -> None:
    raw, expected = ENV_SAMPLES[name]
    assert expected != getattr(Settings(), name)
    settings = load_settings(environ={env_name(name): raw})
    assert getattr(settings, name) == expected
    others = {n: getattr(settings, n) for n in Settings.model_fields if n != name}
    assert others == {n: getattr(Settings(), n) for n in others}


def test_defaults_then_environment_then_flags() -> None:
    assert load_settings(environ={}) == Settings()
    env = {
        "PAPER_MENTIONS_OUT_DIR": "/data/out",
        "PAPER_MENTIONS_MAX_FILE_BYTES": "1000",
        "PAPER_MENTIONS_ACCEPT_SCORE": "93",
    }
    settings = load_settings(environ=env)
    assert settings.out_dir == Path("/data/out") and settings.max_file_bytes == 1000
    assert settings.thresholds == MatchThresholds(accept=93.0)
    assert load_settings(environ=env, out_dir=Path("elsewhere")).out_dir == Path("elsewhere")
    assert load_settings(environ=env, out_dir=None).out_dir == Path("/data/out")
    assert load_settings(environ={"PAPER_MENTIONS_OUT_DIR": ""}).out_dir == Path("clean")


def test_default_folders_are_relative_to_the_working_directory() -> None:
    settings = Settings()
    for name in ("raw_dir", "out_dir", "cache_dir", "index_cache_dir", "arxiv_cache_dir"):
        assert not getattr(settings, name).is_absolute(), name
    assert settings.catalog_path == DEFAULT_CATALOG and (DEFAULT_CATALOG / "papers.csv").is_file()
    terms = sorted(p.name for p in settings.terms_dir.glob("*.csv"))
    assert terms == ["de.csv", "ms.csv", "zh.csv"]
    resolved = settings.resolved()
    assert resolved.raw_dir == Path.cwd() / "raw" and resolved.catalog_path == DEFAULT_CATALOG


def test_settings_cannot_be_changed_once_made() -> None:
    with pytest.raises(ValueError):
        Settings().keep_runs = 3  # type: ignore[misc]
    with pytest.raises(SettingsError, match="unknown setting 'keep_run'"):
        load_settings(environ={}, keep_run=3)


BAD_ENVIRONMENT = [
    ("PAPER_MENTIONS_ACCEPT_SCORE", "150", "a number from 0 to 100"),
    ("PAPER_MENTIONS_ACCEPT_SCORE", "nan", "a number from 0 to 100"),
    ("PAPER_MENTIONS_ACCEPT_SCORE", "-10", "a number from 0 to 100"),
    ("PAPER_MENTIONS_REVIEW_SCORE", "inf", "a number from 0 to 100"),
    ("PAPER_MENTIONS_REVIEW_SCORE", "95", "at most the title link threshold"),
    ("PAPER_MENTIONS_MARGIN_SCORE", "many", "a number from 0 to 100"),
    ("PAPER_MENTIONS_MAX_FILE_BYTES", "-5", "a whole number of at least 1"),
    ("PAPER_MENTIONS_MAX_FILE_BYTES", "1.5", "a whole number of at least 1"),
    ("PAPER_MENTIONS_KEEP_RUNS", "0", "a whole number of at least 1"),
    ("PAPER_MENTIONS_LOCK_WAIT_SECONDS", "nan", "a number from 0 to 86400"),
    ("PAPER_MENTIONS_LOCK_WAIT_SECONDS", "-1", "a number from 0 to 86400"),
    ("PAPER_MENTIONS_MAX_QUARANTINE_SHARE", "1.5", "a number from 0 to 1"),
    ("PAPER_MENTIONS_QUIET", "maybe", "true or false"),
    ("PAPER_MENTIONS_INCREMENTAL", "2", "true or false"),
    ("PAPER_MENTIONS_ALLOW_CATALOG_SHRINK", "sure", "true or false"),
    ("PAPER_MENTIONS_SCHEDULE_TIMEZONE", "Mars/Olympus", "an IANA time zone"),
    ("PAPER_MENTIONS_SCHEDULE_CRON", "every night", "a cron expression of five fields"),
]


@pytest.mark.parametrize(("variable", "value", "valid"), BAD_ENVIRONMENT)
def test_a_bad_environment_value_exits_2_naming_the_variable_and_its_range(
    variable: str,
    value: str,
    valid: str,
    small_raw: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Under the default (Prefect) engine: refused before any flow starts."""
    monkeypatch.setenv(variable, value)
    assert main(["run", "--raw", str(small_raw), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert f"{variable}={value!r}" in error and valid in error
    assert not (tmp_path / "out").exists()


BAD_FLAGS = [
    ("--wait", "nan", "a number from 0 to 86400"),
    ("--wait", "inf", "a number from 0 to 86400"),
    ("--accept-score", "150", "a number from 0 to 100"),
    ("--accept-score", "-10", "a number from 0 to 100"),
    ("--max-file-bytes", "-5", "a whole number of at least 1"),
    ("--keep-runs", "0", "a whole number of at least 1"),
    ("--max-quarantine-share", "nan", "a number from 0 to 1"),
    ("--workers", "0", "a whole number of at least 1"),
    ("--task-runner", "threads", "`local` or `dask`"),
    ("--dask-address", "10.0.0.5", "an address such as `tcp://10.0.0.5:8786`"),
]


@pytest.mark.parametrize(("flag", "value", "valid"), BAD_FLAGS)
def test_a_bad_flag_exits_2_naming_the_flag_and_its_range(
    flag: str,
    value: str,
    valid: str,
    small_raw: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    command = ["run", "--raw", str(small_raw), "--out", str(tmp_path / "out"), f"{flag}={value}"]
    assert main(command) == 2
    error = capsys.readouterr().err
    assert f"{flag} {value!r}" in error and valid in error


def test_a_flag_wins_over_a_bad_environment_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPER_MENTIONS_KEEP_RUNS", "0")
    with pytest.raises(SettingsError, match="PAPER_MENTIONS_KEEP_RUNS"):
        load_settings()
    assert load_settings(keep_runs="4").keep_runs == 4


def _configuration_table(readme: str) -> list[list[str]]:
    section = readme.split("### Configuration", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def _flag_cell(name: str) -> str:
    cell = f"`{flag_name(name)}`"
    return cell if setting_info(name)["flag_sets"] else f"{cell} turns it off"


def test_the_readme_documents_every_setting_exactly() -> None:
    """Setting, flag, environment variable, default and valid values, as the code has them."""
    expected = [
        [
            field.description or "",
            _flag_cell(name),
            f"`{env_name(name)}`",
            shown_default(name),
            valid_values(name),
        ]
        for name, field in Settings.model_fields.items()
    ]
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    assert _configuration_table(readme) == expected


def test_no_cell_of_the_table_can_break_it() -> None:
    for name, field in Settings.model_fields.items():
        for text in (field.description or "", shown_default(name), valid_values(name)):
            assert not re.search(r"[|\n]", text), name
