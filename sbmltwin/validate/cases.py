"""Validation cases: observed clinical PK by group ↔ personalized simulations.

A case is a TOML file and a CSV of observations (format in the README, "Validation"). Running a
case personalizes one twin per group (``[groups.NAME] profile = {...}``) with the model's bindings
(or, for a ``mixture`` group, one twin per genotype class, see :mod:`sbmltwin.validate.mixture`),
simulates the study's regimen, and compares predicted with observed AUC(0–tlast), Cmax and
every observed concentration; its ``[acceptance]`` decides pass or fail.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sbmltwin.engine import IntegratorSettings, RunSetup, parse_regimen, prepare_setup
from sbmltwin.engine.effects import check_binding_effects
from sbmltwin.engine.outputs import output_factor
from sbmltwin.errors import UnitError, ValidationDataError, check_keys
from sbmltwin.model import load_model, require_simulatable
from sbmltwin.personalize import load_bindings, parse_profile
from sbmltwin.pk import auc_trapezoid
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units
from sbmltwin.validate.metrics import fold_error, guest_limits, summary
from sbmltwin.validate.mixture import Mixture, mixture_components, parse_mixture

__all__ = [
    "INTEGRATOR",
    "ValidationCase",
    "ValidationDataError",
    "find_cases",
    "library_dir",
    "load_case",
    "overall",
    "run_case",
    "split_by_model",
    "validation_dir",
]

#: integrator settings of every validation run (recorded in the manifest)
INTEGRATOR = IntegratorSettings(absolute_tolerance=1e-12, relative_tolerance=1e-8)
GRID_STEP_H = 0.05  # output grid of the predictions, in hours (AUC and Cmax use it)


def _packaged_or_repo(name: str) -> Path:
    packaged = resources.files("sbmltwin").joinpath("_library", name)
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / name


def library_dir() -> Path:
    """The model library (``model_library/``): packaged in wheels, the repo's in a checkout."""
    return _packaged_or_repo("model_library")


def validation_dir() -> Path:
    """The shipped validation cases (``validation/``)."""
    return _packaged_or_repo("validation")


@dataclass(frozen=True, slots=True)
class OutputRef:
    name: str
    id: str
    molecular_weight: str | None = None
    unit: str | None = None  # report the output in this unit (else the model's)


@dataclass(frozen=True, slots=True)
class RatioCheck:
    numerator: str
    denominator: str
    metric: str = "AUC"
    output: str | None = None


@dataclass(frozen=True)
class ValidationCase:
    """A parsed case file."""

    id: str
    path: Path
    source: str
    citation: str
    model: str
    role: str
    doses: tuple[str, ...]
    end: str
    groups: Mapping[str, Mapping[str, Any]]
    descriptions: Mapping[str, str]
    observed: Path
    outputs: Mapping[str, OutputRef]
    fold: float = 2.0
    ratios: tuple[RatioCheck, ...] = ()
    model_path: Path | None = None
    bindings_path: Path | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    mixtures: Mapping[str, Mixture] = field(default_factory=dict)

    def group_profiles(self, name: str) -> list[tuple[dict[str, Any], float, str]]:
        """The (profile, weight, label) twins whose weighted mean curve predicts group ``name``:
        one twin of weight 1, or one per class of the group's genotype mixture."""
        base = dict(self.groups[name])
        mix = self.mixtures.get(name)
        if mix is None:
            return [(base, 1.0, name)]
        out = []
        for comp in mixture_components(mix):
            if "phenotype" in comp.genotype:  # a gene without activity scores: its phenotype
                table = {**dict(base.get("phenotype", {})), mix.gene: comp.genotype["phenotype"]}
                out.append(({**base, "phenotype": table}, comp.weight, comp.label))
            else:
                genotype = {**dict(base.get("genotype", {})), mix.gene: dict(comp.genotype)}
                out.append(({**base, "genotype": genotype}, comp.weight, comp.label))
        return out

    def input_files(self) -> list[Path]:
        files = [self.path, self.observed]
        files += [p for p in (self.model_path, self.bindings_path) if p is not None]
        return files


