"""Shared fixtures. Tests that need ../shared skip with a message when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def _shared_dir() -> Path | None:
    env = os.environ.get("SBMLTWIN_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared")
    for c in candidates:
        if (c / "sbml-test-suite").is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    found = _shared_dir()
    if found is None:
        pytest.skip("../shared not found (set SBMLTWIN_SHARED_DIR to run tests on shared material)")
    return found


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA
