"""Calibration: fit named model parameters to the TRAINING cases of a model (``sbmltwin calibrate``).

A calibration spec (TOML) names the training cases and the free parameters::

    schema_version = 1
    cases = ["../../validation/atomoxetine/Kim2018.toml"]   # relative to the spec
    # a case with arms: all its arms, or { file = "…", arms = ["IV40", "IV80"] } for some
    output = "calibration.json"                              # relative to the spec
    max_evaluations = 400
    max_seconds = 240
    [parameters.CLint_2d6]                   # an SBML parameter id of the cases' model
    start = 1000.0
    lower = 10.0
    upper = 1e5
    [parameters."genes.CYP2D6.exponent"]     # the exponent of a bindings gene law
    start = 1.0
    lower = 0.2
    upper = 6.0
    [tied.CLint_oth]                         # CLint_oth = factor × CLint_2d6 at every step
    parameter = "CLint_2d6"
    factor = 0.1416
    source = "fm,CYP2D6 0.876 (Huang 2017 DMD Table 1)"

Every case must have ``role = "training"``: a validation case is refused
(:class:`~sbmltwin.errors.CalibrationError`, exit 2), so calibration never sees validation data.
Groups are predicted exactly as :func:`sbmltwin.validate.cases.run_case` predicts them (one twin,
or the weighted mean of a mixture's classes, on the same grid and integrator). The objective is
the sum over (case, group, output) series of the mean squared log residual of the observed
concentrations (predictions below 1e-9 × the series' largest observation count as that floor);
every series weighs the same. Observations at or before the first dose time are not used: a
level recorded at the dose time is 0 before an infusion and an unmixed C0 after a bolus, neither
of which a model can be fitted to. It is minimized over the log of each free parameter within its
bounds by scipy's bounded Nelder–Mead. The result records the objective, the start and end
values and each series' RMS log residual at start and end, and is written as JSON.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sbmltwin.engine import RunSetup, prepare_setup
from sbmltwin.errors import CalibrationError, SimulationError, check_keys
from sbmltwin.model import load_model, require_simulatable
from sbmltwin.personalize import Bindings, TwinProfile, load_bindings, parse_profile
from sbmltwin.provenance import sha256_bytes, software_versions
from sbmltwin.units import ModelUnit
from sbmltwin.validate.cases import INTEGRATOR, Arm, ValidationCase, load_case
from sbmltwin.validate.cases import read_observed as observed_frame
from sbmltwin.validate.run import _factor as unit_factor
from sbmltwin.validate.run import case_grid, case_regimen

__all__ = [
    "CalibrationResult",
    "CalibrationSpec",
    "FreeParameter",
    "TiedParameter",
    "calibrate",
    "load_calibration_spec",
    "parse_calibration_spec",
    "write_calibration",
]

SCHEMA_VERSION = 1
OBJECTIVE = (
    "sum over (case, group, output) series of mean((ln predicted - ln observed)^2) at the "
    "observed times after the first dose; predictions floored at 1e-9 x the series' largest "
    "observation"
)
_GENE_PARAM = "genes."


@dataclass(frozen=True, slots=True)
class FreeParameter:
    """A fitted parameter: an SBML id, or ``genes.<GENE>.exponent`` (a bindings gene law)."""

    name: str
    start: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class TiedParameter:
    """An SBML parameter kept at ``factor`` × a free parameter."""

    name: str
    parameter: str
    factor: float
    source: str


@dataclass(frozen=True)
class CalibrationSpec:
    path: Path
    cases: tuple[Path, ...]
    free: tuple[FreeParameter, ...]
    tied: tuple[TiedParameter, ...]
    output: Path
    max_evaluations: int = 400
    max_seconds: float = 600.0
    #: per case (same order as ``cases``): the arms that train (None: all, or its one regimen)
    arms: tuple[tuple[str, ...] | None, ...] = ()

    def case_arms(self, i: int) -> tuple[str, ...] | None:
        return self.arms[i] if i < len(self.arms) else None


@dataclass(frozen=True, slots=True)
class SeriesFit:
    case: str
    group: str
    output: str
    n: int
    rms_log_start: float
    rms_log_end: float


@dataclass(frozen=True)
class CalibrationResult:
    """What a calibration did: objective and parameter values at start and end."""

    spec: CalibrationSpec
    cases: tuple[ValidationCase, ...]
    objective_start: float
    objective_end: float
    start: Mapping[str, float]
    end: Mapping[str, float]
    evaluations: int
    message: str
    seconds: float
    series: tuple[SeriesFit, ...]
    #: what the fit does differently from ``validate`` (e.g. a virtual-trial group fitted as its
    #: typical twin), one line each
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        spec = self.spec
        tied_end = {t.name: t.factor * self.end[t.parameter] for t in spec.tied}
        return {
            "schema_version": SCHEMA_VERSION,
            "spec": spec.path.name,
            "spec_sha256": sha256_file(spec.path),
            "cases": [
                {
                    "id": c.id,
                    "role": c.role,
                    "file": c.path.name,
                    "sha256": sha256_file(c.path),
                    "observed_sha256": sha256_file(c.observed) if c.observed else None,
                    "source": c.source,
                }
                for c in self.cases
            ],
            "method": "scipy.optimize.minimize Nelder-Mead (bounded, adaptive) on ln(parameter)",
            "objective": {
                "definition": OBJECTIVE,
                "start": self.objective_start,
                "end": self.objective_end,
            },
            "parameters": [
                {
                    "name": p.name,
                    "scale": "log",
                    "lower": p.lower,
                    "upper": p.upper,
                    "start": self.start[p.name],
                    "end": self.end[p.name],
                    "at_bound": bool(
                        math.isclose(self.end[p.name], p.lower, rel_tol=1e-3)
                        or math.isclose(self.end[p.name], p.upper, rel_tol=1e-3)
                    ),
                }
                for p in spec.free
            ],
            "tied": [
                {
                    "name": t.name,
                    "parameter": t.parameter,
                    "factor": t.factor,
                    "source": t.source,
                    "end": tied_end[t.name],
                }
                for t in spec.tied
            ],
            "evaluations": self.evaluations,
            "max_evaluations": spec.max_evaluations,
            "max_seconds": spec.max_seconds,
            "message": self.message,
            "seconds": self.seconds,
            "series": [dataclasses.asdict(s) for s in self.series],
            "notes": list(self.notes),
            "software": software_versions(),
        }


def sha256_file(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CalibrationError(f"'{key}' must be a finite number, not {value!r}", where=where)
    return float(value)


def load_calibration_spec(path: str | Path) -> CalibrationSpec:
    """Read and check a calibration spec (keys, bounds); cases are checked by :func:`calibrate`."""
    p = Path(path)
    where = str(p)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalibrationError("no such file", where=where, hint="check the path") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise CalibrationError(f"cannot read the calibration spec: {err}", where=where) from err
    return parse_calibration_spec(data, p)


def parse_calibration_spec(data: Mapping[str, Any], path: Path) -> CalibrationSpec:
    """Check a calibration spec mapping; ``path`` is the spec's file (relative paths start at its
    folder)."""
    p = path
    where = str(p)
    check_keys(
        data,
        {
            "schema_version",
            "cases",
            "output",
            "max_evaluations",
            "max_seconds",
            "parameters",
            "tied",
        },
        error=CalibrationError,
        where=where,
    )
    if data.get("schema_version") != SCHEMA_VERSION:
        raise CalibrationError(
            f"schema_version {data.get('schema_version')!r} is not supported",
            where=where,
            hint="start the file with schema_version = 1",
        )
    entries = data.get("cases")
    if not isinstance(entries, list) or not entries:
        raise CalibrationError(
            "'cases' must be a non-empty list of case files", where=where, hint='cases = ["A.toml"]'
        )
    cases: list[str] = []
    case_arms: list[tuple[str, ...] | None] = []
    for i, entry in enumerate(entries):
        cwhere = f"{where} cases[{i}]"
        if isinstance(entry, str):
            cases.append(entry)
            case_arms.append(None)
            continue
        if not isinstance(entry, Mapping):
            raise CalibrationError(
                "a case is a file name or { file, arms }",
                where=cwhere,
                hint='cases = ["A.toml", { file = "B.toml", arms = ["IV"] }]',
            )
        check_keys(entry, {"file", "arms"}, error=CalibrationError, where=cwhere)
        file, arms = entry.get("file"), entry.get("arms")
        if not isinstance(file, str) or not (
            isinstance(arms, list) and arms and all(isinstance(a, str) for a in arms)
        ):
            raise CalibrationError(
                "needs file (a case file) and arms (a non-empty list of its arm names)",
                where=cwhere,
                hint='{ file = "B.toml", arms = ["IV40", "IV80"] }',
            )
        cases.append(file)
        case_arms.append(tuple(arms))
    params = data.get("parameters")
    if not isinstance(params, Mapping) or not params:
        raise CalibrationError(
            "no [parameters.NAME] to fit", where=where, hint="start, lower and upper per parameter"
        )
    free = []
    for name, entry in params.items():
        pwhere = f"{where} [parameters.{name}]"
        if not isinstance(entry, Mapping):
            raise CalibrationError("must be a table with start, lower, upper", where=pwhere)
        check_keys(entry, {"start", "lower", "upper"}, error=CalibrationError, where=pwhere)
        start, lower, upper = (
            _number(entry.get(k), pwhere, k) for k in ("start", "lower", "upper")
        )
        if not 0 < lower <= start <= upper:
            raise CalibrationError(
                f"need 0 < lower ≤ start ≤ upper (log scale), got {lower!r}, {start!r}, {upper!r}",
                where=pwhere,
            )
        free.append(FreeParameter(str(name), start, lower, upper))
    tied = []
    for name, entry in (data.get("tied") or {}).items():
        twhere = f"{where} [tied.{name}]"
        if not isinstance(entry, Mapping):
            raise CalibrationError("must be a table", where=twhere)
        check_keys(entry, {"parameter", "factor", "source"}, error=CalibrationError, where=twhere)
        of = entry.get("parameter")
        if of not in params:
            raise CalibrationError(
                f"ties to {of!r}, which is not a fitted parameter",
                where=twhere,
                hint=f"fitted: {', '.join(params)}",
            )
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise CalibrationError("a tied factor needs a source", where=twhere)
        tied.append(
            TiedParameter(
                str(name), str(of), _number(entry.get("factor"), twhere, "factor"), source
            )
        )
    max_eval = int(_number(data.get("max_evaluations", 400), where, "max_evaluations"))
    max_seconds = _number(data.get("max_seconds", 600.0), where, "max_seconds")
    output = data.get("output", "calibration.json")
    if not isinstance(output, str):
        raise CalibrationError("'output' must be a file name", where=where)
    return CalibrationSpec(
        path=p,
        cases=tuple(p.parent / c for c in cases),
        free=tuple(free),
        tied=tuple(tied),
        output=p.parent / output,
        max_evaluations=max(1, max_eval),
        max_seconds=max_seconds,
        arms=tuple(case_arms),
    )


@dataclass
class _Series:
    case: str
    group: str
    output: str
    sid: str
    t: np.ndarray
    c: np.ndarray


@dataclass
class _Group:
    setup: RunSetup
    members: list[tuple[TwinProfile, float]]
    base: list[dict[str, float]]
    end: float
    points: int
    series: list[_Series]


def _training_cases(spec: CalibrationSpec) -> list[ValidationCase]:
    cases = [load_case(c) for c in spec.cases]
    for i, case in enumerate(cases):
        if case.role != "training":
            raise CalibrationError(
                f"case '{case.id}' has role = {case.role!r}: calibration uses training cases only",
                where=str(case.path),
                hint='fit only on cases marked role = "training"; validation cases judge the fit',
            )
        chosen = spec.case_arms(i)
        names = [a.name for a in case.arms]
        unknown = [a for a in chosen or () if a not in names]
        if unknown:
            raise CalibrationError(
                f"case '{case.id}' has no arm {unknown[0]!r}"
                + ("" if names else " (it has one [regimen])"),
                where=f"{spec.path} cases[{i}]",
                hint=f"its arms: {', '.join(names)}" if names else "name the file alone",
            )
    return cases


def _case_arms(case: ValidationCase, chosen: tuple[str, ...] | None) -> list[Arm | None]:
    """The arms of ``case`` that train (all without a choice), or [None]: its one regimen."""
    if not case.arms:
        return [None]
    return [a for a in case.arms if chosen is None or a.name in chosen]


def _groups(cases: Sequence[ValidationCase], spec: CalibrationSpec) -> list[_Group]:
    out = []
    sbml_names = {p.name for p in spec.free if not p.name.startswith(_GENE_PARAM)}
    sbml_names |= {t.name for t in spec.tied}
    for i, case in enumerate(cases):
        model = load_model(case.model_path or "")
        require_simulatable(model)
        constants = {
            e.sid
            for e in model.elements
            if e.kind == "parameter" and e.detail == "constant" and not e.computed_by
        }
        unknown = sorted(sbml_names - constants)
        if unknown:
            raise CalibrationError(
                f"{', '.join(unknown)} not a constant parameter of {case.model_path}",
                where=str(spec.path),
                hint="name SBML parameter ids (sbmltwin info MODEL --kind parameter)",
            )
        bindings = load_bindings(case.bindings_path or "")
        for p in spec.free:
            if p.name.startswith(_GENE_PARAM):
                _gene_binding(bindings, p.name, spec)
        observed = observed_frame(case)
        tunit = model.time_unit
        for arm in _case_arms(case, spec.case_arms(i)):
            end, points = case_grid(case, model, arm)
            where = f"{case.path} [arms.{arm.name}]" if arm else f"{case.path} [regimen]"
            setup = prepare_setup(model, case_regimen(case, arm), bindings=bindings, where=where)
            first_dose = min((e.time for e in setup.events), default=0.0)
            for gname in case.groups:
                rname = f"{gname}@{arm.name}" if arm else gname  # its name in the observations
                members = [
                    (
                        parse_profile(
                            {"id": f"{case.id}:{rname}", **profile},
                            source=f"{case.path} [groups.{gname}]",
                        ),
                        weight,
                    )
                    for profile, weight, _label in case.group_profiles(gname)
                ]
                series = []
                for oname, ref in case.outputs.items():
                    obs = observed[
                        (observed["group"].astype(str) == rname) & (observed["output"] == oname)
                    ]
                    obs = obs[obs["value"] > 0]
                    if obs.empty:
                        continue
                    sid = ref.id.strip("[]")
                    target = ModelUnit(
                        "model",
                        model.concentration_units[sid].expr
                        if ref.id.startswith("[")
                        else model.units[ref.id].expr,
                    )
                    owhere = f"{case.observed} ({rname}, {oname})"
                    t = np.array(
                        [
                            v * unit_factor(u, tunit, None, owhere)
                            for v, u in zip(obs["time"], obs["time_unit"], strict=True)
                        ]
                    )
                    c = np.array(
                        [
                            v * unit_factor(u, target, ref.molecular_weight, owhere)
                            for v, u in zip(obs["value"], obs["value_unit"], strict=True)
                        ]
                    )
                    keep = t > first_dose  # a level at the dose time cannot be fitted (see above)
                    if keep.any():
                        series.append(_Series(case.id, rname, oname, ref.id, t[keep], c[keep]))
                if series:
                    base = [dict(setup.run(profile).params) for profile, _ in members]
                    out.append(_Group(setup, members, base, end, points, series))
    return out


def _gene_binding(bindings: Bindings, name: str, spec: CalibrationSpec) -> int:
    parts = name.split(".")
    if len(parts) != 3 or parts[2] != "exponent":
        raise CalibrationError(
            f"'{name}': a bindings parameter is written genes.<GENE>.exponent",
            where=str(spec.path),
        )
    for i, b in enumerate(bindings.bindings):
        if b.section == "genes" and b.name.upper() == parts[1].upper() and b.exponent is not None:
            return i
    raise CalibrationError(
        f"'{name}': the bindings {bindings.source} have no [genes.{parts[1]}] law with an exponent",
        where=str(spec.path),
        hint='use law = "activity_score_power" with an exponent',
    )


def _predict(group: _Group, values: Mapping[str, float]) -> list[np.ndarray]:
    """The group's (mixture-weighted) prediction of each series at its observed times."""
    sbml = {k: v for k, v in values.items() if not k.startswith(_GENE_PARAM)}
    genes = {k: v for k, v in values.items() if k.startswith(_GENE_PARAM)}
    setup = group.setup
    if genes:
        assert setup.bindings is not None
        new = list(setup.bindings.bindings)
        for name, value in genes.items():
            i = _gene_binding(setup.bindings, name, _NO_SPEC)
            new[i] = dataclasses.replace(new[i], exponent=value)
        setup = dataclasses.replace(
            setup, bindings=dataclasses.replace(setup.bindings, bindings=tuple(new))
        )
    ids = sorted({s.sid for s in group.series})
    totals = [np.zeros_like(s.t) for s in group.series]
    for (profile, weight), base in zip(group.members, group.base, strict=True):
        run = setup.run(profile)
        params = {**(run.params if genes else base), **sbml}
        res = run.simulate(
            end=group.end, points=group.points, outputs=ids, integrator=INTEGRATOR, params=params
        )
        grid = res.frame["time"].to_numpy()
        for total, s in zip(totals, group.series, strict=True):
            total += weight * np.interp(s.t, grid, res.frame[s.sid].to_numpy())
    return totals


