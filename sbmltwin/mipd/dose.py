"""Dose selection: regimens ranked by the probability of target attainment (PTA).

A target is one line::

    AUC0-24h 400-600 mg*h/L         # AUC over [0, 24 h] after the regimen starts
    AUC120-144h 400-600 mg*h/L      # a later dosing interval (near steady state)
    trough 10-15 mg/L at 72 h       # the concentration just before any dose at 72 h
    Cmax < 2 mg/L                   # the peak over the simulated horizon
    Cmax < 2 mg/L in 0-24h          # the peak within a window

Ranges are ``a-b``, ``< a``, ``<= a``, ``> a`` or ``>= a``. Each candidate (every allowed
dose × interval) is simulated for the same draws of the twin's η (prior or posterior); its PTA
is the share of draws whose metric meets the target. The ranking is by PTA, then by how close
the median metric is to the middle of a range (log scale), then by the smaller total dose.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sbmltwin.engine import (
    CompiledModel,
    DoseEvent,
    IntegratorSettings,
    parse_regimen,
    prepare_setup,
)
from sbmltwin.engine.batch import BatchSimulator
from sbmltwin.errors import DosingError, UnitError
from sbmltwin.mipd.twin import Twin
from sbmltwin.model import Model
from sbmltwin.personalize import Bindings
from sbmltwin.pk import auc_trapezoid
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

__all__ = ["Candidate", "DoseResult", "Target", "parse_target", "rank_regimens"]

_NUM = r"[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?"
_RANGE = rf"(?:(?P<lo>{_NUM})\s*-\s*(?P<hi>{_NUM})|(?P<op><=|>=|<|>)\s*(?P<bound>{_NUM}))"
_AUC = re.compile(
    rf"^AUC\s*(?P<a>{_NUM})\s*-\s*(?P<b>{_NUM})\s*(?P<tu>[a-zA-Z]+)\s+{_RANGE}\s+(?P<unit>\S+)$",
    re.IGNORECASE,
)
_TROUGH = re.compile(rf"^(?:trough|C)\s+{_RANGE}\s+(?P<unit>\S+)\s+at\s+(?P<at>.+)$", re.IGNORECASE)
_PEAK = re.compile(
    rf"^(?P<kind>Cmax|Cmin)\s+{_RANGE}\s+(?P<unit>\S+)"
    rf"(?:\s+in\s+(?P<a>{_NUM})\s*-\s*(?P<b>{_NUM})\s*(?P<tu>[a-zA-Z]+))?$",
    re.IGNORECASE,
)
_GRID_STEP_H = 0.05
PTA_DRAWS = 500


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed target; bounds and windows in model units (concentration·time for AUC)."""

    text: str
    metric: str  # "auc", "trough", "cmax" or "cmin"
    low: float  # -inf when open
    high: float  # +inf when open
    start: float  # window start (trough: its time), after the regimen start
    end: float | None  # window end (None: the horizon)
    unit: str  # the unit the target was given in
    to_user: float  # user units per model unit (for tables)

    def met(self, values: np.ndarray) -> np.ndarray:
        result: np.ndarray = (values >= self.low) & (values <= self.high)
        return result

    @property
    def centre(self) -> float | None:
        if math.isfinite(self.low) and math.isfinite(self.high):
            return 0.5 * (self.low + self.high)
        return None


