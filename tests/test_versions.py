"""Versions as the report prints them and the cache key hashes them."""

from __future__ import annotations

import platform
from importlib import metadata

from pipeline.versions import installed_versions


def test_python_comes_first_and_each_distribution_in_the_order_asked() -> None:
    versions = installed_versions(["pyarrow", "pandas"])
    assert list(versions) == ["python", "pyarrow", "pandas"]
    assert versions["python"] == platform.python_version()


def test_an_installed_distribution_has_its_version_and_a_missing_one_none() -> None:
    versions = installed_versions(["pandas", "no-such-distribution-of-paper-mentions"])
    assert versions["pandas"] == metadata.version("pandas") != "not installed"
    assert versions["no-such-distribution-of-paper-mentions"] == "not installed"