_NO_SPEC = CalibrationSpec(Path("<spec>"), (), (), (), Path("-"))


def _residuals(groups: Sequence[_Group], values: Mapping[str, float]) -> list[float]:
    """Mean squared log residual per series (in group order)."""
    out = []
    for g in groups:
        for pred, s in zip(_predict(g, values), g.series, strict=True):
            floor = 1e-9 * float(s.c.max())
            out.append(float(np.mean((np.log(np.maximum(pred, floor)) - np.log(s.c)) ** 2)))
    return out


class _Stop(Exception):
    pass


def calibrate(
    spec: CalibrationSpec, *, progress: Callable[[int, float], None] | None = None
) -> CalibrationResult:
    """Fit ``spec``'s free parameters on its training cases (see the module docstring)."""
    from scipy.optimize import minimize

    cases = _training_cases(spec)
    groups = _groups(cases, spec)
    if not groups:
        raise CalibrationError(
            "the training cases have no positive observations", where=str(spec.path)
        )
    names = [p.name for p in spec.free]

    def values(x: np.ndarray) -> dict[str, float]:
        v = dict(zip(names, (float(e) for e in np.exp(x)), strict=True))
        v.update({t.name: t.factor * v[t.parameter] for t in spec.tied})
        return v

    t0 = time.monotonic()
    best: dict[str, Any] = {"f": math.inf, "x": None, "n": 0}

    def objective(x: np.ndarray) -> float:
        if time.monotonic() - t0 > spec.max_seconds:
            raise _Stop
        try:
            f = float(sum(_residuals(groups, values(x))))
        except SimulationError:  # an extreme trial point; the simplex moves away
            f = 1e6
        best["n"] += 1
        if f < best["f"]:
            best.update(f=f, x=np.array(x))
        if progress is not None:
            progress(best["n"], best["f"])
        return f

    x0 = np.log([p.start for p in spec.free])
    start_series = _residuals(groups, values(x0))
    bounds = [(math.log(p.lower), math.log(p.upper)) for p in spec.free]
    try:
        res = minimize(
            objective,
            x0,
            method="Nelder-Mead",
            bounds=bounds,
            options={
                "maxfev": spec.max_evaluations,
                "xatol": 1e-4,
                "fatol": 1e-7,
                "adaptive": len(names) > 2,
            },
        )
        message = str(res.message)
    except _Stop:
        message = f"stopped at the time limit ({spec.max_seconds:g} s); the best point is kept"
    x_end = best["x"] if best["x"] is not None else x0
    end_series = _residuals(groups, values(x_end))
    fits = []
    i = 0
    for g in groups:
        for s in g.series:
            fits.append(
                SeriesFit(
                    s.case,
                    s.group,
                    s.output,
                    len(s.t),
                    math.sqrt(start_series[i]),
                    math.sqrt(end_series[i]),
                )
            )
            i += 1
    start_values = {p.name: p.start for p in spec.free}
    end_values = {k: v for k, v in values(x_end).items() if k in start_values}
    return CalibrationResult(
        spec=spec,
        cases=tuple(cases),
        objective_start=float(sum(start_series)),
        objective_end=float(sum(end_series)),
        start=start_values,
        end=end_values,
        evaluations=int(best["n"]),
        message=message,
        seconds=time.monotonic() - t0,
        series=tuple(fits),
        notes=trial_notes(cases),
    )


def trial_notes(cases: Sequence[ValidationCase]) -> tuple[str, ...]:
    """One line per training group that ``validate`` runs as a virtual trial: the fit predicts it
    by its typical twin (the group's profile; a mixture's weighted classes), not by the trial's
    twins, so the trial's IIV and covariate draws do not enter the objective."""
    return tuple(
        f"{case.id} group {name}: a virtual trial in validate (n = {trial.n}); calibration fits "
        "its typical twin (the group's profile, or a mixture's weighted classes), not the trial"
        for case in cases
        for name, trial in case.trials.items()
    )


def write_calibration(result: CalibrationResult, path: str | Path | None = None) -> Path:
    """Write the result as JSON (floats round-trip exactly) to ``path`` or the spec's output."""
    out = Path(path) if path is not None else result.spec.output
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(result.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    except OSError as err:
        raise CalibrationError(f"cannot write the result: {err}", where=str(out)) from err
    return out
