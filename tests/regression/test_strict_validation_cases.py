"""Validation cases: a missing id/file/numerator was a KeyError traceback, wrong types a
TypeError/AttributeError, a non-numeric observation a traceback, and an unknown key such as
acceptance.fold_ was ignored (the default 2.0 used, the case passed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.regression._helpers import clean_error

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data"
CASE = (DATA / "validation" / "analytic_iv.toml").read_text(encoding="utf-8")


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "validation", tmp_path / "validation")
    shutil.copytree(DATA / "personalize", tmp_path / "personalize")
    return tmp_path / "validation"


@pytest.mark.parametrize(
    ("old", "new", "phrase"),
    [
        ("fold = 1.25", "fold_ = 1e-9", "unknown key 'fold_'"),
        ("fold = 1.25", 'fold = "wide"', "'acceptance.fold' must be a number"),
        ("fold = 1.25", "fold = 0.5", "above 1"),
        ('file = "analytic_iv.csv"', 'path = "analytic_iv.csv"', "unknown key 'path'"),
        ('file = "analytic_iv.csv"', "", "names no data"),
        ('file = "analytic_iv.csv"', "file = 3", "'observed.file' must be a string"),
        ('plasma = { id = "[C]" }', 'plasma = { name = "[C]" }', "unknown key 'name'"),
        ('plasma = { id = "[C]" }', "plasma = { }", "missing 'outputs.plasma.id'"),
        ('doses = ["100 mg iv"]', "doses = [100]", "'regimen.doses[]' must be a string"),
        ('id = "analytic_iv"', "id = 7", "'id' must be a string"),
        ("[groups.PM]", "[groups.PM.extra]", "unknown"),
    ],
)
def test_case_mistakes_are_one_line_errors(
    old, new, phrase, case_dir: Path, tmp_path: Path
) -> None:
    assert old in CASE
    path = case_dir / "analytic_iv.toml"
    path.write_text(CASE.replace(old, new, 1), encoding="utf-8")
    clean_error(["validate", str(path), "-o", str(tmp_path / "r"), "--no-pdf"], phrase)


@pytest.mark.parametrize(
    ("row", "column", "value"), [(3, "value", "n/a"), (1, "time", "-5"), (2, "value", "")]
)
def test_bad_observations_name_their_row(
    row, column, value, case_dir: Path, tmp_path: Path
) -> None:
    csv = case_dir / "analytic_iv.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    clean_error(
        ["validate", str(case_dir / "analytic_iv.toml"), "-o", str(tmp_path / "r"), "--no-pdf"],
        f"row {row}: {column}",
    )
