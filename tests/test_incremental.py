"""Incremental runs reuse unchanged documents and give exactly the tables of a full run."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import pipeline
import schemas
from pipeline import incremental
from pipeline.build import build_dataset
from pipeline.config import MatchThresholds, load_settings
from pipeline.incremental import code_sha256, run_fingerprint
from pipeline.link.policy import LinkPolicy
from pipeline.write import TABLES
from tests.conftest import CATALOG

ADDED_LINE = "\nSiehe auch: Language Models are Few-Shot Learners (arXiv:2005.14165).\n"


def _run(raw: Path, out: Path, cache: Path, incremental: bool = True):
    settings = load_settings(
        environ={},
        raw_dir=raw,
        out_dir=out,
        catalog_path=CATALOG,
        cache_dir=cache,
        incremental=incremental,
    )
    result = build_dataset(settings)
    assert result.published, result.failures
    return result


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}


def _assert_same_tables(a: Path, b: Path) -> None:
    for name, frame in _tables(a).items():
        pd.testing.assert_frame_equal(frame, _tables(b)[name], check_exact=True)


def test_a_rerun_reuses_every_document_and_equals_a_full_run(
    small_raw: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache-a"
    first = _run(small_raw, tmp_path / "incremental", cache)
    assert first.report["run"]["documents_reused"] == 0
    second = _run(small_raw, tmp_path / "incremental", cache)
    assert second.report["run"]["documents_reused"] == 2
    assert {"documents", "margins"}.isdisjoint(second.report["run"]["stage_seconds"])
    assert second.report["mentions"] == first.report["mentions"]
    assert second.report["review"] == first.report["review"]
    _run(small_raw, tmp_path / "full", tmp_path / "cache-b", incremental=False)
    _assert_same_tables(tmp_path / "incremental", tmp_path / "full")


def test_only_a_changed_file_is_processed_again(small_raw: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache-a"
    _run(small_raw, tmp_path / "incremental", cache)
    with (small_raw / "de_snippet.txt").open("a", encoding="utf-8") as fh:
        fh.write(ADDED_LINE)
    rerun = _run(small_raw, tmp_path / "incremental", cache)
    assert rerun.report["run"]["documents_reused"] == 1
    assert rerun.report["changes"]["documents"]["changed"] == ["de_snippet.txt"]
    _run(small_raw, tmp_path / "full", tmp_path / "cache-b", incremental=False)
    _assert_same_tables(tmp_path / "incremental", tmp_path / "full")


def test_a_damaged_cache_entry_is_a_miss_and_is_rewritten(small_raw: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _run(small_raw, tmp_path / "out", cache)
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == 2
    entries[0].write_text("{not json", "utf-8")
    rerun = _run(small_raw, tmp_path / "out", cache)
    assert rerun.report["run"]["documents_reused"] == 1
    entry = json.loads(entries[0].read_text("utf-8"))
    assert {"source_file", "sha256", "language", "mentions", "runner_up"} <= set(entry)


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: entry["mentions"]["start"].pop(),  # columns of unequal length
        lambda entry: entry["mentions"].pop("surface"),  # a column missing
        lambda entry: entry.update(runner_up=[]),  # not a table of columns
    ],
)
def test_an_entry_of_the_wrong_shape_is_a_miss(small_raw: Path, tmp_path: Path, damage) -> None:
    cache = tmp_path / "cache"
    first = _run(small_raw, tmp_path / "out", cache)
    entries = sorted(cache.rglob("*.json"))
    entry = json.loads(entries[0].read_text("utf-8"))
    assert entry["mentions"]["start"], "the fixture's first document has mentions"
    damage(entry)
    entries[0].write_text(json.dumps(entry), "utf-8")
    rerun = _run(small_raw, tmp_path / "out", cache)
    assert rerun.report["run"]["documents_reused"] == 1
    assert rerun.report["mentions"] == first.report["mentions"]


def test_a_full_run_ignores_the_cache(small_raw: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _run(small_raw, tmp_path / "out", cache)
    full = _run(small_raw, tmp_path / "out", cache, incremental=False)
    assert full.report["run"]["documents_reused"] == 0
    assert "documents" in full.report["run"]["stage_seconds"]


def test_the_key_changes_with_catalog_and_policy() -> None:
    policy = LinkPolicy.from_thresholds(MatchThresholds())
    base = run_fingerprint("a" * 64, "t" * 64, policy)
    assert base == run_fingerprint("a" * 64, "t" * 64, LinkPolicy())
    assert base != run_fingerprint("b" * 64, "t" * 64, policy)
    assert base != run_fingerprint("a" * 64, "u" * 64, policy)
    changed = LinkPolicy.from_thresholds(MatchThresholds(accept=91.0))
    assert base != run_fingerprint("a" * 64, "t" * 64, changed)
    assert base != run_fingerprint("a" * 64, "t" * 64, LinkPolicy(author_context_ratio=2.0))


def test_the_key_changes_with_the_deciding_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    base = run_fingerprint("a" * 64, "t" * 64, LinkPolicy())
    versions = incremental.library_versions()
    assert {"rapidfuzz", "lingua-language-detector", "PyStemmer", "numpy", "python"} <= set(
        versions
    )
    monkeypatch.setattr(incremental, "library_versions", lambda: {**versions, "rapidfuzz": "99.0"})
    assert base != run_fingerprint("a" * 64, "t" * 64, LinkPolicy())


def _copy_packages(target: Path) -> tuple[Path, ...]:
    copies = []
    for package in (pipeline, schemas):
        source = Path(package.__file__).parent
        ignore = shutil.ignore_patterns("__pycache__")
        copies.append(Path(shutil.copytree(source, target / source.name, ignore=ignore)))
    return tuple(copies)


def test_the_code_hash_covers_every_module_wherever_the_package_lies(tmp_path: Path) -> None:
    copies = _copy_packages(tmp_path)
    assert code_sha256(copies) == code_sha256()
    modules = sorted(p for package in copies for p in package.rglob("*.py"))
    assert {"catalog.py", "ingest.py", "config.py", "models.py"} <= {p.name for p in modules}
    for module in modules:
        original = module.read_bytes()
        module.write_bytes(original + b"\n")
        assert code_sha256(copies) != code_sha256(), module
        module.write_bytes(original)


def _run_copy(code_root: Path, raw: Path, out: Path, cache: Path) -> dict:
    """A whole run in another process, importing the pipeline from ``code_root``."""
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    where = subprocess.run(
        [sys.executable, "-c", "import pipeline; print(pipeline.__file__)"],
        cwd=code_root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(code_root)
    command = [sys.executable, "-m", "pipeline", "run", "--engine", "local", "--quiet"]
    command += ["--raw", str(raw), "--out", str(out), "--cache", str(cache)]
    subprocess.run(command, cwd=code_root, env=env, check=True, timeout=300)
    return json.loads((out / "report.json").read_text("utf-8"))


def test_an_edited_module_in_a_copy_of_the_package_misses_the_cache(
    small_raw: Path, tmp_path: Path
) -> None:
    """The cache filled by this checkout serves an identical copy of the package, and no
    longer once one of its modules (here catalog.py) is edited."""
    cache, out = tmp_path / "cache", tmp_path / "out"
    _run(small_raw, out, cache)
    code_root = tmp_path / "code"
    _copy_packages(code_root)
    assert _run_copy(code_root, small_raw, out, cache)["run"]["documents_reused"] == 2
    with (code_root / "pipeline" / "catalog.py").open("a", encoding="utf-8") as fh:
        fh.write("\n# edited: results made by the old code must not be served\n")
    assert _run_copy(code_root, small_raw, out, cache)["run"]["documents_reused"] == 0


def _unwritable_by_mode(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.mkdir()
    cache.chmod(0o555)
    if os.access(cache, os.W_OK):
        pytest.skip("the file mode does not stop this user (root) from writing")


def _read_only_file_system(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a read-only mount answers, whoever asks (root included)."""
    make_temporary = tempfile.mkstemp

    def read_only_below_cache(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).is_relative_to(cache):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))
        return make_temporary(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only_below_cache)


