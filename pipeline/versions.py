"""Versions of Python and installed distributions, as the report prints them and the cache
key hashes them."""

from __future__ import annotations

import platform
from collections.abc import Iterable
from importlib import metadata


def installed_versions(distributions: Iterable[str]) -> dict[str, str]:
    """Python's version and each distribution's (``not installed`` when absent)."""
    versions = {"python": platform.python_version()}
    for name in distributions:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
