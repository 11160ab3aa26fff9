from __future__ import annotations

from pathlib import Path

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
