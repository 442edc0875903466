"""``sbmltwin calibrate``: data generated from known parameters of a closed-form model are fitted
back, and a validation-role case is refused.

Model: tests/data/personalize/cyp2d6_model.ant, a one-compartment IV bolus,
C(t) = D/V · exp(−(CL_other + CL_2d6·f)/V · t), V = 0.8 L/kg × 70 kg = 56 L, with the CYP2D6
law f = (AS/2)^k (activity_score_power). The "observations" are that closed form (computed here
with numpy, not with sbmltwin) at CL_2d6 = 20 L/h, CL_other = 5 L/h, k = 1.5, for AS 2, 1 and 0.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.errors import CalibrationError
from sbmltwin.validate.calibrate import calibrate, load_calibration_spec

DATA = Path(__file__).resolve().parents[1] / "data" / "personalize"
TRUE = {"CL_2d6": 20.0, "CL_other": 5.0, "k": 1.5}
GROUPS = {"NM": ("*1/*1", 2.0), "IM": ("*1/*4", 1.0), "PM": ("*4/*4", 0.0)}
TIMES = [0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24]


def _closed_form(score: float) -> list[float]:
    v = 0.8 * 70.0
    cl = TRUE["CL_other"] + TRUE["CL_2d6"] * (score / 2.0) ** TRUE["k"]
    return [100.0 / v * math.exp(-cl / v * t) for t in TIMES]  # mg/L


def _write(tmp: Path, role: str = "training") -> Path:
    bindings = (DATA / "bindings.toml").read_text(encoding="utf-8")
    bindings = bindings.replace(
        'law = "activity_score_linear"   # f = AS / 2.0',
        'law = "activity_score_power"\nexponent = 1.0',
    ).replace('sbml = "cyp2d6_model.ant"', f'sbml = "{DATA / "cyp2d6_model.ant"}"')
    assert "activity_score_power" in bindings
    (tmp / "b.toml").write_text(bindings, encoding="utf-8")
    rows = ["group,output,time,time_unit,value,value_unit"]
    for g, (_, score) in GROUPS.items():
        rows += [
            f"{g},plasma,{t},h,{c!r},mg/L" for t, c in zip(TIMES, _closed_form(score), strict=True)
        ]
    (tmp / "obs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    groups = "".join(
        f'[groups.{g}]\nprofile = {{ weight = "70 kg", genotype = {{ CYP2D6 = "{d}" }} }}\n'
        for g, (d, _) in GROUPS.items()
    )
    (tmp / "case.toml").write_text(
        f'source = "closed form"\nmodel = "m"\nmodel_path = "{DATA / "cyp2d6_model.ant"}"\n'
        f'bindings = "b.toml"\nrole = "{role}"\n[regimen]\ndoses = ["100 mg iv"]\nend = "24 h"\n'
        f'{groups}[observed]\nfile = "obs.csv"\n[outputs]\nplasma = {{ id = "[C]" }}\n',
        encoding="utf-8",
    )
    spec = tmp / "calibration.toml"
    spec.write_text(
        'schema_version = 1\ncases = ["case.toml"]\noutput = "out/calibration.json"\n'
        "max_evaluations = 600\n"
        "[parameters.CL_2d6]\nstart = 60.0\nlower = 0.1\nupper = 1000.0\n"
        '[parameters."genes.CYP2D6.exponent"]\nstart = 0.7\nlower = 0.2\nupper = 6.0\n'
        "[parameters.CL_other]\nstart = 1.5\nlower = 0.01\nupper = 100.0\n",
        encoding="utf-8",
    )
    return spec


def test_calibration_recovers_known_parameters(tmp_path: Path) -> None:
    spec = _write(tmp_path)
    result = runner_result = CliRunner().invoke(cli, ["calibrate", str(spec)])
    assert runner_result.exit_code == 0, runner_result.output
    data = json.loads((tmp_path / "out" / "calibration.json").read_text(encoding="utf-8"))
    end = {p["name"]: p["end"] for p in data["parameters"]}
    start = {p["name"]: p["start"] for p in data["parameters"]}
    # tolerance: the simplex stops at xatol 1e-4 in ln(p); 1e-3 relative leaves room for that
    assert end["CL_2d6"] == pytest.approx(TRUE["CL_2d6"], rel=1e-3)
    assert end["CL_other"] == pytest.approx(TRUE["CL_other"], rel=1e-3)
    assert end["genes.CYP2D6.exponent"] == pytest.approx(TRUE["k"], rel=1e-3)
    assert start == {"CL_2d6": 60.0, "genes.CYP2D6.exponent": 0.7, "CL_other": 1.5}
    assert data["objective"]["start"] > 1.0 > 1e-6 > data["objective"]["end"]
    assert [c["role"] for c in data["cases"]] == ["training"]
    assert {s["group"] for s in data["series"]} == set(GROUPS)
    assert "objective" in result.output and "wrote" in result.output


def test_tied_parameter_follows_its_free_parameter(tmp_path: Path) -> None:
    spec = _write(tmp_path)
    text = spec.read_text(encoding="utf-8")
    text = text.replace(
        "[parameters.CL_other]\nstart = 1.5\nlower = 0.01\nupper = 100.0\n",
        '[tied.CL_other]\nparameter = "CL_2d6"\nfactor = 0.25\nsource = "closed form: 5 / 20"\n',
    )
    spec.write_text(text, encoding="utf-8")
    result = calibrate(load_calibration_spec(spec))
    assert result.end["CL_2d6"] == pytest.approx(20.0, rel=1e-3)
    assert result.to_dict()["tied"][0]["end"] == pytest.approx(5.0, rel=1e-3)


def test_validation_case_is_refused(tmp_path: Path) -> None:
    spec = _write(tmp_path, role="validation")
    res = CliRunner().invoke(cli, ["calibrate", str(spec)])
    assert res.exit_code == 2
    assert "role = 'validation'" in res.output and "training cases only" in res.output
    assert "case.toml" in res.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(CalibrationError):
        calibrate(load_calibration_spec(spec))


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (("lower = 0.1", "lower = 100.0"), "lower ≤ start ≤ upper"),
        (("[parameters.CL_2d6]", "[parameters.CL_nope]"), "CL_nope not a constant parameter"),
        (("max_evaluations", "max_evals"), "max_evals"),
        (('"genes.CYP2D6.exponent"', '"genes.CYP2C9.exponent"'), "genes.CYP2C9"),
    ],
)
def test_bad_spec_exits_2_naming_it(tmp_path: Path, edit: tuple[str, str], needle: str) -> None:
    spec = _write(tmp_path)
    spec.write_text(spec.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    res = CliRunner().invoke(cli, ["calibrate", str(spec)])
    assert res.exit_code == 2, res.output
    assert needle in res.output


def test_closed_form_reference_is_what_the_model_simulates(tmp_path: Path) -> None:
    """The data are the closed form; at the true values the objective is ~0 (consistency)."""
    spec = _write(tmp_path)
    text = spec.read_text(encoding="utf-8")
    text = text.replace("start = 60.0", "start = 20.0").replace("start = 0.7", "start = 1.5")
    text = text.replace("start = 1.5\nlower = 0.01", "start = 5.0\nlower = 0.01")
    spec.write_text(text.replace("max_evaluations = 600", "max_evaluations = 1"), encoding="utf-8")
    result = calibrate(load_calibration_spec(spec))
    assert result.objective_start < 1e-10
    assert np.isfinite(result.objective_end)