def parse_target(
    text: str,
    model: Model,
    selection: str,
    *,
    molecular_weight: str | None = None,
    where: str = "--target",
) -> Target:
    """Parse ``text`` (see the module docstring) for output ``selection`` of ``model``."""
    sid = selection[1:-1] if selection.startswith("[") else selection
    conc = (
        model.concentration_units.get(sid, ModelUnit.undeclared())
        if selection.startswith("[")
        else model.units.get(sid, ModelUnit.undeclared())
    )
    tunit = model.time_unit
    line = " ".join(text.split())
    hint = "e.g. 'AUC0-24h 400-600 mg*h/L', 'trough 10-15 mg/L at 72 h', 'Cmax < 2 mg/L'"
    for pattern, metric in ((_AUC, "auc"), (_TROUGH, "trough"), (_PEAK, "peak")):
        m = pattern.match(line)
        if m is None:
            continue
        g = m.groupdict()
        if metric == "auc":
            if conc.expr is None or tunit.expr is None:
                raise UnitError("the model declares no concentration or time unit", where=where)
            unit = ModelUnit(f"{conc.text}·{tunit.text}", f"({conc.expr})*({tunit.expr})")
        else:
            unit = conc
        factor = _factor(g["unit"], unit, molecular_weight, where)
        if g["lo"] is not None:
            low, high = float(g["lo"]) * factor, float(g["hi"]) * factor
            if not low < high:
                raise DosingError(f"target range {g['lo']}-{g['hi']} is empty", where=where)
        else:
            bound = float(g["bound"]) * factor
            low, high = (-math.inf, bound) if g["op"].startswith("<") else (bound, math.inf)
        if metric == "trough":
            at = _time(g["at"], tunit, where)
            return Target(line, "trough", low, high, at, at, g["unit"], 1 / factor)
        start, end = 0.0, None
        if g.get("a") is not None:
            start = _time(f"{g['a']} {g['tu']}", tunit, where)
            end = _time(f"{g['b']} {g['tu']}", tunit, where)
            if not end > start:
                raise DosingError(f"window {g['a']}-{g['b']} {g['tu']} is empty", where=where)
        kind = "auc" if metric == "auc" else g["kind"].lower()
        return Target(line, kind, low, high, start, end, g["unit"], 1 / factor)
    raise DosingError(f"cannot read target {text!r}", where=where, hint=hint)


def _factor(unit: str, target: ModelUnit, mw: str | None, where: str) -> float:
    q = parse_quantity(f"1 {unit}", where=where)
    return to_model_units(q, target, molecular_weight=mw, where=where)


