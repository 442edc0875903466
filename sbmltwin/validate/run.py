"""Running a validation case, step by step: prepare, simulate each group, compare each output,
form the ratios, and compute the reference group's local sensitivities.

Each step is a function of its own so that other commands reuse it (the OMEX export uses
:func:`case_grid`, :func:`case_regimen` and :func:`reference_group`), and the only place that
personalizes and simulates one twin is :func:`simulate_twin`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sbmltwin.engine import Regimen, RunSetup, parse_regimen, prepare_setup
from sbmltwin.engine.boundary import load_untrusted
from sbmltwin.engine.dosing import Dose, Route
from sbmltwin.engine.effects import check_binding_effects
from sbmltwin.engine.outputs import output_factor
from sbmltwin.engine.simulate import output_unit
from sbmltwin.engine.solver_log import collect_solver_messages
from sbmltwin.errors import UnitError, ValidationDataError
from sbmltwin.model import Model, load_model, require_simulatable
from sbmltwin.personalize import ParameterSet, load_bindings, parse_profile
from sbmltwin.pk import auc_trapezoid, clip_curve, nca
from sbmltwin.units import ModelUnit, clearance, parse_quantity, to_model_units, ureg
from sbmltwin.validate.cases import (
    GRID_STEP_H,
    INTEGRATOR,
    Arm,
    RatioCheck,
    ValidationCase,
    library_dir,
    read_observed,
)
from sbmltwin.validate.metrics import fold_error, guest_limits
from sbmltwin.validate.results import (
    ArmInfo,
    CaseMetrics,
    FoldSummary,
    GroupResult,
    Member,
    MixtureInfo,
    OutputComparison,
    OverallMetrics,
    RatioResult,
    Sensitivity,
    SensitivityTable,
    Series,
    SummaryComparison,
    TrialBand,
    TrialInfo,
    ValidationCaseResult,
)
from sbmltwin.validate.summary import COMPARED_METRICS, SummaryRow, read_summary
from sbmltwin.validate.trial import PERCENTILES, geometric_mean_curve, run_trial, spread

#: a published AUC or Cmax that differs from the same group's observed time course by more than
#: this factor is taken for a unit or curation error: shown, but out of the metrics and verdicts
PLAUSIBLE_FOLD = 100.0
#: a stated steady state is checked: the predicted AUC over the counted dosing interval may
#: differ from the interval before it by at most this fraction
STEADY_STATE_TOLERANCE = 0.05

__all__ = [
    "PLAUSIBLE_FOLD",
    "SENSITIVITY_STEP",
    "STEADY_STATE_TOLERANCE",
    "CaseSetup",
    "GroupSimulation",
    "auc_start",
    "case_grid",
    "case_regimen",
    "case_sensitivity",
    "case_summary",
    "case_warnings",
    "compare_output",
    "compare_summary",
    "dose_times",
    "implausible",
    "overall",
    "prepare_arms",
    "prepare_case",
    "ratio_results",
    "ratio_window",
    "reference_group",
    "run_case",
    "run_cases",
    "simulate_group",
    "simulate_twin",
    "summary_warnings",
]

#: relative step of the local sensitivities (+1 % per parameter)
SENSITIVITY_STEP = 0.01


def case_grid(case: ValidationCase, model: Model, arm: Arm | None = None) -> tuple[float, int]:
    """(end time in the model's time unit, number of output points): a 0.05 h grid from 0 to the
    case's (or the arm's) end, at least 481 and at most 20,001 points."""
    tunit = model.time_unit
    end = to_model_units(
        parse_quantity(arm.end if arm else case.end),
        tunit,
        where=f"{_regimen_where(case, arm)} end",
    )
    hours = to_model_units(parse_quantity("1 h"), tunit)
    points = int(min(20001, max(481, round(end / (GRID_STEP_H * hours)) + 1)))
    return end, points


def _regimen_where(case: ValidationCase, arm: Arm | None) -> str:
    return f"{case.path} [arms.{arm.name}]" if arm else f"{case.path} [regimen]"


def case_regimen(case: ValidationCase, arm: Arm | None = None) -> Regimen:
    """The case's regimen, or one arm's."""
    return parse_regimen(arm.doses if arm else case.doses, where=_regimen_where(case, arm))


def reference_group(case: ValidationCase) -> str:
    """The group the sensitivities are computed for (its result name, ``GROUP@ARM`` in a case
    with arms): the denominator of the case's first ratio (the reference genotype, e.g. AS 2),
    else its first group (in its first arm)."""
    if case.ratios:
        return case.ratios[0].denominator
    return case.result_names()[0]


@dataclass(frozen=True)
class CaseSetup:
    """What every group of a case shares: the model, the engine's run setup (dose targets,
    infusion inputs, the regimen resolved to model units), the observations and the grid."""

    case: ValidationCase
    model: Model
    run: RunSetup
    observed: pd.DataFrame
    end: float
    points: int
    selections: tuple[str, ...]
    summary: tuple[SummaryRow, ...] = ()  # this case's rows of its summary file
    summary_notes: tuple[str, ...] = ()  # rows not compared, and why
    arm: Arm | None = None  # the arm this setup simulates (None: the case's one regimen)
    dose_times: tuple[float, ...] = ()  # the regimen's dose times (model time unit)

    def result_name(self, group: str) -> str:
        """``group``'s name in the results: ``GROUP@ARM`` in an arm, else ``group``."""
        return f"{group}@{self.arm.name}" if self.arm else group


def prepare_case(case: ValidationCase, arm: Arm | None = None) -> CaseSetup:
    """The setup of the case's regimen, or of one of its arms (see :func:`prepare_arms`)."""
    if case.arms and arm is None:
        raise ValidationDataError(
            "a case with arms is prepared arm by arm (prepare_arms)", where=str(case.path)
        )
    return prepare_arms(case, [arm] if arm else None)[0]


def prepare_arms(case: ValidationCase, arms: Sequence[Arm] | None = None) -> list[CaseSetup]:
    """One setup per arm of the case (``arms``: default all), or the one of its regimen. The
    model, bindings and observations are read once; arms whose doses need the same infusion
    inputs share one compiled model (the compile cache is keyed by the SBML)."""
    path = Path(case.model_path or "")
    # a model of the library is trusted; any other crosses the native boundary
    trusted = path.resolve().is_relative_to(library_dir().resolve())
    model = load_model(path) if trusted else load_untrusted(path)
    require_simulatable(model)
    bindings = load_bindings(case.bindings_path or "")
    observed = read_observed(case)
    selections = tuple(sorted({o.id for o in case.outputs.values()}))
    out = []
    chosen: Sequence[Arm | None] = (arms if arms is not None else case.arms) or [None]
    for arm in chosen:
        end, points = case_grid(case, model, arm)
        run = prepare_setup(
            model,
            case_regimen(case, arm),
            bindings=bindings,
            outputs=selections,
            where=_regimen_where(case, arm),
        )
        rows, notes = case_summary(case, run, arm=arm)
        out.append(
            CaseSetup(
                case=case,
                model=model,
                run=run,
                observed=observed,
                end=end,
                points=points,
                selections=selections,
                summary=rows,
                summary_notes=notes,
                arm=arm,
                dose_times=dose_times(run),
            )
        )
    return out


