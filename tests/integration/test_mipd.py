"""Bayesian individualization and dose selection against independent references.

References are computed here without sbmltwin: closed-form one-compartment solutions and
scipy.optimize on them (MAP), Beal's M3 term with scipy.stats, and D = AUC × CL / F.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import optimize, stats

from sbmltwin.cli import cli
from sbmltwin.cohort.sampling import parse_population
from sbmltwin.engine import compile_model, parse_regimen, resolve_regimen, simulate
from sbmltwin.mipd import (
    ErrorModel,
    fit_twin,
    parse_levels,
    parse_target,
    prior_twin,
    rank_regimens,
)
from sbmltwin.mipd.levels import Level, Levels
from sbmltwin.model import parse_model
from sbmltwin.personalize import parse_bindings, parse_profile, personalize
from sbmltwin.pk import auc_trapezoid

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "mipd"
UNITS = """
  unit substance = 1e-3 gram
  unit extent = 1e-3 gram
  unit volume = litre
  unit time_unit = 3600 second
  unit per_hour = 1 / 3600 second
  unit L_per_h = litre / 3600 second
"""
IV = f"""
model iv1
{UNITS}
  compartment central = V; central has volume
  species C in central = 0
  elimination: C -> ; CL * C
  V = 20; V has volume
  CL = 4; CL has L_per_h
end
"""
ORAL = f"""
model po1
{UNITS}
  compartment gut = 1; gut has volume
  compartment central = V; central has volume
  substanceOnly species A_gut in gut = 0
  species C in central = 0
  absorption: A_gut -> C; F * ka * A_gut
  loss: A_gut -> ; (1 - F) * ka * A_gut
  elimination: C -> ; CL * C
  ka = 1.2; ka has per_hour
  F = 0.9; F has dimensionless
  V = 35; V has volume
  CL = 2.8; CL has L_per_h
end
"""
# parent P (central) → metabolite M (same volume here): P cleared by formation CLf and other CLo
PM_MODEL = f"""
model pm1
{UNITS}
  compartment central = V; central has volume
  species P in central = 0
  species M in central = 0
  formation: P -> M; CLf * P
  other: P -> ; CLo * P
  m_elim: M -> ; CLm * M
  V = 30; V has volume
  CLf = 3; CLf has L_per_h
  CLo = 2; CLo has L_per_h
  CLm = 6; CLm has L_per_h
