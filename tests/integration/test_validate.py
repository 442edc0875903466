"""Validation runs, manifests, reproduce and OMEX export, on a case with an analytic answer.

The "observations" in tests/data/validation/analytic_iv.csv are the closed-form IV bolus
solution of the test model, so every fold error must be ≈ 1 and the PM/NM AUC ratio ≈ the
analytic AUC ratio (25/5 over 0–24 h with the exact exponential tails).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.metrics import afe, gmfe, guest_limits, within_fold
from sbmltwin.validate.results import FoldSummary
from sbmltwin.validate.run import run_case

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
    assert FoldSummary.of([1.0, 2.0, math.nan]).n == 2


def test_analytic_case_gives_unit_fold_errors() -> None:
    result = run_case(load_case(DATA / "validation" / "analytic_iv.toml"), sensitivity=True)
    for group in result.groups:
        out = group.output("plasma")
        assert out is not None
        # observed AUC is a log-down trapezoid on 8 samples of an exact exponential: exact
        assert out.auc_fold == pytest.approx(1.0, abs=2e-3)
        assert out.cmax_fold == pytest.approx(1.0, abs=1e-6)
        assert max(abs(f - 1) for f in out.point_fold_errors) < 1e-5
        assert out.unit == "mg/l"
    ratio = result.ratios[0]
    exact = (1 - math.exp(-5 / 56 * 24)) / 5 / ((1 - math.exp(-25 / 56 * 24)) / 25)
    assert ratio.observed == pytest.approx(exact, rel=1e-6) and ratio.within
    assert result.passed and result.metrics.auc.gmfe < 1.002
    assert "CYP2D6 *4/*4" in result.groups[1].explain


def test_sensitivities_match_the_closed_form() -> None:
    """IV bolus D into V = Vw·BW, CL = CL_other + CL_2d6·f: AUC(0–T) = D/CL·(1 − e^(−CL/V·T)),
    Cmax = D/V. The reference group is the ratio's denominator (NM, f = 1)."""
    table = run_case(load_case(DATA / "validation" / "analytic_iv.toml")).sensitivity
    assert table is not None and table.group == "NM" and table.perturbation == 0.01
    d, t_end = 100.0, 24.0

    def auc(cl: float, v: float) -> float:
        return d / cl * (1 - math.exp(-cl / v * t_end))

    def s(y0: float, y1: float) -> float:  # the +1 % finite difference the table states
        return (y1 / y0 - 1) / 0.01

    rows = {r.parameter: r for r in table.rows}
    cl, v = 25.0, 56.0
    assert rows["CL_2d6"].s_auc == pytest.approx(s(auc(cl, v), auc(cl + 0.2, v)), rel=1e-5)
    assert rows["CL_other"].s_auc == pytest.approx(s(auc(cl, v), auc(cl + 0.05, v)), rel=1e-5)
    assert rows["BW"].s_cmax == pytest.approx(s(d / v, d / (1.01 * v)), rel=1e-6)
    assert rows["CL_2d6"].s_cmax == pytest.approx(0.0, abs=1e-6)
    # ranked by max(|S_AUC|, |S_Cmax|)
    sizes = [max(abs(r.s_auc), abs(r.s_cmax)) for r in table.rows]
    assert sizes == sorted(sizes, reverse=True)


def _copy_case(tmp: Path) -> Path:
    for sub in ("validation", "personalize"):
        shutil.copytree(DATA / sub, tmp / sub)
    return tmp / "validation" / "analytic_iv.toml"


def _validate(case: Path, out: Path) -> None:
    res = CliRunner().invoke(cli, ["validate", str(case), "-o", str(out), "--no-pdf", "--no-html"])
    assert res.exit_code == 0, res.output