def _other_arm_notes(case: ValidationCase) -> tuple[str, ...]:
    """In a case with arms, a note for the summary rows of no arm of the case (said, not
    dropped)."""
    if not case.arms or case.summary is None:
        return ()
    names = {a.name for a in case.arms}
    other: dict[str, int] = {}
    for r in read_summary(case.summary):
        if r.arm not in names:
            other[r.arm] = other.get(r.arm, 0) + 1
    return tuple(
        f"summary {case.summary.name}: {n} row(s) not compared: "
        + (f"arm '{arm}' is not an arm of the case" if arm else "no arm (write GROUP@ARM)")
        for arm, n in other.items()
    )


def dose_times(run: RunSetup) -> tuple[float, ...]:
    """The distinct times (model time unit) at which a dose starts: dose N of a summary row is
    the N-th of these."""
    starts = {round(e.time, 9) for e in run.events if not (e.kind == "rate" and e.amount < 0)}
    return tuple(sorted(starts))


def _dose_index(ref: int | str | None, n: int) -> int | None:
    """0-based index of dose ``ref`` ("last" or 1-based) among ``n``; None when not stated."""
    if ref is None:
        return None
    return n - 1 if ref == "last" else int(ref) - 1


def _is_kg(unit: str) -> bool:
    return bool(parse_quantity(f"1 {unit}").check("[length] ** 3 / [time] / [mass]"))


def _output_doses(case: ValidationCase, run: RunSetup, output: str) -> list[Dose]:
    """The dose lines of ``output``'s compound: a dose into the output's own species, or a dose
    without ``into`` (the model's dosing target) when the output carries the molecular weight
    the bindings give doses (the parent drug)."""
    ref = case.outputs[output]
    sid = ref.id.strip("[]")
    out = []
    for d in run.regimen.doses:
        default = run.default_target
        target = d.target or (
            default.get(d.route.value) if isinstance(default, Mapping) else default
        )
        if target == sid:
            out.append(d)
        elif d.target is None and ref.molecular_weight and run.molecular_weight:
            a = parse_quantity(ref.molecular_weight)
            b = parse_quantity(run.molecular_weight)
            if a.dimensionality == b.dimensionality and math.isclose(
                float(a.to_base_units().magnitude), float(b.to_base_units().magnitude), rel_tol=1e-9
            ):
                out.append(d)
    return out


def case_summary(
    case: ValidationCase, run: RunSetup | None = None, *, arm: Arm | None = None
) -> tuple[tuple[SummaryRow, ...], tuple[str, ...]]:
    """The rows of the case's summary file that it compares (its arm's — ``arm``'s in a case
    with arms —, of its groups and outputs, of metrics sbmltwin predicts, of a dose it can
    tell), and a note for each kind of row it does not."""
    if case.summary is None:
        return (), ()
    arm_name = arm.name if arm else (case.arm or "")
    rows = [r for r in read_summary(case.summary) if r.arm == arm_name]
    name = case.summary.name
    notes: list[str] = []
    if not rows:
        notes.append(f"summary {name}: no rows of arm '{arm_name}'")
    n_doses = len(dose_times(run)) if run is not None else 1
    keep = []
    skipped: dict[str, int] = {}
    oral_cl = 0
    for r in rows:
        ref = r.dose if r.dose is not None else case.after_dose
        index = _dose_index(ref, n_doses)
        cl = r.metric in ("CL", "CL_F")
        if r.group not in case.groups:
            key = f"group {r.group} is not a group of the case"
        elif r.output not in case.outputs:
            key = f"output {r.output} is not an output of the case"
        elif r.metric not in COMPARED_METRICS:
            key = f"{r.metric} is not predicted (compared: {', '.join(COMPARED_METRICS)})"
        elif n_doses > 1 and index is None:
            key = (
                "the case has several doses and neither the row's 'dose' column nor the "
                "case's [observed] after_dose says which dose a window, Cmax or tmax counts from"
            )
        elif index is not None and index >= max(n_doses, 1):
            key = f"dose {ref} but the regimen has {n_doses} dose(s)"
        elif r.metric in ("AUC_inf", "t_half") and index is not None and index < n_doses - 1:
            key = f"{r.metric} after dose {ref} of {n_doses}: only after the last dose"
        elif cl and run is not None and not _output_doses(case, run, r.output):
            key = (
                f"{r.metric} of {r.output}: no dose of {r.output}'s compound in the case "
                "(a metabolite's clearance is not dose/AUC)"
            )
        elif cl and _is_kg(r.unit) and "weight" not in case.groups[r.group]:
            key = f"{r.metric} per kg: group {r.group}'s profile gives no weight"
        else:
            keep.append(r)
            if (
                r.metric == "CL"
                and run is not None
                and any(d.route is Route.ORAL for d in _output_doses(case, run, r.output))
            ):
                oral_cl += 1
            continue
        skipped[key] = skipped.get(key, 0) + 1
    notes += [f"summary {name}: {n} row(s) not compared: {why}" for why, n in skipped.items()]
    if oral_cl:
        notes.append(
            f"summary {name}: {oral_cl} CL row(s) after an oral dose compared as dose/AUC, "
            "i.e. as CL/F (F is not known from a curve)"
        )
    return tuple(keep), tuple(notes)


def simulate_twin(
    setup: CaseSetup,
    profile: Mapping[str, Any],
    *,
    twin_id: str,
    source: str,
    outputs: Sequence[str] | None = None,
    scale: Mapping[str, float] | None = None,
) -> tuple[ParameterSet, pd.DataFrame, Mapping[str, str]]:
    """Personalize one twin of ``profile`` and simulate the case's regimen: (its parameter set,
    the time course of ``outputs`` (default: the case's), their units). ``scale`` multiplies
    values after personalization (local sensitivities)."""
    twin = parse_profile({"id": twin_id, **profile}, source=source)
    run = setup.run.run(twin)  # the engine's one run path (personalize, compile, doses)
    assert run.pset is not None
    values = dict(run.params)
    for sid, factor in (scale or {}).items():
        values[sid] = values.get(sid, run.compiled.initial_values[sid]) * factor
    result = run.simulate(
        end=setup.end,
        points=setup.points,
        outputs=list(outputs or setup.selections),
        integrator=INTEGRATOR,
        params=values,
    )
    return run.pset, result.frame, result.units


