"""Summary-only runs: AUC as an integral state, Cmax from one run on a peak-aware grid.

In libroadrunner a run costs a fixed integration effort plus about 2 µs per output row, and a
second integration of the same twin costs nearly as much as the first (CVODE's start-up and
the dose transient dominate). So a cohort that needs only AUC, Cmax, tmax and t½ makes one run
on a short grid and avoids a second one:

* **AUC** is a state: :func:`add_auc_states` adds, once per model (a structural change, so one
  compile per worker), a parameter ``sbmltwin_auc_<sid>`` with the rate rule ``d/dt = <sid>``.
  Its value at ``end`` is AUC(0–end), exact to the integrator's tolerance.
* **Cmax/tmax**: the grid (:func:`summary_grid`) has ``coarse`` even points, every dose time,
  and after each dose times growing geometrically by 20 %, so any peak is sampled at a spacing
  of at most 20 % of the time since its dose (56 points for one dose over 48 h). A parabola
  through the sampled maximum and its neighbours gives Cmax and tmax (worst errors over random
  twins of the benchmark models against 48,001-point references: Cmax 6e-4, tmax 0.03 h).
  Where that is not trustworthy (a dose time next to the maximum, or the parabola moving Cmax
  by more than 0.4 %; its error was at most 45 % of that move) a second run samples the peak
  interval with ``fine`` points.
* **λz, t½, AUC(0–∞)**: :func:`sbmltwin.pk.nca_batch` on the grid (a log-linear fit of the
  terminal phase), with AUC(0–∞) = AUC(0–end) from the state + Clast/λz.
* **Tolerances** (:func:`summary_integrator`, unless the caller gives an integrator): CVODE
  relative tolerance 1e-5, absolute tolerance 1e-10 × the regimen's concentration scale
  (dose / total compartment volume) instead of libroadrunner's unit-blind 1e-12.

Accuracy against a dense 48,001-point reference is tested in ``tests/unit/cohort/test_fast.py``
and ``tests/unit/cohort/test_cohort_fast_accuracy.py``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import libsbml
import numpy as np
import numpy.typing as npt

from sbmltwin.engine import CompiledModel, DoseEvent, IntegratorSettings
from sbmltwin.engine.batch import BatchSimulator
from sbmltwin.engine.dosing import infusion_parameter
from sbmltwin.engine.simulate import check_params
from sbmltwin.errors import SimulationError
from sbmltwin.model import Model, parse_model
from sbmltwin.pk import PKMetrics, PKMetricsBatch, nca_batch

__all__ = [
    "SummaryRunner",
    "add_auc_states",
    "auc_state_id",
    "dose_scale",
    "finish_metrics",
    "summary_grid",
    "summary_integrator",
    "summary_metrics",
]

COARSE_POINTS = 13
FINE_POINTS = 17
LOG_STEP = 0.2  # geometric growth of the output times after each dose
FIRST_FRACTION = 4e-4  # the first of them, as a fraction of the dose interval
PEAK_TRUST = 4e-3  # a parabola moving Cmax by more than this (relative) triggers a zoom run
#: CVODE relative tolerance of summary-only runs when the caller sets no integrator (libroadrunner's
#: default is 1e-6). The summary's stated accuracy (AUC 1e-4, Cmax 0.5 % against a 48,001-point
#: default-tolerance reference) leaves room for it, and it saves about a fifth of the CVODE work.
SUMMARY_RTOL = 1e-5
#: ... and its absolute tolerance, as a fraction of the regimen's concentration scale (see
#: :func:`summary_integrator`). libroadrunner's default, 1e-12 in whatever unit the model uses,
#: makes CVODE resolve concentrations far below anything a PK metric sees (the first minutes of
#: distribution into tissues, for example); on the 14-tissue PBPK benchmark model this
#: fraction saves about 10 % of the integration work. At 1e-9 the worst AUC error of the
#: two-compartment accuracy test doubled (3.3e-5 vs 1.6e-5); at 1e-10 it stays as it was.
ATOL_FRACTION = 1e-10


def dose_scale(compiled: CompiledModel, events: Sequence[DoseEvent], end: float) -> float | None:
    """The regimen's concentration scale: the amount it puts into species until ``end`` (boluses,
    and infusion rates × their duration) over the model's total compartment volume. None when
    no dose reaches a species or the volumes are not positive numbers."""
    species = set(compiled.roadrunner.model.getFloatingSpeciesIds())
    prefix = infusion_parameter("")
    total = sum(e.amount for e in events if e.kind == "bolus" and e.target in species)
    rates = sorted(
        (e.time, e.amount)
        for e in events
        if e.kind == "rate" and e.target.removeprefix(prefix) in species
    )
    rate = 0.0
    for (t, change), (t_next, _) in itertools.pairwise([*rates, (end, 0.0)]):
        rate += change
        total += rate * max(0.0, min(t_next, end) - min(t, end))
    volume = sum(compiled.compartment_volumes.values())
    if not (total > 0 and math.isfinite(total) and volume > 0 and math.isfinite(volume)):
        return None
    return total / volume


def summary_integrator(
    compiled: CompiledModel, events: Sequence[DoseEvent], end: float
) -> IntegratorSettings:
    """CVODE settings of a summary-only run when the caller gives none: relative tolerance
    :data:`SUMMARY_RTOL`, absolute tolerance :data:`ATOL_FRACTION` × :func:`dose_scale` (the
    concentration the doses would reach spread over the whole model), or libroadrunner's
    default absolute tolerance when the regimen has no such scale. Metabolites and terminal
    phases far below that scale keep their accuracy: 1e-10 of it is 1e-5 of a concentration
    100,000 times smaller (tested on the dextromethorphan PBPK model's metabolites)."""
    scale = dose_scale(compiled, events, end)
    return IntegratorSettings(
        relative_tolerance=SUMMARY_RTOL,
        absolute_tolerance=None if scale is None else ATOL_FRACTION * scale,
    )


def auc_state_id(output: str) -> str:
    """``[C_plasma]`` → ``sbmltwin_auc_C_plasma`` (the id of its AUC state)."""
    return "sbmltwin_auc_" + output.strip("[]")


def _ok(code: int, what: str, where: str | None) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SimulationError(f"libsbml could not {what} (code {code})", where=where)


def add_auc_states(model: Model, outputs: Sequence[str]) -> Model:
    """A copy of ``model`` with an AUC state (``rate rule = output``) for each output.

    ``[S]`` integrates the concentration of species ``S``; ``S`` its amount (for an amount-only
    species or a parameter, its value). Other forms are refused.
    """
    doc = model.document()
    m = doc.getModel()
    where = model.source
    for out in outputs:
        sid = out.strip("[]")
        species = m.getSpecies(sid)
        if out.startswith("["):
            if species is None:
                raise SimulationError(f"'{out}' is not a species concentration", where=where)
            formula = (
                sid
                if not species.getHasOnlySubstanceUnits()
                else (f"{sid} / {species.getCompartment()}")
            )
        else:
            if species is not None and not species.getHasOnlySubstanceUnits():
                formula = f"{sid} * {species.getCompartment()}"
            elif species is not None or m.getParameter(sid) is not None:
                formula = sid
            else:
                raise SimulationError(f"'{out}' is neither a species nor a parameter", where=where)
        auc = auc_state_id(out)
        if m.getElementBySId(auc) is not None:
            raise SimulationError(f"the model already has an element '{auc}'", where=where)
        p = m.createParameter()
        _ok(p.setId(auc), f"add parameter {auc}", where)
        _ok(p.setValue(0.0), "set value", where)
        _ok(p.setConstant(False), "set constant", where)
        rule = m.createRateRule()
        _ok(rule.setVariable(auc), "set rate rule variable", where)
        _ok(rule.setMath(libsbml.parseL3Formula(formula)), "set rate rule", where)
    text = libsbml.writeSBMLToString(doc)
    return parse_model(text, fmt="sbml", source=model.source)


def summary_grid(
    end: float,
    events: Sequence[DoseEvent],
    *,
    coarse: int = COARSE_POINTS,
    step: float = LOG_STEP,
    first: float = FIRST_FRACTION,
) -> npt.NDArray[np.float64]:
    """The summary run's output times: ``coarse`` even points on [0, end], every dose time,
    and after each dose times growing geometrically (by ``1 + step``) from ``first`` × the
    dose interval to its end, so the peak after any dose is sampled with spacing ≤ ``step`` ×
    the time since the dose."""
    starts = sorted({0.0} | {float(e.time) for e in events if 0.0 <= e.time < end})
    stops = [*starts[1:], end]
    fixed = np.union1d(np.linspace(0.0, end, coarse), np.array(starts))
    count = math.ceil(math.log(1.0 / first) / math.log1p(step)) + 1
    extra = [
        a + (b - a) * np.geomspace(first, 1.0, count)[:-1]
        for a, b in zip(starts, stops, strict=True)
    ]
    times = np.union1d(fixed, np.concatenate(extra))
    # drop geometric points closer than 1e-9·end to a fixed one (CVODE refuses tiny steps)
    near = np.abs(times[:, None] - fixed[None, :]).min(axis=1) < 1e-9 * end
    keep = ~near | np.isin(times, fixed)
    grid: npt.NDArray[np.float64] = times[keep]
    return grid


def _peaks(
    t: npt.NDArray[np.float64], c: npt.NDArray[np.float64], breaks: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """(tmax, Cmax, trusted) of each row of ``c`` (profiles × times ``t``).

    A parabola through the sampled maximum and its neighbours gives the peak, unless a dose
    time (a possible jump) lies in (t[k-1], t[k+1]]. ``trusted`` is False when the peak then
    cannot be told from the samples, or when the parabola moves Cmax by more than
    :data:`PEAK_TRUST` (relative): the grid is too coarse there, and the caller refines.
    A maximum at the first or last time is taken as sampled.
    """
    rows = np.arange(c.shape[0])
    m = c.shape[1]
    k = np.argmax(c, axis=1)
    inner = (k > 0) & (k < m - 1)
    km, kp = np.clip(k - 1, 0, m - 1), np.clip(k + 1, 0, m - 1)
    t0, t1, t2 = t[km], t[k], t[kp]
    c0, c1, c2 = c[rows, km], c[rows, k], c[rows, kp]
    jump = np.any((breaks[None, :] > t0[:, None]) & (breaks[None, :] <= t2[:, None]), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = (t0 - t1) * (t0 - t2) * (t1 - t2)
        a = (t2 * (c1 - c0) + t1 * (c0 - c2) + t0 * (c2 - c1)) / denom
        b = (t2 * t2 * (c0 - c1) + t1 * t1 * (c2 - c0) + t0 * t0 * (c1 - c2)) / denom
        tv = -b / (2 * a)
        cv = np.maximum(c1 + (a * (tv * tv - t1 * t1) + b * (tv - t1)), c1)
    fit = inner & ~jump & (a < 0) & (t0 <= tv) & (tv <= t2)
    tmax = np.where(fit, tv, t1)
    cmax = np.where(fit, cv, c1)
    trusted = ~(inner & jump) & ~(fit & (cv - c1 > PEAK_TRUST * np.abs(c1)))
    return tmax, cmax, trusted


class SummaryRunner:
    """Summary metrics of many runs of one model made by :func:`add_auc_states` (one chunk).

    Use as a context manager (it holds the model's lock); :meth:`run` takes one twin's initial
    values and returns its metrics per output, or raises :class:`SimulationError`.
    """

    def __init__(
        self,
        compiled: CompiledModel,
        ids: Sequence[str],
        events: Sequence[DoseEvent],
        outputs: Sequence[str],
        *,
        end: float,
        integrator: IntegratorSettings | None = None,
        coarse: int = COARSE_POINTS,
        fine: int = FINE_POINTS,
    ) -> None:
        self.outputs = tuple(outputs)
        self.aucs = [auc_state_id(o) for o in outputs]
        self.grid = summary_grid(end, events, coarse=coarse)
        self.fine = fine
        self.breaks = np.array(sorted({e.time for e in events if 0 < e.time <= end}), dtype=float)
        self.source = compiled.model.source
        self.batch = BatchSimulator(
            compiled,
            ids,
            events,
            grid=self.grid,
            outputs=[*self.outputs, *self.aucs],
            integrator=integrator or summary_integrator(compiled, events, end),
        )

    def __enter__(self) -> SummaryRunner:
        self.batch.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.batch.__exit__(*exc)

    def run(self, values: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], list[float]]:
        """(output columns on :attr:`grid` (points × outputs), [AUC(0–end) per output]).

        Column ``j`` of the first is output ``j``; its Cmax is :meth:`peak`'s business."""
        data, message = self.batch.run(values)
        if message.startswith("non-finite"):
            raise SimulationError("non-finite value in the summary run", where=self.source)
        if message:
            raise SimulationError(f"integration failed: {message}", where=self.source)
        n = len(self.outputs)
        return data[:, 1 : 1 + n], [float(x) for x in data[-1, 1 + n :]]

    def peaks(
        self, values: npt.NDArray[np.float64], j: int, c: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[tuple[int, str]]]:
        """(tmax, Cmax, failures) of output ``j`` for twins with initial values ``values``
        (twins × ids) sampled as ``c`` (twins × :attr:`grid`): the parabola through the
        samples, or, for a twin where it is not trusted, a second run zoomed on its peak
        interval. ``failures`` lists (row, message) of twins whose zoom run failed."""
        tmax, cmax, trusted = _peaks(self.grid, c, self.breaks)
        failures: list[tuple[int, str]] = []
        for i in np.flatnonzero(~trusted).tolist():
            try:
                tmax[i], cmax[i] = self._zoom(values[i], j, c[i])
            except SimulationError as err:
                tmax[i] = cmax[i] = math.nan
                failures.append((i, str(err)))
        return tmax, cmax, failures

    def _zoom(
        self, values: npt.NDArray[np.float64], j: int, c: npt.NDArray[np.float64]
    ) -> tuple[float, float]:
        k = int(np.argmax(c))
        lo, hi = self.grid[max(k - 1, 0)], self.grid[min(k + 1, len(self.grid) - 1)]
        inside = self.breaks[(self.breaks > lo) & (self.breaks < hi)]
        zoom = np.union1d(np.linspace(lo, hi, self.fine), inside)
        fine_grid = zoom if lo == 0.0 else np.concatenate(([0.0], zoom))
        try:
            seg = self.batch.run_grid(values, fine_grid, [self.outputs[j]])
        except RuntimeError as err:
            raise SimulationError(
                f"integration failed: {' '.join(str(err).split())[:300]}", where=self.source
            ) from err
        if not np.all(np.isfinite(seg)):
            raise SimulationError("non-finite value in the summary run", where=self.source)
        tmax, cmax, _ = _peaks(seg[:, 0], seg[None, :, 1], self.breaks)
        return float(tmax[0]), float(cmax[0])


def finish_metrics(
    grid: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    tmax: npt.NDArray[np.float64],
    cmax: npt.NDArray[np.float64],
    auc_t: npt.NDArray[np.float64],
) -> PKMetricsBatch:
    """Metrics of profiles ``c`` (twins × grid): λz and t½ by :func:`nca_batch` on the grid;
    Cmax/tmax as given; AUC(0–end) from the AUC states; AUC(0–∞) = AUC(0–end) + Clast/λz."""
    base = nca_batch(grid, c, adj_r2_factor=1e-9)
    auc = np.asarray(auc_t, dtype=float)
    lz = base.lambda_z
    fitted = np.isfinite(lz) & (lz > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc_inf = np.where(fitted, auc + c[:, -1] / lz, math.nan)
        extra = np.where(auc_inf > 0, 100 * (auc_inf - auc) / auc_inf, math.nan)
    return dataclasses.replace(
        base,
        cmax=np.asarray(cmax, dtype=float),
        tmax=np.asarray(tmax, dtype=float),
        auc_0_t=auc,
        auc_0_inf=auc_inf,
        auc_extrapolated_percent=extra,
    )


def summary_metrics(
    compiled: CompiledModel,
    params: Mapping[str, float],
    events: Sequence[DoseEvent],
    outputs: Sequence[str],
    *,
    end: float,
    integrator: IntegratorSettings | None = None,
    coarse: int = COARSE_POINTS,
    fine: int = FINE_POINTS,
) -> dict[str, PKMetrics]:
    """NCA metrics of each output from a model made by :func:`add_auc_states` (one run).

    Raises :class:`SimulationError` when integration fails or gives non-finite values.
    """
    check_params(compiled, params)
    ids = list(params)
    values = np.array([float(params[sid]) for sid in ids], dtype=float)
    runner = SummaryRunner(
        compiled, ids, events, outputs, end=end, integrator=integrator, coarse=coarse, fine=fine
    )
    with runner:
        c, aucs = runner.run(values)
        out = {}
        for j, name in enumerate(outputs):
            profile = np.ascontiguousarray(c[None, :, j])
            tmax, cmax, failures = runner.peaks(values[None, :], j, profile)
            if failures:
                raise SimulationError(
                    failures[0][1].split(": ", 1)[-1], where=compiled.model.source
                )
            metrics = finish_metrics(runner.grid, profile, tmax, cmax, np.array([aucs[j]]))
            out[name] = metrics.row(0)
    return out
