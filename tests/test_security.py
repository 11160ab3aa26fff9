"""Security properties: nothing read from raw/, the catalog or caches is unpickled or
evaluated, and text from sources cannot inject markup into the HTML report."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pipeline.build import build_dataset
from pipeline.config import load_settings
from tests.conftest import CATALOG, PROJECT_ROOT

PACKAGES = ("pipeline", "schemas")
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "joblib", "marshal", "shelve"}
# Built-ins that run code, called by their bare name; methods that unpickle or run a shell.
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__"}
UNSAFE_METHODS = {"read_pickle", "to_pickle", "system", "popen"}
UNSAFE_KEYWORDS = {"allow_pickle", "shell"}
HOSTILE = "<img src=x onerror=alert(1)>"


def _unsafe_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
    if isinstance(node, ast.ImportFrom):
        module = (node.module or "").split(".")[0]
        return [module] if module in UNSAFE_MODULES else []
    if not isinstance(node, ast.Call):
        return []
    func = node.func
    names = []
    if isinstance(func, ast.Name) and func.id in UNSAFE_BUILTINS:
        names.append(func.id)
    if isinstance(func, ast.Attribute) and func.attr in UNSAFE_METHODS:
        names.append(func.attr)
    names += [
        k.arg
        for k in node.keywords
        if k.arg in UNSAFE_KEYWORDS
        and not (isinstance(k.value, ast.Constant) and not k.value.value)
    ]
    return names


def _unsafe_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    return [
        f"{path.name}:{node.lineno}: {name}"
        for node in ast.walk(tree)
        for name in _unsafe_names(node)
    ]


def test_the_package_never_unpickles_or_evaluates() -> None:
    sources = [p for package in PACKAGES for p in (PROJECT_ROOT / package).rglob("*.py")]
    assert len(sources) > 10
    assert [use for path in sources for use in _unsafe_uses(path)] == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import pickle\nfrom joblib import load\nimport pandas as pd\n"
        "pd.read_pickle('x')\neval('1')\nnp.load('x', allow_pickle=True)\n"
        "re.compile('x')\nsubprocess.run(['ls'], shell=False)\n"
    )
    uses = sorted(u.split(": ", 1)[1] for u in _unsafe_uses(sample))
    assert uses == ["allow_pickle", "eval", "joblib", "pickle", "read_pickle"]


@pytest.fixture
def hostile_run(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / f"{HOSTILE}.txt").write_text(
        f"Reading list {HOSTILE} <script>alert('x')</script>\n"
        f"Attention Is All You Nee {HOSTILE}\n"
        "Deep Learning of Something Nobody Wrote\n",
        "utf-8",
    )
    (raw / f"{HOSTILE} binary.txt").write_bytes(b"\x00" + HOSTILE.encode())
    (raw / "sources.csv").write_text(f"source_file\n../{HOSTILE}.txt\n", "utf-8")
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    rows = (CATALOG / "papers.csv").read_text("utf-8").rstrip("\n")
    (catalog / "papers.csv").write_text(f"{rows}\n{HOSTILE},,{HOSTILE},2020,,\n", "utf-8")
    settings = load_settings(
        environ={}, raw_dir=raw, out_dir=tmp_path / "out", catalog_path=catalog
    )
    result = build_dataset(settings)
    assert result.published, result.failures
    return tmp_path / "out"


def test_the_html_report_escapes_every_text_taken_from_sources(hostile_run: Path) -> None:
    report = json.loads((hostile_run / "report.json").read_text("utf-8"))
    assert report["documents"]["rejected"] and report["manifest_errors"]
    assert report["catalog_errors"] and report["review"]["unmatched"]
    assert HOSTILE in json.dumps(report, ensure_ascii=False)
    page = (hostile_run / "report.html").read_text("utf-8")
    assert "<img" not in page and "<script" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 4
