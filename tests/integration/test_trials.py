"""Groups as virtual trials (issue 15), against the one-compartment closed form.

The test model (tests/data/trial/cyp2d6_model.ant) is an IV bolus into V = 0.8 L/kg × weight,
eliminated with CL = CL_other + 20 L/h × AS/2; the population spec beside it puts 30 % CV of
log-normal IIV on CL_other (ω = √ln(1 + 0.3²) = 0.2936). For the PM group (AS 0) every twin has
AUC(0–∞) = D/CL_other,i with ln CL_other,i ~ N(ln 5, ω²), so over n twins:

* ln GM(AUC) − ln(D/5) ~ N(0, ω²/n): |error| < 4ω/√n;
* the sample 5th/95th percentiles of AUC estimate D/5 · exp(∓1.645 ω); the sampling SD of a
  normal p-quantile is √(p(1 − p)/n)/φ(z_p) in SD units (Cramér 1946), tolerance 4 of those;
* Cmax = D/V_i with every twin's weight within the trial's 65–75 kg: D/60 ≤ Cmax ≤ D/52.

The sampled twins' own parameters (their members) give each twin's closed-form AUC over any
window, from which the group's geometric mean and the PM/NM ratio follow without sbmltwin.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.results import ModelFigures, ValidationCaseResult
from sbmltwin.validate.run import run_case

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "trial"
D, OMEGA, Z95 = 100.0, math.sqrt(math.log1p(0.3**2)), 1.6448536269514722
PHI_Z95 = math.exp(-(Z95**2) / 2) / math.sqrt(2 * math.pi)


@pytest.fixture(scope="module")
def result() -> ValidationCaseResult:
    return run_case(load_case(DATA / "analytic_trial.toml"), sensitivity=False)


def _auc(params: dict[str, float], t: float) -> float:
    """Closed-form AUC(0–t) of one twin from its personalized values."""
    cl = params.get("CL_other", 5.0) + 20.0 * params.get("f_cyp2d6", 1.0)
    v = 0.8 * params.get("BW", 70.0)
    return D / cl * (1 - math.exp(-cl / v * t))


def test_geometric_mean_and_band_match_the_lognormal_closed_form(
    result: ValidationCaseResult,
) -> None:
    pm = result.group("PM")
    assert pm is not None and pm.trial is not None
    out = pm.output("plasma")
    assert out is not None
    n = pm.trial.simulated
    assert (n, pm.trial.n, pm.trial.kind, pm.trial.seed) == (200, 200, "genotype-defined", 7)
    assert out.trial is not None and out.trial.n == n
    typical = D / 5.0
    # GM of AUC(0–250 h) ≈ D/CL_typical (the tail beyond 250 h is < 0.1 % for any twin here)
    assert abs(math.log(out.auc_predicted / typical)) < 4 * OMEGA / math.sqrt(n)
    # band: the lognormal's 5th and 95th percentiles
    q_sd = math.sqrt(0.05 * 0.95 / n) / PHI_Z95 * OMEGA
    assert abs(math.log(out.trial.auc_p5 / (typical * math.exp(-Z95 * OMEGA)))) < 4 * q_sd
    assert abs(math.log(out.trial.auc_p95 / (typical * math.exp(Z95 * OMEGA)))) < 4 * q_sd
    # IV bolus: Cmax = D/V with V = 0.8 L/kg × weight in 65–75 kg
    assert D / 60 * (1 - 1e-9) <= out.trial.cmax_p5 <= out.cmax_predicted
    assert out.cmax_predicted <= out.trial.cmax_p95 <= D / 52 * (1 + 1e-9)
    # verdicts on the geometric means
    assert out.auc_fold == pytest.approx(out.auc_predicted / out.auc_observed)
    assert out.within_fold == (0.5 <= out.auc_fold <= 2 and 0.5 <= out.cmax_fold <= 2)
    # the band curves bracket the GM curve
    lo, gm, hi = (np.asarray(x) for x in (out.trial.low, out.predicted.value, out.trial.high))
    assert (
        lo.shape == gm.shape == hi.shape and np.all(lo <= gm + 1e-12) and np.all(gm <= hi + 1e-12)
    )
    # observed SDs are carried for the ± SD bars
    assert out.observed_sd[0] == pytest.approx(0.3 * out.observed.value[0], rel=1e-5)


def test_twins_are_drawn_from_the_study_population_with_the_models_iiv(
    result: ValidationCaseResult,
) -> None:
    pm = result.group("PM")
    assert pm is not None and pm.trial is not None
    weights = [m.parameters["BW"] for m in pm.members]
    assert min(weights) >= 65 and max(weights) <= 75
    assert all(m.parameters["f_cyp2d6"] == 0.0 for m in pm.members)  # every twin *4/*4
    eta = np.log([m.parameters["CL_other"] / 5.0 for m in pm.members])
    # sample SD of n normal draws: SD ω/√(2(n − 1))
    assert abs(eta.std(ddof=1) - OMEGA) < 4 * OMEGA / math.sqrt(2 * (len(eta) - 1))
    women = sum(" F," in m.label for m in pm.members) / len(pm.members)
    assert abs(women - 0.5) < 4 * math.sqrt(0.25 / len(pm.members))
    ages = [int(m.label.split(", ")[1].split()[0]) for m in pm.members]
    assert 20 <= min(ages) and max(ages) <= 45
    assert pm.trial.age == "20–45 years" and pm.trial.weight == "65–75 kg"
    assert dict(pm.trial.iiv) == {"CL_other": 30.0}

    # the reported GM is that of the twins' closed-form AUCs over the same interval
    def gm(t: float) -> float:
        return math.exp(np.mean([math.log(_auc(dict(m.parameters), t)) for m in pm.members]))

    assert pm.outputs[0].auc_predicted == pytest.approx(
        gm(pm.outputs[0].observed.time[-1]), rel=1e-3
    )
    # published statistics are compared with the twins' geometric mean too
    auc_inf, auc_24 = pm.summary
    assert (auc_inf.metric, auc_24.metric) == ("AUC_inf", "AUC")
    assert auc_inf.predicted == pytest.approx(gm(math.inf), rel=1e-3)
    assert auc_24.predicted == pytest.approx(gm(24.0), rel=1e-3)


def test_a_mixture_trial_draws_genotypes_and_leaves_out_excluded_phenotypes(
    result: ValidationCaseResult,
) -> None:
    nm = result.group("NM")
    assert nm is not None and nm.trial is not None and nm.mixture is not None
    assert nm.trial.kind == "mixture" and nm.trial.simulated == 40
    assert not any(m.label.endswith(" PM") for m in nm.members)
    assert len({m.parameters["f_cyp2d6"] for m in nm.members}) > 1  # several classes drawn
    # the ratio is the ratio of the twins' geometric-mean AUCs over the common window
    (ratio,) = result.ratios
    assert ratio.window_end == 48.0
    gm = {
        g: math.exp(np.mean([math.log(_auc(dict(m.parameters), 48.0)) for m in grp.members]))
        for g, grp in (("PM", result.group("PM")), ("NM", nm))
        if grp is not None
    }
    assert ratio.predicted == pytest.approx(gm["PM"] / gm["NM"], rel=1e-3)
    figures = ModelFigures.of([result])
    assert (figures.genotype_trial_groups, figures.mixture_trial_groups) == (1, 1)
    assert (figures.genotype_groups, figures.mixture_groups) == (1, 1)


def test_trials_are_deterministic_and_survive_the_json_round_trip(
    result: ValidationCaseResult, tmp_path: Path
) -> None:
    again = run_case(load_case(DATA / "analytic_trial.toml"), sensitivity=False)
    assert json.dumps(again.to_dict()) == json.dumps(result.to_dict())
    back = ValidationCaseResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert json.dumps(back.to_dict()) == json.dumps(result.to_dict())
    for name in (
        "analytic_trial.csv",
        "analytic_trial.summary.csv",
        "cyp2d6_model.ant",
        "bindings.toml",
        "population.toml",
    ):
        shutil.copy(DATA / name, tmp_path / name)
    text = (DATA / "analytic_trial.toml").read_text()
    (tmp_path / "analytic_trial.toml").write_text(text.replace("seed = 3", "seed = 4"))
    other = run_case(load_case(tmp_path / "analytic_trial.toml"), sensitivity=False)
    assert [m.label for m in other.groups[0].members] == [m.label for m in result.groups[0].members]
    assert [m.label for m in other.groups[1].members] != [m.label for m in result.groups[1].members]


def test_a_trial_without_a_population_spec_is_a_one_line_error(tmp_path: Path) -> None:
    for name in (
        "analytic_trial.csv",
        "analytic_trial.summary.csv",
        "cyp2d6_model.ant",
        "bindings.toml",
    ):
        shutil.copy(DATA / name, tmp_path / name)
    shutil.copy(DATA / "analytic_trial.toml", tmp_path / "analytic_trial.toml")
    with pytest.raises(ValidationDataError) as err:
        run_case(load_case(tmp_path / "analytic_trial.toml"), sensitivity=False)
    text = str(err.value)
    assert "population.toml" in text and "[groups.PM] trial" in text and "\n" not in text


def test_the_report_shows_the_band_and_the_observed_sd(result: ValidationCaseResult) -> None:
    from matplotlib.collections import PolyCollection

    from sbmltwin.report.html import _group_table, _trials
    from sbmltwin.report.plots import timecourse_figure

    for log in (False, True):
        ax = timecourse_figure(result, "plasma", log).axes[0]
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 2  # one 5–95 % band per trial group
        labels = ax.get_legend_handles_labels()[1]
        assert "PM predicted (GM of 200 twins)" in labels and "PM observed ± SD" in labels
        assert "NM observed" in labels  # no SD published for NM: plain points
    pm = result.groups[0].outputs[0]
    assert pm.trial is not None
    table = _group_table(result)
    assert f"{pm.auc_predicted:.4g} ({pm.trial.auc_p5:.4g}–{pm.trial.auc_p95:.4g})" in table
    assert "200 of 200 twins, seed 7" in _trials(result)


def test_a_report_with_trials_reproduces_from_its_own_folder(tmp_path: Path) -> None:
    """The population spec is an input: copied beside the model and read back from there."""
    from click.testing import CliRunner

    from sbmltwin.cli import cli
    from sbmltwin.report.manifest import read_manifest

    out = tmp_path / "out"
    run = CliRunner().invoke(
        cli, ["validate", str(DATA / "analytic_trial.toml"), "-o", str(out), "--no-pdf"]
    )
    assert run.exit_code == 0, run.output[-2000:]
    manifest = read_manifest(out / "report.json")
    (inputs,) = manifest.cases
    assert inputs.population.endswith("population.toml")
    assert any(f.kind == "population" for f in manifest.inputs)
    copy = tmp_path / "moved"
    shutil.copytree(out, copy)
    again = CliRunner().invoke(cli, ["reproduce", str(copy / "report.json")])
    assert again.exit_code == 0, again.output[-2000:]
    assert "all match" in again.output


def test_the_omex_export_states_the_geometric_mean(
    result: ValidationCaseResult, tmp_path: Path
) -> None:
    """The SED-ML data generator of a trial group, evaluated on the twins' closed-form curves
    (from the parameters each twin's model changes), is the report's geometric-mean curve."""
    import xml.etree.ElementTree as ET
    import zipfile

    import libsbml
    from click.testing import CliRunner

    from sbmltwin.cli import cli

    out = tmp_path / "out"
    run = CliRunner().invoke(
        cli,
        ["validate", str(DATA / "analytic_trial.toml"), "-o", str(out), "--no-pdf", "--no-html"],
    )
    assert run.exit_code == 0, run.output[-2000:]
    archive = tmp_path / "run.omex"
    run = CliRunner().invoke(cli, ["export-omex", str(out / "report.json"), "-o", str(archive)])
    assert run.exit_code == 0, run.output[-2000:]
    with zipfile.ZipFile(archive) as z:
        root = ET.fromstring(z.read("simulations/analytic_trial.sedml"))
    ns = {"s": "http://sed-ml.org/sed-ml/level1/version3"}
    dg = root.find(".//s:dataGenerator[@id='dg_NM_plasma']", ns)
    assert dg is not None
    math = dg.find("{http://www.w3.org/1998/Math/MathML}math")
    assert math is not None
    formula = libsbml.formulaToL3String(
        libsbml.readMathMLFromString(ET.tostring(math, encoding="unicode"))
    )
    assert formula.startswith("1 * exp(0.025 * (ln(")  # 40 twins
    nm = result.group("NM")
    assert nm is not None
    t = np.asarray(nm.outputs[0].predicted.time)
    env: dict[str, object] = {"exp": np.exp, "ln": np.log}
    for var in dg.iter("{http://sed-ml.org/sed-ml/level1/version3}variable"):
        j = int(var.attrib["taskReference"].rsplit("_", 1)[1])
        p = dict(nm.members[j].parameters)
        cl, v = p["CL_other"] + 20.0 * p["f_cyp2d6"], 0.8 * p["BW"]
        env[var.attrib["id"]] = D / v * np.exp(-cl / v * t)
    curve = eval(formula, env)  # MathML of our own archive; two functions in scope
    predicted = np.asarray(nm.outputs[0].predicted.value)
    # CVODE at atol 1e-12: relative agreement where the curve is ≥ 1e-3 of its maximum (the
    # late tail of the fastest twins is integration noise), absolute everywhere
    keep = predicted > 1e-3 * predicted.max()
    assert np.allclose(curve[keep], predicted[keep], rtol=1e-4, atol=0)
    assert np.abs(curve - predicted).max() <= 1e-6 * predicted.max()