@dataclass(frozen=True)
class GroupSimulation:
    """A group's predicted time courses (the weighted mean over its twins; a virtual trial's
    pointwise geometric mean) and its twins. A trial keeps every twin's curves in ``twins``
    (twins × points × the case's selections, model units)."""

    name: str  # the result name (GROUP@ARM in an arm)
    frame: pd.DataFrame
    units: Mapping[str, str]
    members: tuple[Member, ...]
    explain: str
    twins: np.ndarray | None = None
    trial: TrialInfo | None = None
    group: str = ""  # the case's group (``name`` without the arm)


def _range_text(value: tuple[float, float] | None, unit: str, spec: str) -> str:
    return f"{value[0]:g}–{value[1]:g} {unit}" if value else spec


def simulate_trial(setup: CaseSetup, name: str) -> GroupSimulation:
    """Group ``name`` as a virtual trial (:mod:`sbmltwin.validate.trial`): its twins' curves
    and their pointwise geometric mean."""
    case = setup.case
    rname = setup.result_name(name)
    trial = case.trials[name]
    where = f"{case.path} [groups.{name}] trial"
    mix = case.mixtures.get(name)
    base = parse_profile({"id": f"{case.id}:{rname}", **case.groups[name]}, source=where)
    got = run_trial(
        trial,
        setup.run,
        base,
        spec_path=case.population_spec,
        mixture=mix,
        end=setup.end,
        points=setup.points,
        selections=setup.selections,
        integrator=INTEGRATOR,
        where=where,
    )
    cols = list(setup.selections)
    frame = pd.DataFrame(geometric_mean_curve(got.curves), columns=cols)
    frame.insert(0, "time", got.grid)
    units = {sid: output_unit(setup.run.model, sid, setup.run.time_unit) for sid in cols}
    spec = got.spec
    dist = spec.distributions
    info = TrialInfo(
        n=trial.n,
        simulated=len(got.labels),
        seed=trial.seed,
        population=spec.population,
        female_fraction=spec.female_fraction,
        age=_range_text(trial.age, "years", f"spec ({dist['age'].kind})"),
        weight=_range_text(trial.weight, "kg", "spec (by sex)"),
        iiv=dict(spec.iiv),
        spec=case.population_spec.name,
        kind="mixture" if mix is not None else "genotype-defined",
        rejected=got.rejected,
        failed=got.failed,
    )
    members = tuple(
        Member(label, 1.0 / len(got.labels), dict(values))
        for label, values in zip(got.labels, got.parameters, strict=True)
    )
    explain = (
        f"{info.describe()}; predicted = geometric mean over the twins (AUC, Cmax and the "
        f"curve), band = {PERCENTILES[0]:g}th–{PERCENTILES[1]:g}th percentiles\n\n"
        f"First twin ({got.labels[0]}):\n{got.first.explain()}"
    )
    return GroupSimulation(rname, frame, units, members, explain, got.curves, info, name)


def simulate_group(setup: CaseSetup, name: str) -> GroupSimulation:
    """Simulate every twin of group ``name`` (a group of the case) in the setup's regimen and
    average their curves with their weights (a group with a ``trial``:
    :func:`simulate_trial`)."""
    case = setup.case
    if name in case.trials:
        return simulate_trial(setup, name)
    rname = setup.result_name(name)
    frame: pd.DataFrame | None = None
    units: Mapping[str, str] = {}
    members: list[Member] = []
    explains: list[str] = []
    cols = list(setup.selections)
    for profile, weight, label in case.group_profiles(name):
        pset, part, units = simulate_twin(
            setup, profile, twin_id=f"{case.id}:{rname}", source=f"{case.path} [groups.{name}]"
        )
        if frame is None:
            frame = part[["time", *cols]].copy()
            frame[cols] = part[cols] * weight
        else:
            frame[cols] += part[cols].to_numpy() * weight
        members.append(Member(label, float(weight), dict(pset.as_dict())))
        explains.append(pset.explain())
    assert frame is not None
    mix = case.mixtures.get(name)
    if mix is None:
        explain = explains[0]
    else:
        classes = ", ".join(f"{m.label} {100 * m.weight:.3g}%" for m in members)
        explain = (
            f"{mix.describe()}; predicted = weighted mean of {len(members)} twins: "
            f"{classes}\n\nMost frequent class ({members[0].label}):\n{explains[0]}"
        )
    return GroupSimulation(rname, frame, units, tuple(members), explain, group=name)


def _factor(unit_text: str, target: ModelUnit, mw: str | None, where: str) -> float:
    try:
        return to_model_units(
            parse_quantity(f"1 {unit_text}", where=where), target, molecular_weight=mw, where=where
        )
    except UnitError as err:
        raise ValidationDataError(err.what, where=where, hint=err.hint) from None


