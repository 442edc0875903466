"""Shared fixtures. Tests that need ../shared skip with a message when it is absent."""

from __future__ import annotations

import os
from collections.abc import Callable
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


@pytest.fixture(scope="session")
def cpic_phenotypes(shared_dir: Path) -> Callable[[str, str], dict[str, float]]:
    """CPIC phenotype frequencies by (gene, population) from ../shared/pgx/derived."""
    path = shared_dir / "pgx" / "derived" / "phenotype_frequency_by_population.tsv"
    if not path.exists():
        pytest.skip(f"../shared has no {path.name}")
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]

    def lookup(gene: str, group: str) -> dict[str, float]:
        return {ph: float(f) for g, ph, pop, f in rows if g == gene and pop == group}

    return lookup
