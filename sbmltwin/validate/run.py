"""Running a validation case, step by step: prepare, simulate each group, compare each output,
form the ratios, and compute the reference group's local sensitivities.

Each step is a function of its own so that other commands reuse it (the OMEX export uses
:func:`case_grid`, :func:`case_regimen` and :func:`reference_group`), and the only place that
personalizes and simulates one twin is :func:`simulate_twin`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sbmltwin.engine import Regimen, RunSetup, parse_regimen, prepare_setup
from sbmltwin.engine.boundary import load_untrusted
from sbmltwin.engine.effects import check_binding_effects
from sbmltwin.engine.outputs import output_factor
from sbmltwin.engine.simulate import output_unit
from sbmltwin.errors import UnitError, ValidationDataError
from sbmltwin.model import Model, load_model, require_simulatable
from sbmltwin.personalize import ParameterSet, load_bindings, parse_profile
from sbmltwin.pk import auc_trapezoid, clip_curve, nca
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units
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

__all__ = [
    "SENSITIVITY_STEP",
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
        rows, notes = case_summary(case, multiple_dose=_multiple_doses(run), arm=arm)
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


def _multiple_doses(run: RunSetup) -> bool:
    return sum(d.count for d in run.regimen.doses) > 1


def case_summary(
    case: ValidationCase, *, multiple_dose: bool = False, arm: Arm | None = None
) -> tuple[tuple[SummaryRow, ...], tuple[str, ...]]:
    """The rows of the case's summary file that it compares (its arm's — ``arm``'s in a case
    with arms —, of its groups and outputs, of metrics sbmltwin predicts), and a note for each
    kind of row it does not."""
    if case.summary is None:
        return (), ()
    arm_name = arm.name if arm else (case.arm or "")
    rows = [r for r in read_summary(case.summary) if r.arm == arm_name]
    name = case.summary.name
    notes: list[str] = []
    if not rows:
        notes.append(f"summary {name}: no rows of arm '{arm_name}'")
    if multiple_dose:
        notes.append(
            f"summary {name}: {len(rows)} row(s) not compared: the case has several doses and "
            "the file does not say which dose a window or tmax counts from"
        )
        return (), tuple(notes)
    keep = []
    skipped: dict[str, int] = {}
    for r in rows:
        if r.group not in case.groups:
            key = f"group {r.group} is not a group of the case"
        elif r.output not in case.outputs:
            key = f"output {r.output} is not an output of the case"
        elif r.metric not in COMPARED_METRICS:
            key = f"{r.metric} is not predicted (compared: {', '.join(COMPARED_METRICS)})"
        else:
            keep.append(r)
            continue
        skipped[key] = skipped.get(key, 0) + 1
    notes += [f"summary {name}: {n} row(s) not compared: {why}" for why, n in skipped.items()]
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


def compare_summary(setup: CaseSetup, sim: GroupSimulation) -> tuple[SummaryComparison, ...]:
    """The group's published summary statistics vs the same statistics of its predicted curve
    (for a mixture group, the weighted mean curve), in the published unit."""
    case, model = setup.case, setup.model
    out: list[SummaryComparison] = []
    t = sim.frame["time"].to_numpy()
    for row in (r for r in setup.summary if r.group == (sim.group or sim.name)):
        ref = case.outputs[row.output]
        target = ModelUnit(
            sim.units[ref.id],
            model.concentration_units[ref.id.strip("[]")].expr
            if ref.id.startswith("[")
            else model.units[ref.id].expr,
        )
        c = sim.frame[ref.id].to_numpy()
        f = _summary_factor(row, setup, target, ref.molecular_weight)
        predicted = math.nan
        if row.metric == "AUC":
            assert row.window is not None
            a, b, unit = row.window
            k = _factor(unit, model.time_unit, None, row.where)
            if b * k <= setup.end * (1 + 1e-9):
                predicted = auc_trapezoid(*clip_curve(t, c, a * k, b * k))
        elif row.metric == "AUC_inf":
            predicted = nca(t, c, adj_r2_factor=1e-9).auc_0_inf
        elif row.metric == "Cmax":
            predicted = float(c.max())
        elif row.metric == "tmax":
            predicted = float(t[int(np.argmax(c))])
        elif row.metric == "t_half":
            predicted = nca(t, c, adj_r2_factor=1e-9).half_life
        predicted /= f
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
            )
        )
    return tuple(out)


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
    """Run every group of ``case`` (in each of its arms) and compare with its observations."""
    setups = prepare_arms(case)
    setup = setups[0]
    groups = []
    twins: dict[tuple[str, str], np.ndarray] = {}
    for arm_setup in setups:
        for name in case.groups:
            sim = simulate_group(arm_setup, name)
            if sim.twins is not None:
                for j, sid in enumerate(arm_setup.selections):
                    twins[sim.name, sid] = sim.twins[:, :, j]
            comparisons = [compare_output(arm_setup, sim, oname) for oname in case.outputs]
            mix = case.mixtures.get(name)
            groups.append(
                GroupResult(
                    name=sim.name,
                    description=case.descriptions.get(name, name),
                    explain=sim.explain,
                    members=sim.members,
                    outputs=tuple(c for c in comparisons if c is not None),
                    mixture=MixtureInfo(mix.gene, mix.population, tuple(mix.exclude_phenotypes))
                    if mix is not None
                    else None,
                    summary=compare_summary(arm_setup, sim),
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
        warnings=_other_arm_notes(case) + tuple(w for s in setups for w in case_warnings(s)),
        arms=tuple(ArmInfo(a.name, a.doses, a.end, a.description) for a in case.arms),
    )


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