def _path_is_a_file(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.write_text("not a folder", "utf-8")


def _disk_full(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(path: Path, write: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(incremental, "write_atomically", no_space)


@pytest.mark.parametrize(
    "break_cache", [_unwritable_by_mode, _read_only_file_system, _path_is_a_file, _disk_full]
)
def test_an_unwritable_cache_warns_once_and_the_run_publishes(
    break_cache,
    small_raw: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = tmp_path / "cache"
    break_cache(cache, monkeypatch)
    try:
        with caplog.at_level(logging.WARNING, logger="pipeline"):
            result = _run(small_raw, tmp_path / "out", cache)
    finally:
        if cache.is_dir():
            cache.chmod(0o755)
    warnings = [r for r in caplog.records if "cannot be written" in r.getMessage()]
    assert len(warnings) == 1 and str(cache) in warnings[0].getMessage()
    assert "without the cache" in warnings[0].getMessage()
    assert result.report["mentions"]["total"] > 0
    assert pd.read_parquet(tmp_path / "out" / "mentions.parquet").shape[0] > 0


def _store(cache: Path, fingerprint: str) -> None:
    sources = pd.DataFrame(
        {"source_file": ["a.txt"], "sha256": ["0" * 64], "language": ["de"], "text": ["Text"]}
    )
    mentions = pd.DataFrame(columns=incremental.MENTION_COLUMNS)
    runner_up = pd.DataFrame(columns=incremental.RUNNER_UP_COLUMNS)
    assert incremental.store(cache, fingerprint, sources, mentions, runner_up) == 1


def _used_at(cache: Path, fingerprint: str, seconds: float) -> None:
    marker = cache / fingerprint[: incremental.FINGERPRINT_FOLDER_CHARS] / incremental.USED_MARKER
    os.utime(marker, (seconds, seconds))


def test_entries_of_fingerprints_no_recent_run_used_are_removed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fingerprints = [f"{i:x}" * 64 for i in range(1, 6)]
    for age, fingerprint in enumerate(fingerprints):
        _store(cache, fingerprint)
        _used_at(cache, fingerprint, 1_000_000 + age)  # later fingerprints used later
    kept = sorted(p.name for p in cache.iterdir())
    assert kept == sorted(f[:16] for f in fingerprints[-incremental.KEEP_FINGERPRINTS :])


def test_reading_a_fingerprint_keeps_it_and_foreign_folders_are_left_alone(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    (cache / "notes").mkdir(parents=True)
    (cache / ("f" * 16)).mkdir()  # named like a fingerprint, but not made by the cache
    old, *newer = [f"{i:x}" * 64 for i in range(1, 5)]
    for age, fingerprint in enumerate([old, *newer[:2]]):
        _store(cache, fingerprint)
        _used_at(cache, fingerprint, 1_000_000 + age)  # the oldest first
    sources = pd.DataFrame({"source_file": ["a.txt"], "sha256": ["0" * 64], "text": ["Text"]})
    assert incremental.load_cached(sources, cache, old).files == {"a.txt"}  # marks it used
    _store(cache, newer[2])
    names = {p.name for p in cache.iterdir()}
    assert {old[:16], newer[1][:16], newer[2][:16]} <= names
    assert newer[0][:16] not in names
    assert {"notes", "f" * 16} <= names
