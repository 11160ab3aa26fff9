"""The data-quality report of a run: one dict (``model``), its checks (``checks``), drift rules
and trends (``drift``), rendered as JSON, Markdown, HTML and review CSVs (``render``)."""

from pipeline.report.drift import DriftPolicy, load_history
from pipeline.report.model import build_report, finalize, language_rows, package_versions
from pipeline.report.render import render, to_html, to_json, to_markdown

__all__ = [
    "DriftPolicy",
    "build_report",
    "finalize",
    "language_rows",
    "load_history",
    "package_versions",
    "render",
    "to_html",
    "to_json",
    "to_markdown",
]