def _time(text: str, unit: ModelUnit, where: str) -> float:
    q = parse_quantity(text, where=where)
    if q.unitless:
        raise UnitError(f"time {text!r} needs a unit", where=where, hint="e.g. '72 h'")
    return to_model_units(q, unit, where=where)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One regimen and how it fares: PTA and the 5/50/95 % of the metric (target's unit)."""

    dose: str
    interval: str
    count: int
    regimen: str
    pta: float
    p05: float
    p50: float
    p95: float
    total_dose: float
    failed: int


@dataclass(frozen=True)
class DoseResult:
    """Candidates ranked best first, with the reason for the first."""

    target: Target
    candidates: tuple[Candidate, ...]
    draws: int
    seed: int
    twin_kind: str
    why: str
    notes: tuple[str, ...]

    @property
    def recommended(self) -> Candidate:
        return self.candidates[0]


def rank_regimens(
    compiled: CompiledModel,
    twin: Twin,
    target: Target,
    selection: str,
    doses: Sequence[str],
    intervals: Sequence[str],
    *,
    route: str = "oral",
    bindings: Bindings | None = None,
    dose_target: str | None = None,
    molecular_weight: str | None = None,
    history: Sequence[DoseEvent] = (),
    start: float = 0.0,
    count: int | None = None,
    horizon: float | None = None,
    draws: int = PTA_DRAWS,
    seed: int = 0,
    integrator: IntegratorSettings | None = None,
) -> DoseResult:
    """Rank every ``dose`` × ``interval`` by PTA of ``target`` (see the module docstring).

    The candidate regimen starts at ``start`` (model time), after the doses in ``history``;
    target windows count from ``start``. ``count`` doses are given (default: enough to cover the
    target's window or ``horizon``). Each candidate goes through the one run path
    (:func:`~sbmltwin.engine.prepare_setup`): dose targets from ``dose_target`` or the
    ``bindings``, mass ↔ amount with ``molecular_weight`` or the bindings', infusion inputs.
    """
    model = compiled.model
    if not doses or not intervals:
        raise DosingError("give at least one dose and one interval", where="--doses/--intervals")
    tunit = model.time_unit
    hour = to_model_units(parse_quantity("1 h"), tunit, where="time unit")
    end_rel = target.end if target.end is not None else horizon
    if end_rel is None:
        raise DosingError(
            f"target {target.text!r} has no window: give a horizon",
            where="--horizon",
            hint="e.g. --horizon 72h, or write the window: 'Cmax < 2 mg/L in 0-72h'",
        )
    eta = twin.draws(draws, seed) if twin.priors else np.zeros((1, 0))
    values = twin.values(eta)
    t_end = start + end_rel
    lo = start + target.start
    n_grid = int(min(4001, max(61, math.ceil((t_end - lo) / (_GRID_STEP_H * hour)) + 1)))
    window = np.linspace(lo, t_end, n_grid)
    first = min([0.0, *(e.time for e in history)])
    grid = np.unique(np.concatenate(([first], window)))
    sel_col = 1
    results: list[Candidate] = []
    notes: list[str] = []
    for interval in intervals:
        tau = _time(interval, tunit, "--intervals")
        if tau <= 0:
            raise DosingError(f"interval {interval} must be positive", where="--intervals")
        n = count if count is not None else max(1, math.ceil(end_rel / tau - 1e-9))
        for dose in doses:
            text = f"{dose} {route} at {start / hour:g} h every {interval} x{n}"
            setup = prepare_setup(
                model,
                parse_regimen(text, where="--doses"),
                bindings=bindings,
                target=dose_target,
                molecular_weight=molecular_weight,
                where="--doses",
            )
            events = setup.events
            run_compiled = compiled if setup.model is model else setup.compile()
            all_events = tuple(history) + tuple(events)
            if target.metric == "trough":
                all_events = tuple(e for e in all_events if e.time < lo)
            metric = np.full(len(values), math.nan)
            failed = 0
            with BatchSimulator(
                run_compiled,
                twin.ids,
                all_events,
                grid=grid,
                outputs=[selection],
                integrator=integrator,
            ) as batch:
                for i, v in enumerate(values):
                    data, message = batch.run(v)
                    if message:
                        failed += 1
                        continue
                    mask = grid >= lo - 1e-12
                    t, c = grid[mask], data[mask, sel_col]
                    metric[i] = _metric(target, t, c)
            ok = np.isfinite(metric)
            if not ok.any():
                raise DosingError(f"every simulation of {text!r} failed", where="--doses")
            user = metric[ok] * target.to_user
            total = sum(e.amount for e in events if e.kind == "bolus")
            results.append(
                Candidate(
                    dose=dose,
                    interval=interval,
                    count=n,
                    regimen=text,
                    pta=float(np.mean(target.met(metric[ok]))),
                    p05=float(np.percentile(user, 5)),
                    p50=float(np.percentile(user, 50)),
                    p95=float(np.percentile(user, 95)),
                    total_dose=float(total),
                    failed=failed,
                )
            )
            if failed:
                notes.append(f"{text}: {failed} of {len(values)} draws failed to simulate")
    centre = target.centre

    def key(c: Candidate) -> tuple[float, float, float]:
        closeness = (
            abs(math.log(c.p50 / (centre * target.to_user)))
            if centre is not None and c.p50 > 0
            else 0.0
        )
        return (-round(c.pta, 9), closeness, c.total_dose)

    ranked = tuple(sorted(results, key=key))
    best = ranked[0]
    why = (
        f"{best.regimen}: P(target) = {best.pta:.2f} over {len(values)} draws of the "
        f"{twin.kind} twin; median {best.p50:.4g} {target.unit} "
        f"(90 % {best.p05:.4g}–{best.p95:.4g})"
    )
    if len(ranked) > 1:
        nxt = ranked[1]
        why += f"; next: {nxt.regimen} with P = {nxt.pta:.2f}, median {nxt.p50:.4g}"
        if abs(nxt.pta - best.pta) < 1e-9:
            why += " (same P: the median closer to the middle of the target wins, then the smaller dose)"
    if best.pta < 0.5:
        notes.append(
            f"no allowed regimen reaches the target with probability ≥ 0.5 (best {best.pta:.2f})"
        )
    return DoseResult(target, ranked, len(values), seed, twin.kind, why, tuple(notes))


def _metric(target: Target, t: np.ndarray, c: np.ndarray) -> float:
    if target.metric == "auc":
        return auc_trapezoid(t, c)
    if target.metric == "trough":
        return float(c[-1])
    if target.metric == "cmax":
        return float(np.max(c))
    return float(np.min(c))
