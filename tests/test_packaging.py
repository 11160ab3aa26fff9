"""Installed, not only checked out: the built wheel, installed into a fresh virtualenv and run
from another folder, links the seed articles exactly as the checkout does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.build import build_dataset
from pipeline.config import load_settings
from tests.conftest import PROJECT_ROOT, RAW

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the sources (a stale build/ folder in the checkout cannot leak
    in), offline: the project's own setuptools, no build isolation."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("pipeline", "schemas"):
        shutil.copytree(PROJECT_ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    dist = work / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*command, "--quiet", "--wheel-dir", str(dist), str(source)], check=True, timeout=300
    )
    (wheel,) = dist.glob("paper_mentions-*.whl")
    return wheel


def _install(wheel: Path, venv: Path) -> Path:
    """A fresh virtualenv holding only the wheel; the dependencies are seen through a .pth
    file naming this environment's site-packages (written after the install, so that pip
    never sees, let alone touches, the checkout's editable install)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    subprocess.run([*install, "--no-deps", "--no-index", str(wheel)], check=True, timeout=300)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"])
    return venv / "bin"


def test_the_wheel_ships_the_reference_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "pipeline/data/catalog/papers.csv" in names
    assert {f"pipeline/data/terms/{lang}.csv" for lang in ("de", "ms", "zh")} <= names
    assert "schemas/models.py" in names and "pipeline/cli.py" in names


def test_an_installed_copy_links_the_seeds_as_the_checkout_does(
    wheel: Path, tmp_path: Path
) -> None:
    bin_dir = _install(wheel, tmp_path / "venv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PAPER_MENTIONS_"))}
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import pipeline.config as c; print(c.DEFAULT_CATALOG)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "venv"), "the checkout was imported, not the wheel"
    # Defaults only, but for the sources: catalog and term tables come from the installed copy,
    # the output and caches land in the working directory.
    command = [str(bin_dir / "paper-mentions"), "run", "--engine", "local", "--quiet"]
    subprocess.run([*command, "--raw", str(RAW)], cwd=elsewhere, env=env, check=True, timeout=600)
    installed = pd.read_parquet(elsewhere / "clean" / "mentions.parquet")
    assert (elsewhere / ".state" / "cache").is_dir()

    settings = load_settings(
        environ={},
        raw_dir=RAW,
        out_dir=tmp_path / "checkout",
        index_cache_dir=tmp_path / "index",
        incremental=False,
    )
    checkout = build_dataset(settings)
    assert checkout.published
    expected = pd.read_parquet(tmp_path / "checkout" / "mentions.parquet")
    translated = expected[
        (expected["kind"] == "translated_title") & (expected["status"] == "matched")
    ]
    assert len(translated) > 0
    pd.testing.assert_frame_equal(installed, expected)
