"""Cases with several arms (issue 15): one study, the same groups dosed IV, orally once and
orally three times, against the closed form of the one-compartment model with first-order
absorption (tests/data/validation/arms_model.ant, arms.toml).

V = 56 L, CL = 25 L/h (NM) or 5 L/h (PM), k = CL/V, ka = 1.5/h, F = 0.6:
IV bolus D: C = D/V·e^(−kt), AUC(0–T) = D/CL·(1 − e^(−kT)), Cmax = D/V;
oral D: C = F·D·ka/(V(ka − k))·(e^(−kt) − e^(−ka·t)), AUC(0–∞) = F·D/CL,
tmax = ln(ka/k)/(ka − k); repeated doses superpose.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.errors import CalibrationError
from sbmltwin.report.reproduce import compare_results
from sbmltwin.validate.calibrate import calibrate, load_calibration_spec
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.results import ModelFigures, ValidationCaseResult
from sbmltwin.validate.run import run_case
from tests.regression._helpers import clean_error

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "validation"
V, KA, F = 56.0, 1.5, 0.6
CL = {"NM": 25.0, "PM": 5.0}


def auc_iv(d: float, cl: float, t: float) -> float:
    return d / cl * (1 - math.exp(-cl / V * t))


def c_oral(d: float, cl: float, t: float) -> float:
    k = cl / V
    return 0.0 if t < 0 else F * d * KA / (V * (KA - k)) * (math.exp(-k * t) - math.exp(-KA * t))


def auc_oral(d: float, cl: float, t: float) -> float:
    k = cl / V
    return F * d * KA / (V * (KA - k)) * ((1 - math.exp(-k * t)) / k - (1 - math.exp(-KA * t)) / KA)


@pytest.fixture(scope="module")
def result() -> ValidationCaseResult:
    return run_case(load_case(DATA / "arms.toml"), sensitivity=False)


def test_every_group_runs_in_every_arm(result: ValidationCaseResult) -> None:
    names = [g.name for g in result.groups]
    assert names == ["NM@IV", "PM@IV", "NM@PO", "PM@PO", "NM@MD", "PM@MD"]
    assert [(g.group, g.arm) for g in result.groups[:2]] == [("NM", "IV"), ("PM", "IV")]
    assert [(a.name, a.doses, a.end) for a in result.arms] == [
        ("IV", ("100 mg iv",), "24 h"),
        ("PO", ("200 mg oral",), "24 h"),
        ("MD", ("200 mg oral every 12h x3",), "48 h"),
    ]
    assert result.doses == ()
    # the typed result, arm included, survives report.json (NaN-aware comparison)
    back = ValidationCaseResult.from_dict(result.to_dict())
    assert [g.arm for g in back.groups] == ["IV", "IV", "PO", "PO", "MD", "MD"]
    assert back.arms == result.arms and compare_results(result, back)[0] == []


def test_each_arm_is_simulated_with_its_own_regimen(result: ValidationCaseResult) -> None:
    iv, po, md = (result.group(n) for n in ("NM@IV", "NM@PO", "NM@MD"))
    assert iv is not None and po is not None and md is not None
    o = iv.output("plasma")
    assert o is not None
    assert o.cmax_predicted == pytest.approx(100 / V, rel=1e-9)  # bolus: D/V
    assert o.auc_predicted == pytest.approx(auc_iv(100, 25, 24), rel=1e-5)
    assert o.auc_observed == pytest.approx(auc_iv(100, 25, 24), rel=1e-4)  # exact samples
    o = po.output("plasma")
    assert o is not None
    assert o.auc_predicted == pytest.approx(auc_oral(200, 25, 24), rel=5e-4)  # 0.05 h grid
    k = 25 / V
    tmax = math.log(KA / k) / (KA - k)
    assert o.cmax_predicted == pytest.approx(c_oral(200, 25, tmax), rel=1e-3)
    # the multiple-dose arm runs to its own end (48 h) and superposes three doses
    o = md.output("plasma")
    assert o is not None and o.predicted.time[-1] == pytest.approx(48.0)
    for t, c in zip(o.observed.time, o.predicted_at_observed, strict=True):
        exact = sum(c_oral(200, 25, t - 12 * i) for i in range(3))
        assert c == pytest.approx(exact, rel=2e-4)


def test_summary_rows_match_by_arm(result: ValidationCaseResult) -> None:
    pm_po = result.group("PM@PO")
    assert pm_po is not None and pm_po.outputs == ()  # judged on its published table
    by = {s.metric: s for s in pm_po.summary}
    assert by["AUC_inf"].predicted == pytest.approx(F * 200 / 5, rel=5e-4)
    k = 5 / V
    tmax = math.log(KA / k) / (KA - k)
    assert by["Cmax"].predicted == pytest.approx(c_oral(200, 5, tmax), rel=1e-4)
    assert by["tmax"].predicted == pytest.approx(tmax, abs=0.05)
    nm_po = result.group("NM@PO")
    assert nm_po is not None
    assert [(s.metric, s.observed) for s in nm_po.summary] == [("AUC_inf", 4.8)]
    assert nm_po.summary[0].predicted == pytest.approx(F * 200 / 25, rel=5e-4)
    # rows of no arm, of another arm, or of a multiple-dose arm are said, not dropped
    text = "\n".join(result.warnings)
    assert "1 row(s) not compared: arm 'SD' is not an arm of the case" in text
    assert "1 row(s) not compared: no arm (write GROUP@ARM)" in text
    assert "arm MD: summary arms.summary.csv: 1 row(s) not compared: the case has several" in text
    # AUC_inf and Cmax of PM@PO count in the metrics: 4 time courses + 1 table
    assert result.metrics.auc.n == 4 + 1 and result.metrics.cmax.n == 4 + 1


def test_ratios_across_arms_and_within_an_arm(result: ValidationCaseResult) -> None:
    oral_iv, pm_nm = result.ratios
    assert (oral_iv.numerator, oral_iv.denominator) == ("NM@PO", "NM@IV")
    assert oral_iv.window == "0–24 h (case)"
    exact = auc_oral(200, 25, 24) / auc_iv(100, 25, 24)  # ≈ F·D_po/D_iv = 1.2
    assert oral_iv.predicted == pytest.approx(exact, rel=5e-4)
    assert pm_nm.window == "0–24 h (common)"
    exact = auc_iv(100, 5, 24) / auc_iv(100, 25, 24)
    assert pm_nm.predicted == pytest.approx(exact, rel=1e-6)
    assert pm_nm.observed == pytest.approx(exact, rel=1e-6)
    assert result.passed


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    out = tmp_path / "validation"
    out.mkdir()
    for name in ("arms.toml", "arms.csv", "arms.summary.csv", "arms_model.ant"):
        shutil.copy(DATA / name, out / name)
    shutil.copy(DATA / "arms_bindings.toml", out / "arms_bindings.toml")
    return out


ARMS = (DATA / "arms.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "phrase"),
    [
        ("[arms.IV]", '[regimen]\ndoses = ["1 mg iv"]\n[arms.IV]', "both [regimen] and [arms]"),
        ('end = "48 h"', "", "[arms.MD]: missing 'end'"),
        ('doses = ["100 mg iv"]', "doses = []", "[arms.IV]: no doses"),
        ("[arms.PO]", "[arms.'P O']", "arm name 'P O'"),
        ('description = "100 mg IV bolus"', "route = 'iv'", "unknown key 'route'"),
        ('numerator = "NM@PO"', 'numerator = "NM"', "ratio names unknown group 'NM'"),
        ('summary = "arms.summary.csv"', 'summary = "arms.summary.csv"\narm = "IV"', "'arm' in"),
    ],
)
def test_arm_mistakes_are_one_line_errors(
    old: str, new: str, phrase: str, case_dir: Path, tmp_path: Path
) -> None:
    assert old in ARMS
    path = case_dir / "arms.toml"
    path.write_text(ARMS.replace(old, new, 1), encoding="utf-8")
    clean_error(["validate", str(path), "-o", str(tmp_path / "r"), "--no-pdf"], phrase, "arms.toml")


def test_observations_must_name_group_at_arm(case_dir: Path, tmp_path: Path) -> None:
    csv = case_dir / "arms.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("NM@IV,", "NM,", 1), encoding="utf-8")
    clean_error(
        ["validate", str(case_dir / "arms.toml"), "-o", str(tmp_path / "r"), "--no-pdf"],
        "unknown group value(s) ['NM']",
        "arms.csv",
        "GROUP@ARM",
    )


def test_a_case_with_arms_exports_and_reproduces(tmp_path: Path) -> None:
    """One simulation, dosed SBML, time generator and report per arm; tellurium (another
    SED-ML engine) runs the archive to sbmltwin's curves; reproduce re-runs it from the
    archive alone."""
    report, archive = tmp_path / "report", tmp_path / "run.omex"
    res = CliRunner().invoke(
        cli, ["validate", str(DATA / "arms.toml"), "-o", str(report), "--no-pdf", "--no-html"]
    )
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["export-omex", str(report / "report.json"), "-o", str(archive)])
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
        sedml = z.read("simulations/arms.sedml").decode()
    assert {"models/arms/IV.xml", "models/arms/PO.xml", "models/arms/MD.xml"} <= names
    assert sedml.count("<uniformTimeCourse") == 3 and 'outputEndTime="48.0"' in sedml
    assert sedml.count("<report ") == 3 and 'name="arms@MD"' in sedml
    res = CliRunner().invoke(cli, ["reproduce", str(archive)])
    assert res.exit_code == 0 and "all match" in res.output, res.output
    if importlib.util.find_spec("tellurium") is None:
        pytest.skip("tellurium not installed: pip install -e '.[test]'")
    out = tmp_path / "tellurium.json"
    tool = str(ROOT / "tools" / "omex_tellurium_check.py")
    run = subprocess.run(
        [sys.executable, tool, str(archive), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = json.loads(out.read_text())["rows"]
    assert {r["group"] for r in rows} == {"NM@IV", "PM@IV", "NM@PO", "NM@MD"}
    assert {r["points"] for r in rows if r["group"] == "NM@MD"} == {961}
    assert all(r["max_relative"] <= 1e-4 and r["max_scaled"] <= 1e-6 for r in rows), rows


def test_an_oral_iv_ratio_is_not_a_genotype_ratio(result: ValidationCaseResult) -> None:
    figures = ModelFigures.of([result])
    assert (figures.genotype_ratios, figures.mixture_ratios) == (1, 0)  # PM@IV/NM@IV only
    assert figures.genotype_groups == 5  # 4 time courses + PM@PO's table


def _training_copy(case_dir: Path, arms: str) -> Path:
    path = case_dir / "arms.toml"
    path.write_text(ARMS.replace('model = "arms_test"', 'model = "arms_test"\nrole = "training"'))
    spec = case_dir / "calibration.toml"
    spec.write_text(
        f'schema_version = 1\ncases = [{{ file = "arms.toml", arms = {arms} }}]\n'
        "max_evaluations = 80\n[parameters.CL_2d6]\nstart = 8.0\nlower = 0.1\nupper = 1000.0\n",
        encoding="utf-8",
    )
    return spec


def test_calibration_trains_on_the_arms_it_names(case_dir: Path) -> None:
    # the observations are the closed form at CL_2d6 = 20 L/h: the IV arm alone recovers it
    result = calibrate(load_calibration_spec(_training_copy(case_dir, '["IV"]')))
    assert {(s.case, s.group) for s in result.series} == {("arms", "NM@IV"), ("arms", "PM@IV")}
    assert result.end["CL_2d6"] == pytest.approx(20.0, rel=2e-3)
    with pytest.raises(CalibrationError, match="case 'arms' has no arm 'SD'"):
        calibrate(load_calibration_spec(_training_copy(case_dir, '["SD"]')))


def test_the_report_draws_one_panel_per_arm(result: ValidationCaseResult) -> None:
    from sbmltwin.report.plots import timecourse_figure

    fig = timecourse_figure(result, "plasma", log=True)
    assert [ax.get_title() for ax in fig.axes] == ["arm IV", "arm PO", "arm MD"]
    # PM@PO has no time course: the PO panel shows NM only, in NM's colour of the IV panel
    iv, po, md = (
        [line for line in ax.get_lines() if line.get_label().endswith("predicted")]
        for ax in fig.axes
    )
    assert [line.get_label() for line in po] == ["NM@PO predicted"]
    assert po[0].get_color() == iv[0].get_color() == md[0].get_color()
    assert iv[1].get_color() != iv[0].get_color()
