"""Calibrate the dextromethorphan library model on its TRAINING cases only.

Run from the repository root (needs scipy, which sbmltwin itself does not):

    pip install scipy && python tools/calibrate_dxm.py

Protocol (fixed before the validation cases were evaluated with it; see
model_library/dextromethorphan/README.md, "Calibration"):

* training cases: the validation cases with ``role = "training"`` (Qiu2016: genotyped AS 0.5 /
  1.25 / 2 groups; Schadel1995: PM DXM and EM free DXO and DXO-O-glucuronide);
* groups are predicted exactly as ``sbmltwin validate`` predicts them (mixture groups as the
  frequency-weighted mean of their activity-score classes);
* CYP2D6 activity law f = (AS/2)^k (``activity_score_power``), k free;
* free parameters: CLint_2d6, k, CLint_3a4, ka, CL_dxo, CLR_dxog (log scale). V_dxo stays
  fixed: with it free the fit drives it to 0 (DXO is formation-rate limited, its volume is not
  identifiable from these data);
* objective: sum over (group, output) of the mean squared log residual of the observed
  concentrations; every (group, output) series weighs the same;
* Nelder–Mead from the previous values, then printed; the values are written into model.ant by hand.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from sbmltwin.engine import CompileSettings, compile_model, parse_regimen, simulate
from sbmltwin.errors import SimulationError
from sbmltwin.model import load_model
from sbmltwin.personalize import load_bindings, parse_profile, personalize
from sbmltwin.pgx import call_genotype
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units
from sbmltwin.validate.cases import INTEGRATOR, find_cases, load_case

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "model_library" / "dextromethorphan"
FREE = ["CLint_2d6", "k", "CLint_3a4", "ka", "CL_dxo", "CLR_dxog"]
START = {
    "CLint_2d6": 1300.0,
    "k": 1.0,
    "CLint_3a4": 44.5,
    "ka": 0.17,
    "CL_dxo": 845.0,
    "CLR_dxog": 10.9,
}
UMOL_PER_L = ModelUnit("µmol/l", "1 umol/l")  # the model's concentration unit


def _activity(genotype: dict) -> float:
    entry = genotype["CYP2D6"]
    if isinstance(entry, dict):
        return float(entry["activity_score"])
    score = call_genotype("CYP2D6", str(entry)).activity_score
    assert score is not None
    return float(score)


def build_problem() -> list[dict]:
    model = load_model(LIB / "model.xml")
    bindings = load_bindings(LIB / "twin.toml")
    compiled = compile_model(model, CompileSettings())
    series = []
    for path in find_cases(ROOT / "validation" / "dextromethorphan"):
        case = load_case(path)
        if case.role != "training":
            continue
        observed = pd.read_csv(case.observed)
        regimen = parse_regimen(case.doses, where=case.id)
        end = to_model_units(parse_quantity(case.end), model.time_unit)  # h in this model
        for gname in case.groups:
            members = []
            for profile_data, weight, _label in case.group_profiles(gname):
                profile = parse_profile({"id": gname, **profile_data})
                base = dict(personalize(model, profile, bindings).as_dict())
                members.append((base, weight, _activity(profile_data["genotype"])))
            outputs = []
            for oname, out in case.outputs.items():
                obs = observed[(observed["group"] == gname) & (observed["output"] == oname)]
                obs = obs[obs["value"] > 0]
                if obs.empty:
                    continue
                assert set(obs["time_unit"]) == {"h"}
                per_unit = {  # observed unit → µmol/L, with the case's molecular weight
                    u: to_model_units(
                        parse_quantity(f"1 {u}"), UMOL_PER_L, molecular_weight=out.molecular_weight
                    )
                    for u in set(obs["value_unit"])
                }
                factor = obs["value_unit"].map(per_unit).to_numpy(float)
                outputs.append(
                    {
                        "name": f"{case.id}:{gname}:{oname}",
                        "id": out.id,
                        "t": obs["time"].to_numpy(float),
                        "c": obs["value"].to_numpy(float) * factor,
                    }
                )
            if outputs:  # one series per group: each member is simulated once for all outputs
                series.append(
                    {
                        "compiled": compiled,
                        "regimen": regimen,
                        "end": end,
                        "members": members,
                        "outputs": outputs,
                        "dose_target": bindings.dose_targets(),
                        "mw": bindings.dose_molecular_weight(),
                    }
                )
    return series


def predict(s: dict, p: dict[str, float]) -> list[np.ndarray]:
    """The mixture-weighted prediction at each output's observed times."""
    totals = [np.zeros_like(o["t"]) for o in s["outputs"]]
    points = round(s["end"] / 0.05) + 1
    ids = [o["id"] for o in s["outputs"]]
    for base, weight, score in s["members"]:
        params = {**base, **{k: v for k, v in p.items() if k != "k"}}
        params["f_cyp2d6"] = (score / 2.0) ** p["k"]
        res = simulate(
            s["compiled"],
            params,
            s["regimen"],
            end=s["end"],
            points=points,
            outputs=ids,
            integrator=INTEGRATOR,
            default_target=s["dose_target"],
            molecular_weight=s["mw"],
        )
        grid = res.frame["time"].to_numpy()
        for total, o in zip(totals, s["outputs"], strict=True):
            total += weight * np.interp(o["t"], grid, res.frame[o["id"]].to_numpy())
    return totals


def objective(x: np.ndarray, series: list[dict]) -> float:
    p = dict(zip(FREE, np.exp(x), strict=True))
    if not 0.2 <= p["k"] <= 6.0:
        return 1e6
    err = 0.0
    for s in series:
        try:
            preds = predict(s, p)
        except SimulationError:  # an extreme trial point; Nelder–Mead moves away
            return 1e6
        for pred, o in zip(preds, s["outputs"], strict=True):
            if np.any(pred <= 0):
                return 1e6
            err += float(np.mean((np.log(pred) - np.log(o["c"])) ** 2))
    return err


def main() -> None:
    series = build_problem()
    print("training series:", ", ".join(o["name"] for s in series for o in s["outputs"]))
    x0 = np.log([START[k] for k in FREE])
    print("start objective", objective(x0, series))
    best = minimize(
        objective,
        x0,
        args=(series,),
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-4, "fatol": 1e-6, "adaptive": True},
    )
    p = dict(zip(FREE, np.exp(best.x), strict=True))
    print("objective", best.fun, "evaluations", best.nfev, best.message)
    for s in series:
        for pred, o in zip(predict(s, p), s["outputs"], strict=True):
            rms = math.sqrt(float(np.mean((np.log(pred) - np.log(o["c"])) ** 2)))
            print(f"  {o['name']:45s} RMS log residual {rms:.3f}")
    json.dump(p, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