def find_cases(root: str | Path) -> list[Path]:
    """Case TOML files under ``root`` (a file is itself)."""
    p = Path(root)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise ValidationDataError(
            "no such file or directory", where=str(p), hint="give validation/ or a case .toml"
        )
    return sorted(q for q in p.rglob("*.toml") if q.name != "twin.toml")


def split_by_model(
    cases: Sequence[ValidationCase],
) -> tuple[list[ValidationCase], list[ValidationCase]]:
    """(cases whose model file exists, cases whose model file is missing).

    The shipped validation/ holds cases of drugs whose model is still to be built (issue 15's
    library); the default run skips those and says so, a run on named paths does not skip."""
    ready: list[ValidationCase] = []
    missing: list[ValidationCase] = []
    for case in cases:
        (ready if case.model_path is None or case.model_path.is_file() else missing).append(case)
    return ready, missing


def load_case(path: str | Path) -> ValidationCase:
    """Read and check a case TOML file (the observations are read by :func:`run_case`)."""
    p = Path(path)
    where = str(p)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ValidationDataError(f"cannot read the case: {err}", where=where) from err
    allowed = {
        "schema_version",
        "id",
        "source",
        "citation",
        "model",
        "model_path",
        "bindings",
        "role",
        "regimen",
        "groups",
        "observed",
        "outputs",
        "acceptance",
    }
    check_keys(data, allowed, error=ValidationDataError, where=where)
    for key in ("source", "model", "regimen", "groups", "observed", "outputs"):
        if key not in data:
            raise ValidationDataError(
                f"missing '{key}'",
                where=where,
                hint="every case names its source (PMID/DOI), model, regimen, groups, observed data and outputs",
            )
    regimen = data["regimen"]
    doses = regimen.get("doses", [])
    if isinstance(doses, str):
        doses = [doses]
    groups = {str(k): dict(v.get("profile", {})) for k, v in data["groups"].items()}
    mixtures = {}
    for gname, gdata in data["groups"].items():
        gwhere = f"{where} [groups.{gname}]"
        check_keys(
            gdata,
            {"profile", "description", "mixture"},
            error=ValidationDataError,
            where=gwhere,
            what="group key",
            hint="a group has description, profile and optionally mixture",
        )
        if "mixture" in gdata:
            mix = parse_mixture(gdata["mixture"], gwhere)
            given = groups[str(gname)]
            if mix.gene in {
                str(g).upper() for k in ("genotype", "phenotype") for g in given.get(k, {})
            }:
                raise ValidationDataError(
                    f"the profile also gives a {mix.gene} genotype or phenotype",
                    where=gwhere,
                    hint="a mixture group takes its genotype from the mixture",
                )
            mixtures[str(gname)] = mix
    outputs = {}
    for name, spec in data["outputs"].items():
        spec = {"id": spec} if isinstance(spec, str) else spec
        check_keys(
            spec,
            {"id", "molecular_weight", "unit"},
            error=ValidationDataError,
            where=f"{where} [outputs.{name}]",
        )
        unit = spec.get("unit")
        outputs[str(name)] = OutputRef(
            str(name),
            str(spec["id"]),
            spec.get("molecular_weight"),
            None if unit is None else str(unit),
        )
    acceptance = data.get("acceptance", {})
    ratios = tuple(
        RatioCheck(
            str(r["numerator"]), str(r["denominator"]), str(r.get("metric", "AUC")), r.get("output")
        )
        for r in acceptance.get("ratios", [])
    )
    for r in ratios:
        for g in (r.numerator, r.denominator):
            if g not in groups:
                raise ValidationDataError(f"ratio names unknown group '{g}'", where=where)
    base = p.parent
    model_path = (
        base / data["model_path"]
        if "model_path" in data
        else library_dir() / data["model"] / "model.xml"
    )
    bindings_path = (
        base / data["bindings"] if "bindings" in data else model_path.parent / "twin.toml"
    )
    return ValidationCase(
        id=str(data.get("id", p.stem)),
        path=p,
        source=str(data["source"]),
        citation=str(data.get("citation", "")),
        model=str(data["model"]),
        role=str(data.get("role", "validation")),
        doses=tuple(str(d) for d in doses),
        end=str(regimen.get("end", "24 h")),
        groups=groups,
        descriptions={str(k): str(v.get("description", k)) for k, v in data["groups"].items()},
        observed=base / str(data["observed"]["file"]),
        outputs=outputs,
        fold=float(acceptance.get("fold", 2.0)),
        ratios=ratios,
        model_path=model_path,
        bindings_path=bindings_path,
        mixtures=mixtures,
    )


