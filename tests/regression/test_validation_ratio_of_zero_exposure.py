"""Found by the fuzzer (seed 13, input 564): a case dosing "000 mg" made every predicted AUC 0,
and the ratio PM/NM divided by zero (ZeroDivisionError traceback)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.regression._helpers import clean_error

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data"


def test_zero_exposure_ratio_is_one_line(tmp_path: Path) -> None:
    shutil.copytree(DATA / "validation", tmp_path / "validation")
    shutil.copytree(DATA / "personalize", tmp_path / "personalize")
    case = tmp_path / "validation" / "analytic_iv.toml"
    case.write_text(case.read_text(encoding="utf-8").replace("100 mg iv", "000 mg iv"), "utf-8")
    clean_error(
        ["validate", str(case), "-o", str(tmp_path / "r"), "--no-pdf", "--no-html"],
        "predicted AUC of group 'NM' is 0",
        "PM/NM is undefined",
    )