def compare_output(setup: CaseSetup, sim: GroupSimulation, name: str) -> OutputComparison | None:
    """Predicted vs observed for output ``name`` of one group (None without observations)."""
    case, model = setup.case, setup.model
    out = case.outputs[name]
    target = ModelUnit(
        sim.units[out.id],
        model.concentration_units[out.id.strip("[]")].expr
        if out.id.startswith("[")
        else model.units[out.id].expr,
    )
    obs = setup.observed
    obs = obs[(obs["group"].astype(str) == sim.name) & (obs["output"] == name)]
    if obs.empty:
        return None
    where = f"{case.observed} ({sim.name}, {name})"
    tunit = model.time_unit
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
    sd_obs = np.array(
        [
            s * _factor(u, target, out.molecular_weight, where)
            for s, u in zip(
                obs["sd"] if "sd" in obs.columns else [math.nan] * len(obs),
                obs["value_unit"],
                strict=True,
            )
        ],
        dtype=float,
    )
    order = np.argsort(t_obs, kind="stable")
    t_obs, c_obs, sd_obs = t_obs[order], c_obs[order], sd_obs[order]
    t = sim.frame["time"].to_numpy()
    pred = sim.frame[out.id].to_numpy()
    c_at_obs = np.interp(t_obs, t, pred)
    window = t <= float(t_obs[-1]) + 1e-12
    start = auc_start(setup, t_obs, pred)
    auc_obs = auc_trapezoid(*_observed_curve(t_obs, c_obs, start))
    auc_pred = auc_trapezoid(*clip_curve(t, pred, start, float(t_obs[-1])))
    sampled = window & (t >= start - 1e-12)  # Cmax over the same interval as the AUC
    cmax_obs, cmax_pred = float(c_obs.max()), float(pred[sampled].max())
    twins = None
    if sim.twins is not None:  # a virtual trial: each twin over the same interval, then the GM
        twins = sim.twins[:, :, setup.selections.index(out.id)]
        aucs = [auc_trapezoid(*clip_curve(t, c, start, float(t_obs[-1]))) for c in twins]
        auc_pred, auc_p5, auc_p95 = spread(aucs)
        cmax_pred, cmax_p5, cmax_p95 = spread(twins[:, sampled].max(axis=1))
    fe_auc, fe_cmax = fold_error(auc_pred, auc_obs), fold_error(cmax_pred, cmax_obs)
    # the case's unit for this output (fold errors and ratios do not depend on it)
    k = 1.0
    if out.unit is not None:
        try:
            k = output_factor(target, out.unit, molecular_weight=out.molecular_weight, where=where)
        except UnitError as err:
            raise ValidationDataError(err.what, where=where, hint=err.hint) from None
    return OutputComparison(
        output=name,
        sid=out.id,
        unit=out.unit or target.text,
        time_unit=tunit.text,
        observed=Series(tuple(t_obs.tolist()), tuple((c_obs * k).tolist())),
        predicted=Series(tuple(t.tolist()), tuple((pred * k).tolist())),
        predicted_at_observed=tuple((c_at_obs * k).tolist()),
        point_fold_errors=tuple(
            float(fold_error(p, o)) for p, o in zip(c_at_obs, c_obs, strict=True)
        ),
        auc_observed=float(auc_obs * k),
        auc_predicted=float(auc_pred * k),
        auc_fold=float(fe_auc),
        cmax_observed=float(cmax_obs * k),
        cmax_predicted=float(cmax_pred * k),
        cmax_fold=float(fe_cmax),
        within_fold=bool(
            1 / case.fold <= fe_auc <= case.fold and 1 / case.fold <= fe_cmax <= case.fold
        ),
        unit_factor=float(k),
        auc_start=float(start),
        observed_sd=tuple((sd_obs * k).tolist()),
        trial=None
        if twins is None
        else TrialBand(
            n=int(twins.shape[0]),
            auc_p5=float(auc_p5 * k),
            auc_p95=float(auc_p95 * k),
            cmax_p5=float(cmax_p5 * k),
            cmax_p95=float(cmax_p95 * k),
            low=tuple((np.percentile(twins, PERCENTILES[0], axis=0) * k).tolist()),
            high=tuple((np.percentile(twins, PERCENTILES[1], axis=0) * k).tolist()),
        ),
    )


def auc_start(setup: CaseSetup, t_obs: np.ndarray, predicted: np.ndarray) -> float:
    """Where a group's AUC starts: 0 when the concentration is known to be 0 there (the
    prediction is 0 at time 0 — no bolus into the output — and no dose falls between time 0
    and the first sample: single oral doses, infusions), else the first sample (an IV bolus,
    or sampling after repeated doses: C(0) = 0 would invent exposure)."""
    first = float(t_obs[0])
    if first <= 0:
        return 0.0
    scale = float(np.max(np.abs(predicted))) if predicted.size else 0.0
    zero_at_0 = abs(float(predicted[0])) <= 1e-12 * scale
    later = [
        e
        for e in setup.run.events
        if 0 < e.time < first and not (e.kind == "rate" and e.amount < 0)
    ]
    return 0.0 if zero_at_0 and not later else first