def _read_observed(case: ValidationCase) -> pd.DataFrame:
    try:
        frame = pd.read_csv(case.observed)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ValidationDataError(
            f"cannot read observations: {err}", where=str(case.observed)
        ) from err
    need = {"group", "output", "time", "time_unit", "value", "value_unit"}
    missing = need - set(frame.columns)
    if missing:
        raise ValidationDataError(
            f"missing column(s) {', '.join(sorted(missing))}", where=str(case.observed)
        )
    for col, known in (("group", case.groups), ("output", case.outputs)):
        bad = sorted(set(frame[col].astype(str)) - set(known))
        if bad:
            raise ValidationDataError(
                f"unknown {col} value(s) {bad}",
                where=str(case.observed),
                hint=f"the case defines {', '.join(known)}",
            )
    if frame["value"].isna().any() or (frame["time"] < 0).any():
        raise ValidationDataError("empty values or negative times", where=str(case.observed))
    return frame


def _factor(unit_text: str, target: ModelUnit, mw: str | None, where: str) -> float:
    try:
        return to_model_units(
            parse_quantity(f"1 {unit_text}", where=where), target, molecular_weight=mw, where=where
        )
    except UnitError as err:
        raise ValidationDataError(err.what, where=where, hint=err.hint) from None


def run_case(case: ValidationCase, *, sensitivity: bool = True) -> dict[str, Any]:
    """Run every group of ``case``; return a JSON-ready result (floats, lists, strings)."""
    model = load_model(case.model_path or "")
    require_simulatable(model)
    bindings = load_bindings(case.bindings_path or "")
    observed = _read_observed(case)
    tunit = model.time_unit
    end = to_model_units(parse_quantity(case.end), tunit, where=f"{case.path} [regimen] end")
    hours = to_model_units(parse_quantity("1 h"), tunit)
    points = int(min(20001, max(481, round(end / (GRID_STEP_H * hours)) + 1)))
    where = f"{case.path} [regimen]"
    regimen = parse_regimen(case.doses, where=where)
    selections = sorted({o.id for o in case.outputs.values()})
    setup = prepare_setup(model, regimen, bindings=bindings, outputs=selections, where=where)
    warnings = list(setup.warnings)

    groups: list[dict[str, Any]] = []
    auc_folds: list[float] = []
    cmax_folds: list[float] = []
    obs_folds: list[float] = []
    exposure: dict[tuple[str, str, str], tuple[float, float]] = {}
    for gname in case.groups:
        frame: pd.DataFrame | None = None
        explains = []
        members: list[dict[str, Any]] = []
        for profile_data, weight, label in case.group_profiles(gname):
            profile = parse_profile(
                {"id": f"{case.id}:{gname}", **profile_data},
                source=f"{case.path} [groups.{gname}]",
            )
            run = setup.run(profile)
            assert run.pset is not None
            pset = run.pset
            result = run.simulate(end=end, points=points, outputs=selections, integrator=INTEGRATOR)
            units = result.units
            part = result.frame[["time", *selections]]
            if frame is None:
                frame = part.copy()
                frame[selections] = part[selections] * weight
            else:
                frame[selections] += part[selections].to_numpy() * weight
            explains.append((weight, label, pset.explain()))
            members.append({"class": label, "weight": weight, "parameters": pset.as_dict()})
        assert frame is not None
        t = frame["time"].to_numpy()
        mix = case.mixtures.get(gname)
        if mix is None:
            explain = explains[0][2]
        else:
            classes = ", ".join(f"{label} {100 * w:.3g}%" for w, label, _ in explains)
            explain = (
                f"{mix.describe()}; predicted = weighted mean of {len(explains)} twins: "
                f"{classes}\n\nMost frequent class ({explains[0][1]}):\n{explains[0][2]}"
            )
        group: dict[str, Any] = {
            "name": gname,
            "description": case.descriptions.get(gname, gname),
            "explain": explain,
            # the twins whose weighted mean is the prediction, with their parameter values
            "members": members,
            "outputs": {},
        }
        if mix is not None:
            group["mixture"] = {
                "gene": mix.gene,
                "population": mix.population,
                "exclude_phenotypes": list(mix.exclude_phenotypes),
            }
        for oname, out in case.outputs.items():
            target = ModelUnit(
                units[out.id],
                model.concentration_units[out.id.strip("[]")].expr
                if out.id.startswith("[")
                else model.units[out.id].expr,
            )
            obs = observed[(observed["group"].astype(str) == gname) & (observed["output"] == oname)]
            if obs.empty:
                continue
            where = f"{case.observed} ({gname}, {oname})"
            t_obs = np.array(
                [
                    v * _factor(u, tunit, None, where)
                    for v, u in zip(obs["time"], obs["time_unit"], strict=True)
                ]
            )
            c_obs = np.array(
                [
                    v * _factor(u, target, out.molecular_weight, where)
                    for v, u in zip(obs["value"], obs["value_unit"], strict=True)
                ]
            )
            order = np.argsort(t_obs)
            t_obs, c_obs = t_obs[order], c_obs[order]
            pred = frame[out.id].to_numpy()
            c_at_obs = np.interp(t_obs, t, pred)
            tlast = float(t_obs[-1])
            window = t <= tlast + 1e-12
            t0, c0 = (t_obs, c_obs) if t_obs[0] == 0 else (np.r_[0.0, t_obs], np.r_[0.0, c_obs])
            auc_obs = auc_trapezoid(t0, c0)
            auc_pred = auc_trapezoid(t[window], pred[window])
            cmax_obs, cmax_pred = float(c_obs.max()), float(pred[window].max())
            fe_auc, fe_cmax = fold_error(auc_pred, auc_obs), fold_error(cmax_pred, cmax_obs)
            auc_folds.append(fe_auc)
            cmax_folds.append(fe_cmax)
            point_folds = [fold_error(p, o) for p, o in zip(c_at_obs, c_obs, strict=True)]
            obs_folds.extend(point_folds)
            exposure[(gname, oname, "AUC")] = (auc_pred, auc_obs)
            exposure[(gname, oname, "Cmax")] = (cmax_pred, cmax_obs)
            # the case's unit for this output (fold errors and ratios do not depend on it)
            k = 1.0
            if out.unit is not None:
                try:
                    k = output_factor(
                        target, out.unit, molecular_weight=out.molecular_weight, where=where
                    )
                except UnitError as err:
                    raise ValidationDataError(err.what, where=where, hint=err.hint) from None
            group["outputs"][oname] = {
                "unit": out.unit or target.text,
                "time_unit": tunit.text,
                "observed": {"time": t_obs.tolist(), "value": (c_obs * k).tolist()},
                "predicted": {"time": t.tolist(), "value": (pred * k).tolist()},
                "predicted_at_observed": (c_at_obs * k).tolist(),
                "point_fold_errors": point_folds,
                "auc_observed": auc_obs * k,
                "auc_predicted": auc_pred * k,
                "auc_fold": fe_auc,
                "cmax_observed": cmax_obs * k,
                "cmax_predicted": cmax_pred * k,
                "cmax_fold": fe_cmax,
                "within_fold": bool(
                    1 / case.fold <= fe_auc <= case.fold and 1 / case.fold <= fe_cmax <= case.fold
                ),
            }
        groups.append(group)

    ratios = []
    for r in case.ratios:
        oname = r.output or next(iter(case.outputs))
        try:
            pn, on = exposure[(r.numerator, oname, r.metric)]
            pd_, od = exposure[(r.denominator, oname, r.metric)]
        except KeyError:
            raise ValidationDataError(
                f"ratio {r.numerator}/{r.denominator} lacks observations", where=str(case.path)
            ) from None
        obs_ratio, pred_ratio = on / od, pn / pd_
        lo, hi = guest_limits(obs_ratio)
        ratios.append(
            {
                "numerator": r.numerator,
                "denominator": r.denominator,
                "metric": r.metric,
                "output": oname,
                "observed": obs_ratio,
                "predicted": pred_ratio,
                "guest_lower": lo,
                "guest_upper": hi,
                "within": bool(lo <= pred_ratio <= hi),
            }
        )
    folds_ok = all(o["within_fold"] for g in groups for o in g["outputs"].values())
    result_dict: dict[str, Any] = {
        "id": case.id,
        "source": case.source,
        "citation": case.citation,
        "model": case.model,
        "role": case.role,
        "doses": list(case.doses),
        "fold": case.fold,
        "groups": groups,
        "ratios": ratios,
        "metrics": {
            "auc": summary(auc_folds),
            "cmax": summary(cmax_folds),
            "observations": summary(obs_folds),
        },
        "passed": bool(folds_ok and all(r["within"] for r in ratios)),
        "model_sha256": model.sha256,
    }
    if case.groups:  # gene bindings that do not move the outputs, at the first group's twin
        first = next(iter(case.groups))
        profile = parse_profile(
            {"id": first, **case.group_profiles(first)[0][0]}, source=f"{case.path} [groups]"
        )
        effects = setup.run(profile).binding_effects(
            end=end, points=points, outputs=selections, integrator=INTEGRATOR
        )
        warnings += [f"group {first}: {w}" for w in check_binding_effects(effects)]
    if warnings:
        result_dict["warnings"] = warnings
    if sensitivity and case.groups:
        result_dict["sensitivity"] = _sensitivity(setup, case, end, points)
    return result_dict


