"""The report of real runs on the seed articles: as published, as a reviewer uses it, and as a
person sees it in a browser (headless Chromium, when installed)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from pipeline.build import build_dataset
from pipeline.config import load_settings
from tests.conftest import CATALOG, PROJECT_ROOT, RAW

SCHEMA = json.loads(files("pipeline.report").joinpath("report.schema.json").read_text("utf-8"))
SCREENSHOT = PROJECT_ROOT / ".state" / "report-first-screen.png"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1280,900",
]


def _run(raw: Path, out: Path):
    settings = load_settings(
        environ={},
        raw_dir=raw,
        out_dir=out,
        catalog_path=CATALOG,
        cache_dir=out.with_name("cache"),
    )
    result = build_dataset(settings)
    report = json.loads((result.run_folder / "report.json").read_text("utf-8"))
    return result, report


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """All seeds; then one source removed; then a reviewed decision applied."""
    base = tmp_path_factory.mktemp("seeds")
    raw, out = base / "raw", base / "out"
    raw.mkdir()
    for path in sorted(RAW.glob("*.txt")):
        shutil.copy(path, raw)
    full = _run(raw, out)
    removed = sorted(raw.glob("*.txt"))[3]
    removed.unlink()
    without = _run(raw, out)
    [row, *_] = csv.DictReader((without[0].run_folder / "review" / "ambiguous.csv").open())
    chosen = row["candidates"].split(" ")[0]
    (raw / "overrides.csv").write_text(
        f"mention_id,decision\n{row['mention_id']},{chosen}\nnot-a-mention,reject\n"
    )
    reviewed = _run(raw, out)
    return {
        "full": full,
        "without": without,
        "reviewed": reviewed,
        "removed": removed.name,
        "override": (row["mention_id"], chosen),
        "out": out,
    }


def _failed(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"] if c["status"] == "fail"}


def test_seed_run_is_published_with_every_check_passed(runs) -> None:
    result, report = runs["full"]
    assert result.published
    assert report["verdict"] == {
        "status": "published",
        "success": True,
        "reasons": [],
        "warnings": [],
    }
    assert _failed(report) == {}
    categories = {c["category"] for c in report["checks"]}
    assert {"schema", "cross-table", "offsets", "quarantine", "duplicates", "drift"} <= categories
    assert (result.run_folder / "report.md").read_text("utf-8").startswith("# PUBLISHED")


def test_a_removed_source_is_a_drift_warning_not_a_failure(runs) -> None:
    result, report = runs["without"]
    removed = runs["removed"]
    assert result.published and report["success"] is True
    assert report["verdict"]["status"] == "published"
    failed = _failed(report)
    expected = {"mentions per source vs previous run", "documents disappeared since previous run"}
    assert expected <= set(failed)
    assert {c["severity"] for c in failed.values()} == {"warn"}
    assert {c["category"] for c in failed.values()} == {"drift"}
    [case] = failed["mentions per source vs previous run"]["failure_cases"]
    assert case["source"] == removed and case["now"] == 0 and case["change"] == "-100.0 %"
    assert any(removed in w for w in report["verdict"]["warnings"])
    assert [p["run_id"] for p in report["trends"]][-1] == result.run_id
    assert len(report["trends"]) == 2


def test_reports_follow_the_json_schema(runs) -> None:
    for name in ("full", "without", "reviewed"):
        jsonschema.validate(runs[name][1], SCHEMA)


def test_a_review_row_leads_to_its_row_in_mentions_parquet(runs) -> None:
    result, report = runs["without"]
    mentions = pd.read_parquet(result.run_folder / "mentions.parquet").set_index("mention_id")
    for queue in ("ambiguous", "unmatched", "narrow"):
        for row in report["review"][queue]:
            found = mentions.loc[row["mention_id"]]
            assert (found["source_file"], found["start"], found["end"]) == (
                row["source_file"],
                row["start"],
                row["end"],
            )
            assert found["surface"] == row["surface"]
    csv_rows = list(csv.DictReader((result.run_folder / "review" / "unmatched.csv").open()))
    assert [r["mention_id"] for r in csv_rows] == [
        r["mention_id"] for r in report["review"]["unmatched"]
    ]


def test_reviewed_decisions_are_applied_by_the_next_run(runs) -> None:
    result, report = runs["reviewed"]
    mention_id, paper_id = runs["override"]
    mentions = pd.read_parquet(result.run_folder / "mentions.parquet").set_index("mention_id")
    assert mentions.loc[mention_id, "status"] == "matched"
    assert mentions.loc[mention_id, "paper_id"] == paper_id
    assert mentions.loc[mention_id, "method"] == "review_override"
    [check] = [c for c in report["checks"] if c["category"] == "overrides"]
    assert check["status"] == "fail" and check["observed"] == "1 applied, 1 not"
    assert "not-a-mention" in check["message"]


def test_report_html_renders_in_headless_chromium(runs, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium fonts-noto-cjk)")
    result, _ = runs["without"]
    page = result.run_folder / "report.html"
    png = tmp_path / "first-screen.png"
    completed = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    console = [line for line in completed.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert png.stat().st_size > 20_000  # a blank page is a few kB
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shutil.copy(png, SCREENSHOT)