def _observed_curve(
    t: np.ndarray, c: np.ndarray, start: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """The observed points (sorted by time) with a (0, 0) point added when the AUC starts at 0
    and sampling after it (:func:`auc_start`): the curve the observed AUC integrates."""
    if t.size and t[0] > 0 and start == 0:
        t, c = np.r_[0.0, t], np.r_[0.0, c]
    return t, c


def _exposure(t: np.ndarray, c: np.ndarray, metric: str, start: float, end: float) -> float:
    tt, cc = clip_curve(t, c, start, end)
    return auc_trapezoid(tt, cc) if metric == "AUC" else float(cc.max())


def ratio_window(
    case: ValidationCase,
    check: RatioCheck,
    num: OutputComparison,
    den: OutputComparison,
    time_unit: ModelUnit,
) -> tuple[float, float, str]:
    """(start, end, "common" | "case") of a ratio in the model's time unit: the case's window,
    else 0 to the earlier of the two groups' last observations (as DGI studies report a ratio
    over one window for both groups). A case window must lie within both groups' sampling."""
    where = f"{case.path} [acceptance] ratio {check.numerator}/{check.denominator}"
    pairs = ((check.numerator, num), (check.denominator, den))
    last = {g: o.observed.time[-1] for g, o in pairs}
    first = max(o.auc_start for _, o in pairs)
    if check.window is None:
        return first, min(last.values()), "common"
    a, b, unit = check.window
    start = a * _factor(unit, time_unit, None, where)
    end = b * _factor(unit, time_unit, None, where)
    for g, o in pairs:
        if start < o.auc_start * (1 - 1e-9):
            raise ValidationDataError(
                f"window {a:g}-{b:g} {unit} starts before group {g}'s AUC can "
                f"({o.auc_start:.4g} {time_unit.text}: its first sample, the concentration "
                "before it is unknown)",
                where=where,
                hint="start the window at or after both groups' first samples",
            )
    for g, t_last in last.items():
        if end > t_last * (1 + 1e-9):
            raise ValidationDataError(
                f"window {a:g}-{b:g} {unit} goes beyond group {g}'s last observation "
                f"({t_last:.4g} {time_unit.text})",
                where=where,
                hint="state a window within both groups' sampling, or none (the common window)",
            )
    return start, end, "case"


def _summary_factor(row: SummaryRow, setup: CaseSetup, target: ModelUnit, mw: str | None) -> float:
    """The model-unit value of 1 ``row.unit`` (AUC: concentration × the model's time unit)."""
    where = row.where
    tunit = setup.model.time_unit
    if row.metric in ("CL", "CL_F"):
        return 1.0  # predicted in the published unit (:func:`_predicted_clearance`)
    if row.metric in ("tmax", "t_half"):
        return _factor(row.unit, tunit, None, where)
    if row.metric == "Cmax":
        return _factor(row.unit, target, mw, where)
    # AUC: divide by one model time unit to get a concentration, convert that
    try:
        conc = parse_quantity(f"1 {row.unit}", where=where) / tunit.quantity()
        return to_model_units(conc, target, molecular_weight=mw, where=where)
    except UnitError as err:
        raise ValidationDataError(err.what, where=where, hint=err.hint) from None


def _window_text(window: tuple[float, float, str] | None) -> str:
    if window is None:
        return ""
    a, b, unit = window
    return f"{a:g}–{'inf' if math.isinf(b) else f'{b:g}'} {unit}"


def _interval_curve(
    t: np.ndarray, c: np.ndarray, lo: float, hi: float, dose_at_hi: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The predicted curve over one dosing interval [lo, hi]: the grid points from ``lo`` on
    (a dose at ``lo`` shows in its value there) and, when a dose falls at ``hi``, the value just
    before it (extrapolated from the two points before, log-linearly on a decline), so that
    no trapezoid spans a bolus's jump."""
    eps = 1e-9 * max(1.0, abs(hi))
    keep = (t >= lo - eps) & ((t < hi - eps) if dose_at_hi else (t <= hi + eps))
    tt, cc = t[keep], c[keep]
    if dose_at_hi and tt.size >= 2 and tt[-1] < hi:
        (t1, t2), (c1, c2) = tt[-2:], cc[-2:]
        w = (hi - t2) / (t2 - t1)
        left = c2 * (c2 / c1) ** w if 0 < c2 < c1 else c2 + w * (c2 - c1)
        tt, cc = np.r_[tt, hi], np.r_[cc, max(float(left), 0.0)]
    return tt, cc


def _dosed_auc(
    t: np.ndarray, c: np.ndarray, times: Sequence[float], start: float, end: float
) -> float:
    """AUC of the predicted curve over [start, end], integrated dosing interval by dosing
    interval (:func:`_interval_curve`) so that the jump of a bolus at a dose time is not
    smeared over a grid step."""
    cuts = [x for x in times if start < x < end]
    edges = [start, *cuts, end]
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        tt, cc = _interval_curve(t, c, lo, hi, dose_at_hi=hi in cuts or hi in times)
        if tt.size:
            total += auc_trapezoid(*clip_curve(tt, cc, lo, hi))
    return total


def _summary_statistic(
    setup: CaseSetup,
    group: str,
    row: SummaryRow,
    target: ModelUnit,
    t: np.ndarray,
    times: Sequence[float],
    i: int,
    t_next: float,
    c: np.ndarray,
    basis: str,
) -> tuple[float, str]:
    """``row``'s statistic of the predicted curve ``c`` (model units), counted from dose ``i``
    (at ``times[i]``, its interval ending at ``t_next``), and its basis."""
    n = len(times)
    t0 = times[i]
    tunit = setup.model.time_unit
    after = t >= t0 - 1e-9
    ti, ci = _interval_curve(t, c, t0, t_next, dose_at_hi=i + 1 < n)
    predicted = math.nan
    if row.metric == "AUC":
        assert row.window is not None
        a, b, unit = row.window
        k = _factor(unit, tunit, None, row.where)
        if t0 + b * k <= setup.end * (1 + 1e-9):
            predicted = _dosed_auc(t, c, times, t0 + a * k, t0 + b * k)
    elif row.metric == "AUC_inf":
        predicted = nca(t[after] - t0, c[after], adj_r2_factor=1e-9).auc_0_inf
    elif row.metric == "Cmax":
        predicted = float(ci.max())
    elif row.metric == "tmax":
        predicted = float(ti[int(np.argmax(ci))] - t0)
    elif row.metric == "t_half":
        predicted = nca(t[after] - t0, c[after], adj_r2_factor=1e-9).half_life
    elif row.metric in ("CL", "CL_F"):
        predicted, basis = _predicted_clearance(setup, group, row, target, t, c, i, basis)
    return predicted, basis


def compare_summary(
    setup: CaseSetup,
    sim: GroupSimulation,
    timed: Sequence[OutputComparison] = (),
    others: Sequence[OutputComparison] = (),
) -> tuple[SummaryComparison, ...]:
    """The group's published summary statistics vs the same statistics of its predicted curve
    (for a mixture group, the weighted mean curve; for a virtual trial, the geometric mean of
    its twins' statistics), in the published unit. In a multiple-dose
    case a row counts from its dose (the row's ``dose``, else the case's ``after_dose``): AUC
    windows start at that dose, Cmax and tmax are taken over its dosing interval, CL and CL/F
    are the dose over the AUC of that interval (over AUC 0–∞ after a single dose). ``timed``
    and ``others``: the time-course comparisons of this group and of the case's other groups,
    for the plausibility guard (:func:`implausible`)."""
    case, model = setup.case, setup.model
    out: list[SummaryComparison] = []
    t = sim.frame["time"].to_numpy()
    tunit = model.time_unit
    times = setup.dose_times or (0.0,)
    n = len(times)
    group = sim.group or sim.name  # the case's group (its profile)
    for row in (r for r in setup.summary if r.group == group):
        ref = case.outputs[row.output]
        target = ModelUnit(
            sim.units[ref.id],
            model.concentration_units[ref.id.strip("[]")].expr
            if ref.id.startswith("[")
            else model.units[ref.id].expr,
        )
        c = sim.frame[ref.id].to_numpy()
        f = _summary_factor(row, setup, target, ref.molecular_weight)
        index = _dose_index(row.dose if row.dose is not None else case.after_dose, n)
        i = 0 if index is None else index
        t0 = times[i]
        t_next = times[i + 1] if i + 1 < n else setup.end
        basis = f"after dose {i + 1} of {n} at {t0:g} {tunit.text}" if n > 1 else ""
        args = (setup, group, row, target, t, times, i, t_next)
        if sim.twins is None:
            predicted, basis = _summary_statistic(*args, c, basis)
        else:  # a virtual trial: the geometric mean of its twins' statistics
            j = setup.selections.index(ref.id)
            got = [_summary_statistic(*args, curve, basis) for curve in sim.twins[:, :, j]]
            predicted, basis = spread([v for v, _ in got])[0], got[0][1]
        predicted /= f
        if case.steady_state and n > 1 and i > 0:
            basis = _steady_state_note(t, c, times, i, setup.end, basis)
        fe = fold_error(predicted, row.value)
        out.append(
            SummaryComparison(
                output=row.output,
                metric=row.metric,
                statistic=row.statistic,
                window=_window_text(row.window),
                unit=row.unit,
                observed=row.value,
                sd=row.sd,
                cv=row.cv,
                n=row.n,
                predicted=float(predicted),
                fold=float(fe),
                within_fold=bool(1 / case.fold <= fe <= case.fold),
                source=f"{Path(row.where).name} ({row.source_table})"
                if row.source_table
                else Path(row.where).name,
                basis=basis,
                excluded=implausible(
                    row,
                    row.value * f,
                    timed,
                    others,
                    _observed_clearance(setup, group, row, target, timed)
                    if row.metric in ("CL", "CL_F")
                    else None,
                ),
            )
        )
    return tuple(out)


def _dose_at(setup: CaseSetup, row: SummaryRow, t0: float) -> Any:
    """The amount (pint quantity) given into ``row.output``'s compound at time ``t0`` (model
    time unit), or None."""
    tunit = setup.model.time_unit
    amount = None
    for d in _output_doses(setup.case, setup.run, row.output):
        start = to_model_units(parse_quantity(d.time, where=row.where), tunit)
        step = to_model_units(parse_quantity(d.interval), tunit) if d.interval else 0.0
        if any(abs(start + k * step - t0) <= 1e-6 * max(1.0, t0) for k in range(d.count)):
            q = parse_quantity(d.amount, where=row.where)
            amount = q if amount is None else amount + q
    return amount


def _clearance_value(
    setup: CaseSetup, group: str, row: SummaryRow, target: ModelUnit, amount: Any, auc: float
) -> float:
    """``amount`` / ``auc`` (model units of the output × time) in ``row.unit`` (per kg: over
    the group's weight): the one place a clearance is formed."""
    ref = setup.case.outputs[row.output]
    per_kg = _is_kg(row.unit)
    try:
        cl = clearance(
            amount,
            auc * target.quantity() * setup.model.time_unit.quantity(),
            molecular_weight=ref.molecular_weight,
            where=row.where,
        ).to(parse_quantity(f"1 {row.unit}").units * (ureg.kg if per_kg else 1))
    except UnitError as err:
        raise ValidationDataError(err.what, where=row.where, hint=err.hint) from None
    value = float(cl.magnitude)
    if per_kg:
        weight = parse_quantity(str(setup.case.groups[group]["weight"]), where=row.where)
        value /= float(weight.to("kg").magnitude)
    return value


def _predicted_clearance(
    setup: CaseSetup,
    group: str,
    row: SummaryRow,
    target: ModelUnit,
    t: np.ndarray,
    c: np.ndarray,
    i: int,
    basis: str,
) -> tuple[float, str]:
    """(predicted clearance in the published unit, basis text): the dose given at dose ``i``
    into the output's compound over the AUC of its dosing interval (0–∞ after a single
    dose)."""
    times = setup.dose_times or (0.0,)
    n, t0 = len(times), times[i]
    tunit = setup.model.time_unit
    amount = _dose_at(setup, row, t0)
    if amount is None:
        return math.nan, f"{basis}; no dose of {row.output} at this time".lstrip("; ")
    if n == 1:
        auc = nca(t - t0, c, adj_r2_factor=1e-9).auc_0_inf
        span = "AUC 0–∞"
    else:
        tau = times[i + 1] - t0 if i + 1 < n else t0 - times[i - 1]
        if t0 + tau > setup.end * (1 + 1e-9):
            return math.nan, f"{basis}; the run ends before the dosing interval does"
        auc = _dosed_auc(t, c, times, t0, t0 + tau)
        span = f"AUCτ 0–{tau:g} {tunit.text}"
    value = _clearance_value(setup, group, row, target, amount, auc)
    text = f"{amount:~P} / {span}"
    if _is_kg(row.unit):
        text += f" / {setup.case.groups[group]['weight']}"
    return value, (f"{basis}; {text}" if basis else text)


def _observed_clearance(
    setup: CaseSetup,
    group: str,
    row: SummaryRow,
    target: ModelUnit,
    timed: Sequence[OutputComparison],
) -> float | None:
    """dose / observed AUC (from the first sample to the last) of the group's own time course,
    in ``row.unit``, for the plausibility guard of a single-dose clearance (None: no time
    course, several doses, or no dose of the output)."""
    o = next((x for x in timed if x.output == row.output), None)
    if o is None or len(setup.dose_times) > 1 or not o.unit_factor or not o.auc_observed > 0:
        return None
    amount = _dose_at(setup, row, setup.dose_times[0] if setup.dose_times else 0.0)
    if amount is None:
        return None
    return _clearance_value(setup, group, row, target, amount, o.auc_observed / o.unit_factor)


def _steady_state_note(
    t: np.ndarray, c: np.ndarray, times: Sequence[float], i: int, end: float, basis: str
) -> str:
    """``basis`` plus a note when the prediction is not at the steady state the study states:
    the AUC over dose ``i``'s interval differs from the previous interval's by more than
    :data:`STEADY_STATE_TOLERANCE`."""
    tau = times[i] - times[i - 1]
    if times[i] + tau > end * (1 + 1e-9):
        return basis
    before = _dosed_auc(t, c, times, times[i - 1], times[i])
    now = _dosed_auc(t, c, times, times[i], times[i] + tau)
    change = now / before - 1 if before > 0 else math.inf
    if abs(change) <= STEADY_STATE_TOLERANCE:
        return f"{basis}; steady state (interval AUC {100 * change:+.1f} %)"
    return (
        f"{basis}; NOT at the stated steady state in the prediction (interval AUC "
        f"{100 * change:+.0f} % over the previous)"
    )


def implausible(
    row: SummaryRow,
    model_value: float,
    timed: Sequence[OutputComparison],
    others: Sequence[OutputComparison] = (),
    clearance_course: float | None = None,
) -> str:
    """Why a published AUC, AUC_inf or Cmax (``model_value``: in model units) is implausible:
    it differs by more than :data:`PLAUSIBLE_FOLD` from the same statistic of the group's
    observed time course of that output or, for a group without one, from that of every other
    group of the case, in any arm (a unit or curation error in the table); "" when plausible
    or when the case has no time course of the output to check against. A CL or CL/F (``model_value``:
    in its published unit) is checked against ``clearance_course``, the dose over the group's
    observed AUC."""
    if row.metric in ("CL", "CL_F") and clearance_course is not None:
        ratio = model_value / clearance_course if clearance_course > 0 else math.nan
        if not (model_value > 0 and math.isfinite(ratio)):
            return ""
        if 1 / PLAUSIBLE_FOLD <= ratio <= PLAUSIBLE_FOLD:
            return ""
        return (
            f"implausible: {row.value:g} {row.unit} is {ratio:.3g}× the dose over the AUC of "
            f"the group's observed time course of {row.output} ({clearance_course:.4g} "
            f"{row.unit}; > {PLAUSIBLE_FOLD:g}-fold apart: a unit or curation error in the "
            "table?); left out of the metrics and verdicts"
        )
    if row.metric not in ("AUC", "AUC_inf", "Cmax"):
        return ""
    kind = "Cmax" if row.metric == "Cmax" else "AUC"
    own = [x for x in timed if x.output == row.output]
    pool, whose = (
        (own, "the group's")
        if own
        else (
            [x for x in others if x.output == row.output],
            "every other group's",
        )
    )
    courses = [
        (x.cmax_observed if kind == "Cmax" else x.auc_observed) / x.unit_factor
        for x in pool
        if x.unit_factor
    ]
    courses = [v for v in courses if v > 0 and math.isfinite(v)]
    if not courses or not model_value > 0:
        return ""
    ratios = [model_value / v for v in courses]
    if any(1 / PLAUSIBLE_FOLD <= r <= PLAUSIBLE_FOLD for r in ratios):
        return ""
    ratio = min(ratios, key=lambda r: abs(math.log(r)))
    return (
        f"implausible: {row.value:g} {row.unit} is {ratio:.3g}× the {kind} of {whose} observed "
        f"time course of {row.output} (> {PLAUSIBLE_FOLD:g}-fold apart: a unit or curation "
        "error in the table?); left out of the metrics and verdicts"
    )


def _predicted_exposure(
    o: OutputComparison, metric: str, start: float, end: float, twins: np.ndarray | None
) -> float:
    """A group's predicted exposure over [start, end]: of its curve, or for a virtual trial
    (``twins``: each twin's curve, model units) the geometric mean of its twins'."""
    t = np.asarray(o.predicted.time)
    if twins is None:
        return _exposure(t, np.asarray(o.predicted.value), metric, start, end)
    return spread([_exposure(t, c * o.unit_factor, metric, start, end) for c in twins])[0]


def ratio_results(
    case: ValidationCase,
    groups: Sequence[GroupResult],
    time_unit: ModelUnit,
    twins: Mapping[tuple[str, str], np.ndarray] | None = None,
) -> tuple[RatioResult, ...]:
    """Each ``[acceptance] ratios`` entry, observed and predicted over one window
    (:func:`ratio_window`): within the Guest limits? ``twins`` holds the twins' curves of the
    (group, output selection) pairs predicted by a virtual trial: their exposures' geometric
    mean is the group's."""
    trial_curves = twins or {}
    by_name = {g.name: g for g in groups}
    out = []
    for r in case.ratios:
        oname = r.output or next(iter(case.outputs))
        num = by_name[r.numerator].output(oname) if r.numerator in by_name else None
        den = by_name[r.denominator].output(oname) if r.denominator in by_name else None
        if num is None or den is None:
            raise ValidationDataError(
                f"ratio {r.numerator}/{r.denominator} lacks observations", where=str(case.path)
            )
        start, end, source = ratio_window(case, r, num, den, time_unit)
        on, od = (
            _exposure(
                *_observed_curve(
                    np.asarray(o.observed.time), np.asarray(o.observed.value), o.auc_start
                ),
                r.metric,
                start,
                end,
            )
            for o in (num, den)
        )
        pn, pd_ = (
            _predicted_exposure(o, r.metric, start, end, trial_curves.get((g, o.sid)))
            for g, o in ((r.numerator, num), (r.denominator, den))
        )
        for label, value, group_name in (
            ("observed", od, r.denominator),
            ("predicted", pd_, r.denominator),
            ("observed", on, r.numerator),
        ):
            if not (value > 0 and math.isfinite(value)):  # fuzzer: a "000 mg" dose
                raise ValidationDataError(
                    f"the {label} {r.metric} of group '{group_name}' is {value:g}: the ratio "
                    f"{r.numerator}/{r.denominator} is undefined",
                    where=str(case.path),
                    hint="check the doses and the observations of both groups",
                )
        obs_ratio, pred_ratio = float(on / od), float(pn / pd_)
        lo, hi = guest_limits(obs_ratio)
        out.append(
            RatioResult(
                numerator=r.numerator,
                denominator=r.denominator,
                metric=r.metric,
                output=oname,
                observed=obs_ratio,
                predicted=pred_ratio,
                guest_lower=lo,
                guest_upper=hi,
                within=bool(lo <= pred_ratio <= hi),
                window_start=float(start),
                window_end=float(end),
                time_unit=time_unit.text,
                window_source=source,
            )
        )
    return tuple(out)


def case_sensitivity(setup: CaseSetup, group: str | None = None) -> SensitivityTable:
    """Normalized local sensitivities (ΔY/Y)/(Δp/p) of AUC(0–end) and Cmax of the case's first
    output to every non-zero constant parameter, each raised by +1 %, ranked by
    max(|S_AUC|, |S_Cmax|), for the twin of ``group`` (a group of the case, in the setup's
    regimen; default :func:`reference_group`). A mixture group is represented by its most
    frequent class (its full weighted mean would take one run per class and parameter)."""
    case, model = setup.case, setup.model
    name = group or reference_group(case)
    if name not in case.groups:  # a result name GROUP@ARM
        name = next(g for r, g, _ in case.run_groups() if r == name)
    rname = setup.result_name(name)
    out_id = next(iter(case.outputs.values())).id
    profile, _, label = case.group_profiles(name)[0]
    computed = {e.sid for e in model.elements if e.computed_by}

    def exposure(scale: Mapping[str, float]) -> tuple[float, float, dict[str, float]]:
        pset, frame, _ = simulate_twin(
            setup,
            profile,
            twin_id=f"{case.id}:{rname}",
            source=f"{case.path} [groups.{name}]",
            outputs=[out_id],
            scale=scale,
        )
        y = frame[out_id].to_numpy()
        return auc_trapezoid(frame["time"].to_numpy(), y), float(y.max()), dict(pset.as_dict())

    auc0, cmax0, base = exposure({})
    rows = []
    for e in model.elements:
        if e.kind != "parameter" or e.detail != "constant" or e.sid in computed or not e.value:
            continue
        value = base.get(e.sid, e.value)
        if not value or not math.isfinite(value):
            continue
        auc1, cmax1, _ = exposure({e.sid: 1 + SENSITIVITY_STEP})
        rows.append(
            Sensitivity(
                parameter=e.sid,
                value=float(value),
                unit=e.unit,
                s_auc=float((auc1 / auc0 - 1) / SENSITIVITY_STEP) if auc0 else math.nan,
                s_cmax=float((cmax1 / cmax0 - 1) / SENSITIVITY_STEP) if cmax0 else math.nan,
            )
        )
    ranked = sorted(rows, key=lambda s: s.size, reverse=True)
    return SensitivityTable(
        group=rname,
        twin=label,
        output=out_id,
        perturbation=SENSITIVITY_STEP,
        rows=tuple(ranked),
    )


def run_case(case: ValidationCase, *, sensitivity: bool = True) -> ValidationCaseResult:
    """Run every group of ``case`` (in each of its arms) and compare with its observations.

    What libroadrunner's CVODE prints while the case runs is counted into the case's warnings,
    one line per kind (:mod:`sbmltwin.engine.solver_log`), instead of reaching the terminal."""
    with collect_solver_messages() as solver:
        result = _run_case(case, sensitivity=sensitivity)
    if not solver.kinds:
        return result
    return dataclasses.replace(result, warnings=result.warnings + solver.lines())


def _run_case(case: ValidationCase, *, sensitivity: bool) -> ValidationCaseResult:
    setups = prepare_arms(case)
    setup = setups[0]
    groups = []
    twins: dict[tuple[str, str], np.ndarray] = {}
    runs = []
    for arm_setup in setups:
        for name in case.groups:
            sim = simulate_group(arm_setup, name)
            timed = tuple(
                c
                for c in (compare_output(arm_setup, sim, o) for o in case.outputs)
                if c is not None
            )
            runs.append((arm_setup, name, sim, timed))
    for arm_setup, name, sim, timed in runs:
        if sim.twins is not None:
            for j, sid in enumerate(arm_setup.selections):
                twins[sim.name, sid] = sim.twins[:, :, j]
        # the plausibility guard's references: every other group's time courses, in any arm
        others = tuple(c for _, _, other, cs in runs if other.name != sim.name for c in cs)
        mix = case.mixtures.get(name)
        groups.append(
            GroupResult(
                name=sim.name,
                description=case.descriptions.get(name, name),
                explain=sim.explain,
                members=sim.members,
                outputs=timed,
                mixture=MixtureInfo(mix.gene, mix.population, tuple(mix.exclude_phenotypes))
                if mix is not None
                else None,
                summary=compare_summary(arm_setup, sim, timed, others),
                trial=sim.trial,
                arm=arm_setup.arm.name if arm_setup.arm else None,
            )
        )
    ratios = ratio_results(case, groups, setup.model.time_unit, twins)
    if case.groups:  # the reference group's arm
        ref_arm = next(a for r, _, a in case.run_groups() if r == reference_group(case))
        setup = next(s for s in setups if s.arm == ref_arm)
    comps = [o for g in groups for o in g.outputs]
    tables = [j for g in groups for j in g.summary_judged()]
    passed = (
        all(o.within_fold for o in comps)
        and all(j[3] for j in tables)
        and all(r.within for r in ratios)
    )
    return ValidationCaseResult(
        id=case.id,
        source=case.source,
        citation=case.citation,
        model=case.model,
        role=case.role,
        doses=tuple(case.doses),
        fold=case.fold,
        groups=tuple(groups),
        ratios=ratios,
        metrics=CaseMetrics(
            auc=FoldSummary.of([o.auc_fold for o in comps] + [f for j in tables for f in j[1]]),
            cmax=FoldSummary.of([o.cmax_fold for o in comps] + [f for j in tables for f in j[2]]),
            observations=FoldSummary.of([f for o in comps for f in o.point_fold_errors]),
        ),
        passed=bool(passed),
        model_sha256=setup.model.sha256,
        sensitivity=case_sensitivity(setup) if sensitivity and case.groups else None,
        warnings=_other_arm_notes(case)
        + tuple(w for s in setups for w in case_warnings(s))
        + summary_warnings(groups),
        arms=tuple(ArmInfo(a.name, a.doses, a.end, a.description) for a in case.arms),
    )


def summary_warnings(groups: Sequence[GroupResult]) -> tuple[str, ...]:
    """The summary rows a reader must know about: implausible rows (left out of the metrics)
    and predictions not at a stated steady state."""
    out = []
    for g in groups:
        for s in g.summary:
            what = f"group {g.name}: summary {s.output} {s.metric} ({s.source})"
            if s.excluded:
                out.append(f"{what}: {s.excluded}")
            if "NOT at the stated steady state" in s.basis:
                out.append(f"{what}: {s.basis}")
    return tuple(out)


def _run_case_job(
    job: tuple[int, ValidationCase, bool],
) -> tuple[int, ValidationCaseResult | None]:
    """A worker's job: (index, result), or (index, None) when the case raised. The parent
    re-runs a failed case in its own process so that the error surfaces exactly as in a serial
    run (the same exception, text and traceback; exceptions need not survive pickling)."""
    index, case, sensitivity = job
    try:
        return index, run_case(case, sensitivity=sensitivity)
    except Exception:  # noqa: BLE001 - the parent re-runs the case and raises it
        return index, None


def run_cases(
    cases: Sequence[ValidationCase],
    *,
    sensitivity: bool | Sequence[bool] = True,
    workers: int | None = None,
    on_done: Callable[[int, ValidationCaseResult], None] | None = None,
) -> list[ValidationCaseResult]:
    """:func:`run_case` for every case, in ``workers`` processes (default: all usable cores,
    :func:`sbmltwin.cohort.backends.default_workers`; 1 = serially in this process), results in
    the order of ``cases``: the same results as a serial run, number for number (each case is
    simulated by one process from the same inputs). ``sensitivity`` is one flag or one per
    case. A case that fails raises as in a serial run: the first failing case in case order
    is re-run here and its error propagates. ``on_done(done_count, result)`` is called as each
    case finishes (in completion order when parallel)."""
    flags = [sensitivity] * len(cases) if isinstance(sensitivity, bool) else list(sensitivity)
    if len(flags) != len(cases):
        raise ValueError("run_cases: one sensitivity flag per case")
    from sbmltwin.cohort.backends import ProcessBackend, default_workers

    n = min(workers or default_workers(), len(cases))
    if n <= 1:
        out = []
        for i, (case, flag) in enumerate(zip(cases, flags, strict=True), 1):
            out.append(run_case(case, sensitivity=flag))
            if on_done is not None:
                on_done(i, out[-1])
        return out
    found: dict[int, ValidationCaseResult | None] = {}
    backend = ProcessBackend(n)  # fork on Linux; the compile cache is reset in each child
    try:
        jobs = [(i, c, f) for i, (c, f) in enumerate(zip(cases, flags, strict=True))]
        for _, (index, result) in backend.map_unordered(_run_case_job, jobs):
            found[index] = result
            if result is not None and on_done is not None:
                on_done(len(found), result)
    finally:
        backend.close()
    results = []
    for i, case in enumerate(cases):
        result = found[i]
        if result is None:  # raises as the serial run would have, at the same case
            result = run_case(case, sensitivity=flags[i])
        results.append(result)
    return results


def case_warnings(setup: CaseSetup) -> tuple[str, ...]:
    """What cannot act as the case means it to: doses that cannot reach the outputs (from the
    run path), and gene bindings that do not move the outputs at the first group's twin (in a
    case with arms: for the setup's arm, each line starting "arm NAME: ")."""
    case = setup.case
    warnings = list(setup.run.warnings) + list(setup.summary_notes)
    if case.groups:
        first = next(iter(case.groups))
        profile = parse_profile(
            {"id": first, **case.group_profiles(first)[0][0]}, source=f"{case.path} [groups]"
        )
        effects = setup.run.run(profile).binding_effects(
            end=setup.end, points=setup.points, outputs=setup.selections, integrator=INTEGRATOR
        )
        warnings += [f"group {first}: {w}" for w in check_binding_effects(effects)]
    if setup.arm is not None:
        return tuple(f"arm {setup.arm.name}: {w}" for w in warnings)
    return tuple(warnings)


def overall(results: Sequence[ValidationCaseResult]) -> OverallMetrics:
    """Pooled metrics over cases (see :class:`OverallMetrics`)."""
    return OverallMetrics.of(results)
