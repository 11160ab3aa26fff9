from __future__ import annotations

import gc
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.cli import main
from pipeline.config import DEFAULT_TERMS
from tests.conftest import CATALOG, run_command


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for flag in ("--raw", "--out", "--catalog", "--engine", "PAPER_MENTIONS_RAW_DIR"):
        assert flag in help_text


def test_local_run_prints_a_summary(
    small_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            "--engine",
            "local",
            "--raw",
            str(small_raw),
            "--out",
            str(tmp_path / "out"),
            "--catalog",
            str(CATALOG),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "documents: 2 read, 0 rejected" in printed
    assert "mentions by language" in printed and "report:" in printed


def _imported_by_a_local_run(raw: Path, folder: Path) -> set[str]:
    """The modules a local run imports (``-X importtime`` lists every one)."""
    done = run_command(
        *("run", "--engine", "local", "--quiet", "--full"),
        *("--raw", str(raw), "--out", str(folder / "out")),
        cwd=folder,
        python_flags=("-X", "importtime"),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }


def _imports_package(imported: set[str], package: str) -> bool:
    return any(m == package or m.startswith(f"{package}.") for m in imported)


def test_a_local_run_does_not_import_prefect_dask_or_wordfreq(
    small_raw: Path, tmp_path: Path
) -> None:
    """Prefect and its dependencies take a second to import, dask.dataframe 0.4 s (pandera's
    model classes imported it), and a local run needs none of them. wordfreq (0.3 s) builds
    the stored word lists on the first run; the next reads them without it."""
    first = _imported_by_a_local_run(small_raw, tmp_path)
    assert "pipeline.build" in first and "pipeline.link.frequencies" in first
    assert not _imports_package(first, "prefect") and not _imports_package(first, "dask")
    assert _imports_package(first, "wordfreq")  # the lists stored
    assert list((tmp_path / ".state" / "catalog").glob("wordfreq-en-*.arrays"))
    again = _imported_by_a_local_run(small_raw, tmp_path)
    assert not {p for p in ("prefect", "dask", "wordfreq") if _imports_package(again, p)}


def test_a_run_keeps_its_startup_objects_out_of_full_collections(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen_while_running = []

    def build_dataset(settings) -> SimpleNamespace:
        frozen_while_running.append(gc.get_freeze_count())
        return SimpleNamespace(published=True, summary=lambda: "published")

    monkeypatch.setattr("pipeline.build.build_dataset", build_dataset)
    code = main(["run", "--engine", "local", "--raw", str(small_raw), "--out", str(tmp_path)])
    assert code == 0
    assert frozen_while_running[0] > 100_000  # the modules imported, at least
    assert gc.get_freeze_count() == 0  # the caller's objects are collected as before


def test_missing_raw_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            "--engine",
            "local",
            "--raw",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "out"),
            "--catalog",
            str(CATALOG),
        ]
    )
    assert code == 2
    assert "raw folder not found" in capsys.readouterr().err


def test_nothing_published_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "raw").mkdir()
    code = main(
        [
            "run",
            "--engine",
            "local",
            "--raw",
            str(tmp_path / "raw"),
            "--out",
            str(tmp_path / "out"),
            "--catalog",
            str(CATALOG),
        ]
    )
    assert code == 1
    assert "NOTHING PUBLISHED" in capsys.readouterr().out


def test_quiet_run_prints_nothing_and_history_lists_it(
    small_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = [
        "run",
        "--engine",
        "local",
        "--raw",
        str(small_raw),
        "--out",
        str(out),
        "--catalog",
        str(CATALOG),
        "--quiet",
    ]
    assert main(args) == 0 and main(args) == 0
    assert capsys.readouterr().out == ""
    assert main(["history", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[1].startswith("*") and not lines[2].startswith("*")


def test_serve_without_a_server_explains_what_to_start(
    small_raw: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(["serve", "--raw", str(small_raw)]) == 2
    assert "prefect server start --host 127.0.0.1" in capsys.readouterr().err


def test_keep_runs_must_keep_one(
    small_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            "--engine",
            "local",
            "--raw",
            str(small_raw),
            "--keep-runs",
            "0",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    error = capsys.readouterr().err
    assert code == 2 and "--keep-runs '0'" in error and "a whole number of at least 1" in error


@pytest.mark.parametrize("missing", ["raw", "catalog", "terms"])
def test_missing_inputs_exit_2_with_one_message_under_every_engine(
    missing: str, small_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checked before any engine starts: the default Prefect engine fails as the local one."""
    paths = {"raw": str(small_raw), "catalog": str(CATALOG), "terms": str(DEFAULT_TERMS)}
    paths[missing] = str(tmp_path / "nowhere")
    options = [f"--{key}={value}" for key, value in paths.items()]
    errors = []
    for engine in ([], ["--engine", "local"], ["--engine", "prefect"]):
        assert main(["run", *engine, *options, "--out", str(tmp_path / "out")]) == 2
        errors.append(capsys.readouterr().err)
    assert errors[0] == errors[1] == errors[2]
    assert errors[0].startswith("error: ") and str(tmp_path / "nowhere") in errors[0]
    assert not (tmp_path / "out").exists()


def test_serve_refuses_missing_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--raw", str(tmp_path / "nowhere")]) == 2
    assert "raw folder not found" in capsys.readouterr().err


def test_catalog_enrich_takes_its_cache_from_the_environment_or_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.arxiv_api

    caches: list[Path] = []

    def offline_enrich(dataset: Path, out: Path, client) -> tuple[int, int]:
        caches.append(client.cache_dir)
        return 0, 0

    monkeypatch.setattr(pipeline.arxiv_api, "enrich", offline_enrich)
    monkeypatch.setenv("PAPER_MENTIONS_ARXIV_CACHE_DIR", str(tmp_path / "from-env"))
    command = ["catalog", "enrich", "--dataset", str(tmp_path), "--out", str(tmp_path / "n.csv")]
    assert main(command) == 0
    assert main([*command, "--cache", str(tmp_path / "from-flag")]) == 0
    assert caches == [tmp_path / "from-env", tmp_path / "from-flag"]


def test_the_quarantine_share_is_a_flag_and_an_environment_variable(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from tests.test_build import _ambiguous_without_candidates

    _ambiguous_without_candidates(monkeypatch, 1)  # 1 of 21 mentions quarantined: 4.8 %
    command = ["run", "--engine", "local", "--raw", str(small_raw), "--catalog", str(CATALOG)]
    assert main([*command, "--out", str(tmp_path / "a"), "--max-quarantine-share", "1.5"]) == 2
    assert "--max-quarantine-share '1.5'" in capsys.readouterr().err
    assert main([*command, "--out", str(tmp_path / "b"), "--full"]) == 1
    assert "Verdict: not published" in capsys.readouterr().out
    assert main([*command, "--out", str(tmp_path / "c"), "--max-quarantine-share", "0.1"]) == 0
    assert "Verdict: published, degraded: 1 rows quarantined" in capsys.readouterr().out
    monkeypatch.setenv("PAPER_MENTIONS_MAX_QUARANTINE_SHARE", "0.1")
    assert main([*command, "--out", str(tmp_path / "d"), "--full"]) == 0
