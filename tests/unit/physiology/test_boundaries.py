"""physiology is a stage-2 module: it imports only sbmltwin.errors, sbmltwin.units, numpy and
the standard library (STYLE.md §1), and its data tables give a source for every row."""

from __future__ import annotations

import ast
import csv
import sys
from importlib import resources
from pathlib import Path

import pytest

import sbmltwin.physiology as phys

PKG = Path(phys.__file__).resolve().parent
ALLOWED_SBMLTWIN = {"sbmltwin.errors", "sbmltwin.units"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(PKG.glob("*.py")), ids=lambda p: p.name)
def test_physiology_imports_only_leaves(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "sbmltwin":
            assert name in ALLOWED_SBMLTWIN or name.startswith("sbmltwin.physiology"), name
        else:
            assert top in sys.stdlib_module_names or top == "numpy", name


def test_public_names_are_exported() -> None:
    for name in phys.__all__:
        assert hasattr(phys, name), name


@pytest.mark.parametrize(
    ("table", "key", "source_column"),
    [("icrp89_adult.tsv", "quantity", "source"), ("child_pugh.tsv", "parameter", "source")],
)
def test_every_data_row_has_a_source(table: str, key: str, source_column: str) -> None:
    text = resources.files("sbmltwin.physiology").joinpath("data", table).read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    assert rows
    for row in rows:
        assert row[source_column].strip(), row[key]
