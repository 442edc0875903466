"""Hashes and software versions: what a result needs to be re-run. Leaf module."""

from __future__ import annotations

import hashlib
import platform
import sys
from importlib import metadata

__all__ = ["sha256_bytes", "sha256_text", "software_versions"]

_PACKAGES = ("sbmltwin", "libroadrunner", "python-libsbml", "antimony", "pint", "numpy", "pandas")


def sha256_text(text: str) -> str:
    """SHA-256 hex digest of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    """SHA-256 hex digest of raw bytes."""
    return hashlib.sha256(data).hexdigest()


def software_versions() -> dict[str, str]:
    """Versions of Python, the platform and the packages sbmltwin's numbers depend on."""
    versions = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
