from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import MatchThresholds, Settings, load_settings


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


def test_environment_values_take_the_type_of_their_setting() -> None:
    env = {
        "PAPER_MENTIONS_KEEP_RUNS": "7",
        "PAPER_MENTIONS_LOCK_WAIT_SECONDS": "2.5",
        "PAPER_MENTIONS_INCREMENTAL": "no",
        "PAPER_MENTIONS_QUIET": "1",
        "PAPER_MENTIONS_SCHEDULE_CRON": "*/5 * * * *",
        "PAPER_MENTIONS_CACHE_DIR": "/c",
    }
    settings = load_settings(environ=env)
    assert settings.keep_runs == 7 and settings.lock_wait_seconds == 2.5
    assert settings.incremental is False and settings.quiet is True
    assert settings.schedule_cron == "*/5 * * * *" and settings.cache_dir == Path("/c")


def test_a_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="PAPER_MENTIONS_QUIET"):
        load_settings(environ={"PAPER_MENTIONS_QUIET": "maybe"})
    with pytest.raises(ValueError, match="PAPER_MENTIONS_KEEP_RUNS"):
        load_settings(environ={"PAPER_MENTIONS_KEEP_RUNS": "many"})