def test_report_folder_reproduces_without_the_original_inputs(tmp_path: Path) -> None:
    case = _copy_case(tmp_path / "src")
    out = tmp_path / "report"
    _validate(case, out)
    manifest = json.loads((out / "report.json").read_text())
    assert manifest["schema_version"] == 2
    paths = {f["path"]: f for f in manifest["inputs"]}
    assert set(paths) == {
        "inputs/cases/analytic_iv.toml",
        "inputs/cases/analytic_iv.csv",
        "inputs/models/cyp2d6_test/cyp2d6_model.ant",
        "inputs/models/cyp2d6_test/bindings.toml",
    }
    for rel, entry in paths.items():  # copies, hashed, relative to report.json
        data = (out / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert manifest["settings"]["integrator"]["relative_tolerance"] == 1e-8
    assert manifest["versions"]["libroadrunner"]
    # move the report, delete the originals: it still re-runs
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(out, moved)
    shutil.rmtree(tmp_path / "src")
    shutil.rmtree(out)
    ok = CliRunner().invoke(cli, ["reproduce", str(moved / "report.json")])
    assert ok.exit_code == 0, ok.output
    assert "all match" in ok.output
    # one observed value edited in the copy: exit 3, the file and the numbers named
    csv = moved / "inputs" / "cases" / "analytic_iv.csv"
    original_csv = csv.read_text()
    lines = original_csv.splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[4], "999")
    csv.write_text("\n".join(lines) + "\n")
    bad = CliRunner().invoke(cli, ["reproduce", str(moved / "report.json")])
    assert bad.exit_code == 3, bad.output
    assert "input changed: inputs/cases/analytic_iv.csv (observed): SHA-256 changed" in bad.output
    assert "cases[analytic_iv].groups[NM].outputs[plasma].auc_observed" in bad.output
    csv.write_text(original_csv)
    # the copied bindings edited: exit 3 naming the file
    bindings = moved / "inputs" / "models" / "cyp2d6_test" / "bindings.toml"
    bindings.write_text(bindings.read_text().replace("# f = AS / 2.0", "# edited"))
    edited = CliRunner().invoke(cli, ["reproduce", str(moved / "report.json")])
    assert edited.exit_code == 3, edited.output
    assert "inputs/models/cyp2d6_test/bindings.toml (bindings): SHA-256 changed" in edited.output
    # an input deleted: named, its case not re-run, exit 3
    csv.unlink()
    gone = CliRunner().invoke(cli, ["reproduce", str(moved / "report.json")])
    assert gone.exit_code == 3, gone.output
    assert "inputs/cases/analytic_iv.csv (observed): missing" in gone.output


def test_old_or_foreign_report_is_a_clear_error(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema_version": 1, "tool": "sbmltwin", "results": {}}))
    res = CliRunner().invoke(cli, ["reproduce", str(old)])
    assert res.exit_code == 2
    assert "schema_version 1 is not supported" in res.output and "old.json" in res.output
    assert "reads schema_version 2" in res.output and "re-run 'sbmltwin validate'" in res.output
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"schema_version": 2, "tool": "pksim"}))
    res = CliRunner().invoke(cli, ["export-omex", str(foreign)])
    assert res.exit_code == 2 and "not an sbmltwin report (tool 'pksim')" in res.output


def test_reproduce_bad_input_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    res = CliRunner().invoke(cli, ["reproduce", str(tmp_path / "x.json")])
    assert res.exit_code == 2 and res.output.startswith("sbmltwin: error:")


def test_export_omex_reopens_with_libcombine_and_reproduces_alone(tmp_path: Path) -> None:
    libcombine = pytest.importorskip("libcombine")
    case = _copy_case(tmp_path / "src")
    out = tmp_path / "report"
    _validate(case, out)
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
        "models/analytic_iv.xml",
        "simulations/analytic_iv.sedml",
        "report.json",
        "inputs/cases/analytic_iv.toml",
        "inputs/cases/analytic_iv.csv",
        "inputs/models/cyp2d6_test/bindings.toml",
        "inputs/models/cyp2d6_test/cyp2d6_model.ant",
    } <= locations
    master = archive.getMasterFile()
    assert (
        master is not None
        and master.getLocation().removeprefix("./") == "simulations/analytic_iv.sedml"
    )
    sedml = archive.extractEntryToString(master.getLocation())
    assert "uniformTimeCourse" in sedml and "f_cyp2d6" in sedml and "KISAO:0000019" in sedml
    if importlib.util.find_spec("libsedml") is None:
        pytest.skip("libsedml not installed")
    # in a child: libsedml imported after libsbml breaks libsbml's AST types for this process
    # (sbmltwin's lint then refuses to run; tests/regression/test_issue_0015_lint_after_tellurium)
    script = (
        "import sys, libsedml\n"
        "doc = libsedml.readSedMLFromString(sys.stdin.read())\n"
        "assert doc.getNumErrors(libsedml.LIBSEDML_SEV_ERROR) == 0, doc.getErrorLog().toString()\n"
        "print(doc.getLevel(), doc.getVersion(), doc.getNumTasks(),"
        " doc.getSimulation(0).getNumberOfPoints())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input=sedml, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # SED-ML L1V3, two tasks, 480 points (24 h on a 0.05 h grid)
    assert done.stdout.split() == ["1", "3", "2", "480"]
    # the dose (100 mg IV at 0 h) is in the archived SBML, which loads through sbmltwin's path
    from sbmltwin.model import parse_model

    dosed = parse_model(archive.extractEntryToString("./models/analytic_iv.xml"), fmt="sbml")
    assert dosed.model_id == "cyp2d6_iv"
    import libsbml

    sbml_doc = dosed.document()  # keep the document alive while its model is used
    dose = sbml_doc.getModel().getInitialAssignment("C")
    assert libsbml.formulaToL3String(dose.getMath()) == "0 + 100 / central"
    # the archive alone re-runs: report folder and originals gone
    shutil.rmtree(out)
    shutil.rmtree(tmp_path / "src")
    again = CliRunner().invoke(cli, ["reproduce", str(archive_path)])
    assert again.exit_code == 0, again.output
    assert "all match" in again.output
