"""Validation cases in worker processes (``run_cases``, ``--workers``): the same results as a
serial run, in case order, and a failing case raises exactly as in a serial run.

The reference is the serial, in-process run (``run_case`` one case after another), computed
independently of the process pool; every number of every result (sensitivities included) must be
equal, not merely close: a case is simulated by one process from the same inputs either way.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.run import run_case, run_cases

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "validation"
CASES = ("analytic_iv.toml", "analytic_window.toml", "analytic_summary.toml")


def _bad_case(tmp_path: Path) -> Path:
    """analytic_window with a ratio window beyond the NM group's sampling: a ValidationDataError."""
    for f in ("analytic_window.toml", "analytic_window.csv"):
        shutil.copy(DATA / f, tmp_path / f)
    path = tmp_path / "analytic_window.toml"
    path.write_text(
        (DATA / "analytic_window.toml")
        .read_text()
        .replace('"0-360 min"', '"0-24 h"')
        .replace("../personalize", str(DATA.parent / "personalize"))
    )
    return path


def test_two_workers_give_the_serial_results_in_case_order() -> None:
    cases = [load_case(DATA / name) for name in CASES]
    serial = [run_case(c, sensitivity=True) for c in cases]
    seen: list[str] = []
    parallel = run_cases(cases, workers=2, on_done=lambda n, r: seen.append(r.id))
    assert [r.id for r in parallel] == [c.id for c in cases]
    assert sorted(seen) == sorted(c.id for c in cases)
    assert [r.to_dict() for r in parallel] == [r.to_dict() for r in serial]
    assert parallel[0].sensitivity is not None and parallel[0].sensitivity.rows
    # one sensitivity flag per case is honoured
    flags = run_cases(cases[:2], sensitivity=[False, True], workers=2)
    assert flags[0].sensitivity is None and flags[1].sensitivity is not None


def test_a_failing_case_raises_as_in_a_serial_run(tmp_path: Path) -> None:
    good = load_case(DATA / "analytic_iv.toml")
    bad = load_case(_bad_case(tmp_path))
    with pytest.raises(ValidationDataError) as serial:
        run_cases([good, bad, good], sensitivity=False, workers=1)
    with pytest.raises(ValidationDataError) as parallel:
        run_cases([good, bad, good], sensitivity=False, workers=2)
    assert str(parallel.value) == str(serial.value)
    assert "goes beyond group NM's last observation (12 h)" in str(parallel.value)


def test_validate_report_is_the_same_for_one_and_two_workers(tmp_path: Path) -> None:
    paths = [str(DATA / name) for name in CASES]
    runner = CliRunner()
    reports = []
    for n in (1, 2):
        out = tmp_path / f"w{n}"
        res = runner.invoke(
            cli, ["validate", *paths, "-o", str(out), "--no-pdf", "--no-html", "--workers", str(n)]
        )
        assert res.exit_code in (0, 3), res.output
        reports.append(json.loads((out / "report.json").read_text()))
    one, two = reports
    assert one["results"] == two["results"]
    assert one["inputs"] == two["inputs"]
    bad = runner.invoke(cli, ["validate", str(_bad_case(tmp_path)), "--workers", "0"])
    assert bad.exit_code == 2 and "--workers" in bad.output