end
"""


def _setup(text: str, iiv: dict[str, float], dosing: dict[str, dict[str, str]]):  # type: ignore[no-untyped-def]
    model = parse_model(text, fmt="antimony")
    compiled = compile_model(model)
    bindings = parse_bindings({"schema_version": 1, "dosing": dosing})
    pop = parse_population({"population": "European", "iiv": iiv})
    prior = prior_twin(model, compiled, parse_profile({"id": "p"}), bindings, pop)
    return model, compiled, bindings, prior


def test_map_equals_an_independent_scipy_map_on_the_closed_form() -> None:
    model, compiled, _bindings, prior = _setup(IV, {"CL": 30, "V": 20}, {"iv": {"target": "C"}})
    events = resolve_regimen(parse_regimen("100 mg iv"), model, default_target="C")
    t = np.array([1.0, 4.0, 8.0, 12.0])
    y = np.array([3.9, 2.0, 0.9, 0.45])
    csv = "time,output,value,unit\n" + "".join(
        f"{ti} h,conc,{yi},mg/L\n" for ti, yi in zip(t, y, strict=True)
    )
    levels = parse_levels(csv, model, {"conc": "[C]"}, first_dose=0.0)
    fit = fit_twin(compiled, prior, events, levels, {"conc": ErrorModel(0.0, 0.1)})

    w_cl, w_v = math.sqrt(math.log1p(0.09)), math.sqrt(math.log1p(0.04))

    def ofv(e: np.ndarray) -> float:
        cl, v = 4 * math.exp(e[0]), 20 * math.exp(e[1])
        f = 100 / v * np.exp(-cl / v * t)
        var = (0.1 * f) ** 2
        return float(
            0.5 * np.sum((y - f) ** 2 / var + np.log(var))
            + 0.5 * ((e[0] / w_cl) ** 2 + (e[1] / w_v) ** 2)
        )

    ref = optimize.minimize(
        ofv, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14}
    )
    expected = {"CL": 4 * math.exp(ref.x[0]), "V": 20 * math.exp(ref.x[1])}
    got = {e.sid: e.map for e in fit.estimates}
    for sid in expected:
        assert got[sid] == pytest.approx(expected[sid], rel=1e-4)
    assert fit.objective == pytest.approx(ref.fun, abs=1e-6)
    assert all(e.lower < e.map < e.upper and 0 < e.shrinkage < 1 for e in fit.estimates)
    assert fit.twin.kind == "posterior"
    assert any("Laplace" in r for r in fit.reasons)


def test_blq_sample_enters_with_the_m3_likelihood() -> None:
    model, compiled, _bindings, prior = _setup(IV, {"CL": 30, "V": 20}, {"iv": {"target": "C"}})
    events = resolve_regimen(parse_regimen("100 mg iv"), model, default_target="C")
    csv = (
        "time,output,value,unit,blq,lloq\n"
        "1 h,conc,3.9,mg/L,0,\n4 h,conc,2.0,mg/L,0,\n24 h,conc,,mg/L,1,0.2\n"
    )
    levels = parse_levels(csv, model, {"conc": "[C]"}, first_dose=0.0)
    fit = fit_twin(compiled, prior, events, levels, {"conc": ErrorModel(0.02, 0.1)})
    t, y = np.array([1.0, 4.0]), np.array([3.9, 2.0])
    w = (math.sqrt(math.log1p(0.09)), math.sqrt(math.log1p(0.04)))

    def ofv(e: np.ndarray) -> float:
        cl, v = 4 * math.exp(e[0]), 20 * math.exp(e[1])
        f = 100 / v * np.exp(-cl / v * t)
        var = 0.02**2 + (0.1 * f) ** 2
        f24 = 100 / v * math.exp(-cl / v * 24)
        sd24 = math.sqrt(0.02**2 + (0.1 * f24) ** 2)
        m3 = -stats.norm.logcdf((0.2 - f24) / sd24)
        return float(
            0.5 * np.sum((y - f) ** 2 / var + np.log(var))
            + m3
            + 0.5 * ((e[0] / w[0]) ** 2 + (e[1] / w[1]) ** 2)
        )

    ref = optimize.minimize(
        ofv, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14}
    )
    got = {e.sid: e.map for e in fit.estimates}
    assert got["CL"] == pytest.approx(4 * math.exp(ref.x[0]), rel=1e-4)
    assert got["V"] == pytest.approx(20 * math.exp(ref.x[1]), rel=1e-4)
    assert "1 BLQ" in fit.reasons[0]


def test_dose_for_a_target_auc_is_target_times_cl_over_f_rounded_to_the_step() -> None:
    # a near-certain twin (CV 1 %): every dose whose AUC is in range has P = 1, and the one
    # closest to the middle of the range (500) wins. With a wide posterior the PTA optimum moves
    # towards the geometric middle of the range, as it should.
    model, compiled, bindings, prior = _setup(ORAL, {"CL": 1}, {"oral": {"target": "A_gut"}})
    target = parse_target("AUC120-144h 400-600 mg*h/L", model, "[C]")
    doses = [f"{d} mg" for d in range(1000, 2300, 100)]
    result = rank_regimens(
        compiled,
        prior,
        target,
        "[C]",
        doses,
        ["24h"],
        bindings=bindings,
        draws=40,
    )
    expected = round(500 * 2.8 / 0.9 / 100) * 100  # steady-state AUC_tau = F·D/CL
    assert result.recommended.dose == f"{expected} mg"
    assert result.recommended.pta == 1.0
    assert 0.0 <= min(c.pta for c in result.candidates) < 0.5
    assert "P(target) = 1.00" in result.why


def test_trough_and_cmax_targets() -> None:
    model, compiled, bindings, prior = _setup(ORAL, {"CL": 5}, {"oral": {"target": "A_gut"}})
    trough = parse_target("trough 4-8 mg/L at 72 h", model, "[C]")
    r = rank_regimens(
        compiled,
        prior,
        trough,
        "[C]",
        ["200 mg", "400 mg"],
        ["12h"],
        bindings=bindings,
        draws=20,
    )
    # reference: the trough just before the 72 h dose, simulated with the doses before 72 h
    res = simulate(
        compiled,
        {},
        parse_regimen("400 mg oral every 12h x6"),
        end=72,
        points=2,
        outputs=["[C]"],
        default_target="A_gut",
    )
    c72 = float(res.frame["[C]"].iloc[-1])
    top = next(c for c in r.candidates if c.dose == "400 mg")
    assert top.p50 == pytest.approx(c72, rel=0.02)  # IIV CV 5 % on CL around the typical twin
    cmax = parse_target("Cmax < 2 mg/L", model, "[C]")
    with pytest.raises(Exception, match="horizon"):
        rank_regimens(compiled, prior, cmax, "[C]", ["200 mg"], ["12h"], dose_target="A_gut")


def _pm_levels(
    values: np.ndarray, grid: np.ndarray, with_metabolite: bool, rng: np.random.Generator
) -> Levels:
    rows = []
    for k, t in enumerate((1.0, 4.0, 10.0)):
        i = int(np.searchsorted(grid, t))
        rows.append(
            Level(k, t, "parent", "[P]", float(values[i, 1]) * (1 + 0.1 * rng.standard_normal()))
        )
        if with_metabolite:
            rows.append(
                Level(
                    k + 10,
                    t,
                    "metabolite",
                    "[M]",
                    float(values[i, 2]) * (1 + 0.1 * rng.standard_normal()),
                )
            )
    return Levels(tuple(rows), "simulated", {"parent": "mg/l", "metabolite": "mg/l"})


def test_parent_and_metabolite_together_predict_the_metabolite_better() -> None:
    from sbmltwin.engine.batch import BatchSimulator

    model, compiled, _bindings, prior = _setup(
        PM_MODEL, {"CLf": 40, "CLo": 40, "CLm": 40}, {"iv": {"target": "P"}}
    )
    events = resolve_regimen(parse_regimen("100 mg iv"), model, default_target="P")
    grid = np.linspace(0, 24, 241)
    err = {"parent": ErrorModel(0.001, 0.1), "metabolite": ErrorModel(0.001, 0.1)}
    rng = np.random.default_rng(5)
    errors_alone, errors_both = [], []
    for _i in range(8):
        eta = rng.standard_normal(3) * np.array([p.omega for p in prior.priors])
        with BatchSimulator(compiled, prior.ids, events, grid=grid, outputs=["[P]", "[M]"]) as b:
            truth, _ = b.run(prior.values(eta))
        auc_true = auc_trapezoid(grid, truth[:, 2])
        for both, store in ((False, errors_alone), (True, errors_both)):
            levels = _pm_levels(truth, grid, both, rng)
            fit = fit_twin(compiled, prior, events, levels, err, starts=1)
            with BatchSimulator(compiled, prior.ids, events, grid=grid, outputs=["[M]"]) as b:
                pred, _ = b.run(fit.twin.point())
            store.append(abs(auc_trapezoid(grid, pred[:, 1]) / auc_true - 1))
    assert np.median(errors_both) < 0.5 * np.median(errors_alone)


def test_nm_on_paroxetine_is_simulated_as_as_zero_and_moderate_halves() -> None:
    from sbmltwin.examples import example_path
    from sbmltwin.model import load_model

    model = load_model(example_path("cyp2d6_substrate"))
    b = parse_bindings(
        {
            "schema_version": 1,
            "genes": {"CYP2D6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"}},
        }
    )

    def f(profile: dict[str, object]) -> tuple[float, str]:
        c = personalize(model, parse_profile({"id": "x", **profile}), b).changes[0]
        return c.new, c.reason

    on_parox, why = f({"genotype": {"CYP2D6": "*1/*1"}, "comedications": ["paroxetine"]})
    as_zero, _ = f({"genotype": {"CYP2D6": {"activity_score": 0.0}}})
    assert on_parox == as_zero == 0.0
    assert "paroxetine (strong CYP2D6 inhibitor" in why and "2026-12-04" in why and "→ PM" in why
    on_dulox, _ = f({"genotype": {"CYP2D6": "*1/*1"}, "comedications": ["duloxetine"]})
    as_one, _ = f({"genotype": {"CYP2D6": {"activity_score": 1.0}}})
    assert on_dulox == as_one == 0.5
    # a co-medication with no genotype to convert is said, not silently dropped
    pset = personalize(model, parse_profile({"id": "x", "comedications": ["paroxetine"]}), b)
    assert any("paroxetine" in u and "not applied" in u for u in pset.unused)


def _fit_args(levels: Path, out: Path) -> list[str]:
    return [
        "fit",
        "example:theophylline_oral",
        "--bindings",
        str(DATA / "bindings.toml"),
        "--profile",
        str(DATA / "profile.toml"),
        "--population",
        str(DATA / "population.toml"),
        "--levels",
        str(levels),
        "--dose",
        "320 mg oral every 12h x4",
        "--error",
        "plasma=0.1 mg/L + 10%",
        "--draws",
        "30",
        "--no-pdf",
        "-o",
        str(out),
    ]


BAD_LEVELS = {
    "unknown output": ("2 h,blood,9.1,mg/L,,", "unknown output 'blood'"),
    "negative value": ("2 h,plasma,-1,mg/L,,", "is negative"),
    "before the first dose": ("-1 h,plasma,9.1,mg/L,,", "before the first dose"),
    "unit of the wrong dimension": ("2 h,plasma,9.1,mg,,", "dimension"),
    "BLQ without LLOQ": ("2 h,plasma,,mg/L,1,", "needs its LLOQ"),
}


@pytest.mark.parametrize("case", sorted(BAD_LEVELS))
def test_bad_levels_are_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    row, message = BAD_LEVELS[case]
    levels = tmp_path / "levels.csv"
    levels.write_text(f"time,output,value,unit,blq,lloq\n4 h,plasma,9,mg/L,,\n{row}\n")
    result = CliRunner().invoke(cli, _fit_args(levels, tmp_path / "out"))
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("sbmltwin: error: ")
    assert message in lines[0]
    assert "line 3" in lines[0]


def test_fit_then_dose_then_reproduce(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "fit"
    result = runner.invoke(cli, _fit_args(DATA / "levels.csv", out))
    assert result.exit_code == 0, result.output
    assert "CL\tl/h\t2.8\t" in result.output
    for name in ("twin.xml", "twin.json", "fit.png", "report.html", "report.json"):
        assert (out / name).is_file()
    # the fitted twin is a model every command accepts
    sim = runner.invoke(
        cli,
        [
            "simulate",
            str(out / "twin.xml"),
            "--end",
            "12h",
            "--dose",
            "320 mg oral into A_gut",
            "-o",
            str(tmp_path / "s.csv"),
        ],
    )
    assert sim.exit_code == 0, sim.output
    rep = runner.invoke(cli, ["reproduce", str(out / "report.json")])
    assert rep.exit_code == 0, rep.output
    assert "all match" in rep.output
    # a changed number is found and named
    import json

    manifest = json.loads((out / "report.json").read_text())
    manifest["results"]["estimates"][0]["map"] *= 1.01
    tampered = out / "tampered.json"  # beside report.json: its input paths are relative
    tampered.write_text(json.dumps(manifest))
    rep = runner.invoke(cli, ["reproduce", str(tampered)])
    assert rep.exit_code == 3 and "estimates[0].map" in rep.output
    # regression: export-omex of a fit report was a KeyError traceback (exit 1)
    omex = runner.invoke(
        cli, ["export-omex", str(out / "report.json"), "-o", str(tmp_path / "x.omex")]
    )
    assert omex.exit_code == 2 and "cannot be exported as OMEX" in omex.output
    dose_out = tmp_path / "dose"
    dose = runner.invoke(
        cli,
        [
            "dose",
            "example:theophylline_oral",
            "--bindings",
            str(DATA / "bindings.toml"),
            "--profile",
            str(DATA / "profile.toml"),
            "--population",
            str(DATA / "population.toml"),
            "--twin",
            str(out / "twin.json"),
            "--target",
            "AUC24-48h 150-250 mg*h/L",
            "--doses",
            "200,400 mg",
            "--intervals",
            "12h,24h",
            "--draws",
            "30",
            "--no-pdf",
            "-o",
            str(dose_out),
        ],
    )
    assert dose.exit_code == 0, dose.output
    assert "recommended:" in dose.output and "P(target)" in dose.output
    assert (dose_out / "dose.png").is_file()
    rep = runner.invoke(cli, ["reproduce", str(dose_out / "report.json")])
    assert rep.exit_code == 0, rep.output


def test_fit_report_folder_reproduces_without_the_original_inputs(tmp_path: Path) -> None:
    """Issue 12 for fit reports: the folder carries its inputs (model, bindings, profile,
    population spec, levels CSV) and re-runs from a copy with the originals deleted; an edited
    copy is named (exit 3); a report of another schema version is one line naming it."""
    import json
    import shutil

    from sbmltwin.examples import example_path

    src = tmp_path / "src"
    src.mkdir()
    for name in ("bindings.toml", "profile.toml", "population.toml", "levels.csv"):
        shutil.copyfile(DATA / name, src / name)
    model = example_path("theophylline_oral")  # an Antimony file
    shutil.copyfile(model, src / model.name)
    args = _fit_args(src / "levels.csv", tmp_path / "fit")
    args[1] = str(src / model.name)
    args = [str(src / Path(a).name) if a.startswith(str(DATA)) else a for a in args]
    runner = CliRunner()
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "fit" / "report.json").read_text())
    kinds = sorted(f["kind"] for f in report["inputs"])
    assert kinds == ["bindings", "levels", "model", "population", "profile"]
    assert report["request"]["levels"] == "inputs/levels/levels.csv"
    copy = tmp_path / "elsewhere" / "fit-copy"
    shutil.copytree(tmp_path / "fit", copy)
    shutil.rmtree(src)
    shutil.rmtree(tmp_path / "fit")

    rep = runner.invoke(cli, ["reproduce", str(copy / "report.json")])
    assert rep.exit_code == 0, rep.output
    assert "all match" in rep.output

    levels = copy / "inputs" / "levels" / "levels.csv"
    lines = levels.read_text().splitlines()
    head, first, *rest = lines
    cells = first.split(",")
    cells[2] = f"{float(cells[2]) * 1.5:g}"
    levels.write_text("\n".join([head, ",".join(cells), *rest]) + "\n")
    rep = runner.invoke(cli, ["reproduce", str(copy / "report.json")])
    assert rep.exit_code == 3, rep.output
    assert "inputs/levels/levels.csv (levels): SHA-256 changed" in rep.output

    report["schema_version"] = 2  # a fit report of issue 16 (absolute input paths)
    old = copy / "old.json"
    old.write_text(json.dumps(report))
    rep = runner.invoke(cli, ["reproduce", str(old)])
    assert rep.exit_code == 2, rep.output
    out_lines = [ln for ln in rep.output.splitlines() if ln.strip()]
    assert len(out_lines) == 1 and "schema_version 2 is not supported" in out_lines[0]