def _sensitivity(
    setup: RunSetup, case: ValidationCase, end: float, points: int
) -> list[dict[str, float | str]]:
    """Normalized local sensitivities (ΔX/X)/(Δp/p), +1 % steps, of AUC and Cmax of the first
    output for the first group, for every non-zero constant parameter, in model order (the
    report shows the largest: :func:`sbmltwin.report.plots.top_sensitivities`)."""
    model = setup.base
    gname = next(iter(case.groups))
    profile = parse_profile({"id": gname, **case.group_profiles(gname)[0][0]})
    run = setup.run(profile)
    base = dict(run.params)
    out_id = next(iter(case.outputs.values())).id
    computed = {e.sid for e in model.elements if e.computed_by}

    def exposure(params: Mapping[str, float]) -> tuple[float, float]:
        res = run.simulate(
            end=end, points=points, outputs=[out_id], integrator=INTEGRATOR, params=params
        )
        y = res.frame[out_id].to_numpy()
        return auc_trapezoid(res.frame["time"].to_numpy(), y), float(y.max())

    auc0, cmax0 = exposure(base)
    rows: list[dict[str, float | str]] = []
    for e in model.elements:
        if e.kind != "parameter" or e.detail != "constant" or e.sid in computed or not e.value:
            continue
        value = base.get(e.sid, e.value)
        if not value or not math.isfinite(value):
            continue
        auc1, cmax1 = exposure({**base, e.sid: value * 1.01})
        rows.append(
            {
                "parameter": e.sid,
                "value": value,
                "unit": e.unit,
                "s_auc": (auc1 / auc0 - 1) / 0.01 if auc0 else math.nan,
                "s_cmax": (cmax1 / cmax0 - 1) / 0.01 if cmax0 else math.nan,
            }
        )
    return rows


def overall(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Pooled metrics over cases: AUC/Cmax fold errors, groups within fold, verdict counts; with
    training cases present, the same metrics over validation cases only (``validation_only``)."""
    auc = [o["auc_fold"] for r in results for g in r["groups"] for o in g["outputs"].values()]
    cmax = [o["cmax_fold"] for r in results for g in r["groups"] for o in g["outputs"].values()]
    groups_ok = [
        o["within_fold"] for r in results for g in r["groups"] for o in g["outputs"].values()
    ]
    ratios = [x for r in results for x in r["ratios"]]
    out: dict[str, Any] = {
        "cases": len(results),
        "cases_passed": sum(bool(r["passed"]) for r in results),
        "groups": len(groups_ok),
        "groups_within_fold_percent": 100.0 * sum(groups_ok) / len(groups_ok)
        if groups_ok
        else math.nan,
        "auc": summary(auc),
        "cmax": summary(cmax),
        "auc_and_cmax": summary(auc + cmax),
        "ratios_within_guest": sum(bool(x["within"]) for x in ratios),
        "ratios": len(ratios),
    }
    validation = [r for r in results if r.get("role") != "training"]
    if validation and len(validation) < len(results):
        out["validation_only"] = overall(validation)
    return out
