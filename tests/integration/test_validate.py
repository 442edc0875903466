"""Validation runs, manifests, reproduce and OMEX export, on a case with an analytic answer.

The "observations" in tests/data/validation/analytic_iv.csv are the closed-form IV bolus
solution of the test model, so every fold error must be ≈ 1 and the PM/NM AUC ratio ≈ the
analytic AUC ratio (25/5 over 0–24 h with the exact exponential tails).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.validate.cases import load_case, run_case
from sbmltwin.validate.metrics import afe, gmfe, guest_limits, summary, within_fold

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data"


def test_metrics_by_hand() -> None:
    assert gmfe([2.0, 0.5, 1.0]) == pytest.approx(10 ** ((2 * math.log10(2)) / 3))
    assert afe([2.0, 0.5]) == pytest.approx(1.0)
    assert within_fold([1.9, 2.1, 0.6, 0.4], 2.0) == 50.0
    # Guest 2011: R = 5 → limit (1 + 2·4)/5 = 1.8 → [2.78, 9.0]; R = 1 → [1, 1]; symmetric for 1/R
    assert guest_limits(5.0) == pytest.approx((5 / 1.8, 9.0))
    assert guest_limits(1.0) == (1.0, 1.0)
    assert guest_limits(0.2) == pytest.approx((0.2 / 1.8, 0.36))
    assert summary([1.0, 2.0])["n"] == 2


def test_analytic_case_gives_unit_fold_errors() -> None:
    result = run_case(load_case(DATA / "validation" / "analytic_iv.toml"), sensitivity=True)
    for group in result["groups"]:
        out = group["outputs"]["plasma"]
        # observed AUC is a log-down trapezoid on 8 samples of an exact exponential: exact
        assert out["auc_fold"] == pytest.approx(1.0, abs=2e-3)
        assert out["cmax_fold"] == pytest.approx(1.0, abs=1e-6)
        assert max(abs(f - 1) for f in out["point_fold_errors"]) < 1e-5
        assert out["unit"] == "mg/l"
    ratio = result["ratios"][0]
    exact = (1 - math.exp(-5 / 56 * 24)) / 5 / ((1 - math.exp(-25 / 56 * 24)) / 25)
    assert ratio["observed"] == pytest.approx(exact, rel=1e-6) and ratio["within"]
    assert result["passed"] and result["metrics"]["auc"]["gmfe"] < 1.002
    assert {row["parameter"] for row in result["sensitivity"]} >= {"CL_other", "CL_2d6"}
    assert "CYP2D6 *4/*4" in result["groups"][1]["explain"]


def _copy_case(tmp: Path) -> Path:
    for sub in ("validation", "personalize"):
        shutil.copytree(DATA / sub, tmp / sub)
    return tmp / "validation" / "analytic_iv.toml"


def test_validate_reproduce_and_edit_detection(tmp_path: Path) -> None:
    case = _copy_case(tmp_path)
    out = tmp_path / "report"
    res = CliRunner().invoke(cli, ["validate", str(case), "-o", str(out), "--no-pdf", "--no-html"])
    assert res.exit_code == 0, res.output
    assert "analytic_iv" in res.output and "PASS" in res.output
    manifest = json.loads((out / "report.json").read_text())
    assert manifest["inputs"] and all(len(h) == 64 for h in manifest["inputs"].values())
    assert manifest["settings"]["integrator"]["relative_tolerance"] == 1e-8
    assert manifest["versions"]["libroadrunner"]
    ok = CliRunner().invoke(cli, ["reproduce", str(out / "report.json")])
    assert ok.exit_code == 0, ok.output
    assert "all match" in ok.output
    csv = tmp_path / "validation" / "analytic_iv.csv"
    lines = csv.read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[4], "999")  # one observed value
    csv.write_text("\n".join(lines) + "\n")
    bad = CliRunner().invoke(cli, ["reproduce", str(out / "report.json")])
    assert bad.exit_code == 3, bad.output
    assert "analytic_iv.csv" in bad.output and "cases[analytic_iv].groups.NM" in bad.output


def test_reproduce_bad_input_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    res = CliRunner().invoke(cli, ["reproduce", str(tmp_path / "x.json")])
    assert res.exit_code == 2 and res.output.startswith("sbmltwin: error:")


def test_export_omex_reopens_with_libcombine(tmp_path: Path) -> None:
    libcombine = pytest.importorskip("libcombine")
    case = _copy_case(tmp_path)
    out = tmp_path / "report"
    assert (
        CliRunner()
        .invoke(cli, ["validate", str(case), "-o", str(out), "--no-pdf", "--no-html"])
        .exit_code
        == 0
    )
    archive_path = tmp_path / "run.omex"
    res = CliRunner().invoke(
        cli, ["export-omex", str(out / "report.json"), "-o", str(archive_path)]
    )
    assert res.exit_code == 0, res.output
    archive = libcombine.CombineArchive()
    assert archive.initializeFromArchive(str(archive_path))
    locations = {
        archive.getEntry(i).getLocation().removeprefix("./") for i in range(archive.getNumEntries())
    }
    assert {
        "models/cyp2d6_test.xml",
        "simulations/analytic_iv.sedml",
        "data/analytic_iv.csv",
        "report.json",
    } <= locations
    master = archive.getMasterFile()
    assert (
        master is not None
        and master.getLocation().removeprefix("./") == "simulations/analytic_iv.sedml"
    )
    sedml = archive.extractEntryToString(master.getLocation())
    assert "uniformTimeCourse" in sedml and "f_cyp2d6" in sedml and "KISAO:0000019" in sedml
    libsedml = pytest.importorskip("libsedml")
    doc = libsedml.readSedMLFromString(sedml)
    assert doc.getNumErrors(libsedml.LIBSEDML_SEV_ERROR) == 0, doc.getErrorLog().toString()
    assert (doc.getLevel(), doc.getVersion()) == (1, 3) and doc.getNumTasks() == 2
    assert doc.getSimulation(0).getNumberOfPoints() == 480  # 24 h on a 0.05 h grid
    # the archived SBML loads through sbmltwin's own safe path
    from sbmltwin.model import parse_model

    assert (
        parse_model(archive.extractEntryToString("./models/cyp2d6_test.xml"), fmt="sbml").model_id
        == "cyp2d6_iv"
    )
