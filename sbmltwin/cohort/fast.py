"""Summary-only runs: AUC as an integral state, Cmax from a coarse grid refined around the peak.

In libroadrunner the cost of a small model's simulation is dominated by per-output-point work,
so a cohort that needs only AUC, Cmax, tmax and t½ should not ask for a dense grid:

* **AUC** is a state: :func:`add_auc_states` adds, once per model (a structural change, so one
  compile per worker), a parameter ``sbmltwin_auc_<sid>`` with the rate rule ``d/dt = <sid>``.
  Its value at ``end`` is AUC(0–end), exact to the integrator's tolerance.
* **Cmax/tmax**: a coarse grid (``coarse`` points) locates the peak interval; a second pass
  integrates from 0 to the end of that interval only, sampling it with ``fine`` points, and a
  parabola through the three points around the sampled maximum gives Cmax and tmax.
* **λz, t½, AUC(0–∞)**: :func:`sbmltwin.pk.nca` on the coarse grid (a log-linear fit of the
  terminal phase), with AUC(0–∞) = AUC(0–end) from the state + Clast/λz.

Accuracy against a dense 48,001-point reference is tested in ``tests/unit/cohort/test_fast.py``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import libsbml
import numpy as np

from sbmltwin.engine import CompiledModel, DoseEvent, IntegratorSettings
from sbmltwin.engine.simulate import _check_params, _configure, _integrate, _ready_instance
from sbmltwin.errors import SimulationError
from sbmltwin.model import Model, parse_model
from sbmltwin.pk import PKMetrics, nca

__all__ = ["add_auc_states", "auc_state_id", "summary_metrics"]

COARSE_POINTS = 25
FINE_POINTS = 17


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


def _fast_reset(compiled: CompiledModel, params: Mapping[str, float]) -> None:
    """As :func:`sbmltwin.engine.simulate._reset_with`, but through the ExecutableModel.

    ``RoadRunner.setValue("init(p)")`` costs ~5 ms in libroadrunner 2.10;
    ``RoadRunner.model.setValue("init(p)")`` sets the same value in microseconds and
    ``resetAll`` re-evaluates the initial assignments that depend on it. Species keep the
    RoadRunner path (amount semantics).
    """
    rr = compiled.roadrunner
    exe = rr.model
    species = set(compiled.model.species)

    def put(sid: str, value: float) -> None:
        (rr if sid in species else exe).setValue(f"init({sid})", float(value))

    for sid in compiled.touched - set(params):
        put(sid, compiled.initial_values[sid])
    compiled.touched.clear()
    for sid, value in params.items():
        put(sid, value)
        compiled.touched.add(sid)
    rr.resetAll()


def _peak(t: np.ndarray[Any, Any], c: np.ndarray[Any, Any]) -> tuple[float, float]:
    """(tmax, Cmax) by a parabola through the sampled maximum and its neighbours."""
    k = int(np.argmax(c))
    if k == 0 or k == len(c) - 1:
        return float(t[k]), float(c[k])
    t0, t1, t2 = t[k - 1 : k + 2]
    c0, c1, c2 = c[k - 1 : k + 2]
    denom = (t0 - t1) * (t0 - t2) * (t1 - t2)
    a = (t2 * (c1 - c0) + t1 * (c0 - c2) + t0 * (c2 - c1)) / denom
    b = (t2 * t2 * (c0 - c1) + t1 * t1 * (c2 - c0) + t0 * t0 * (c1 - c2)) / denom
    if a >= 0:
        return float(t1), float(c1)
    tv = -b / (2 * a)
    if not t0 <= tv <= t2:
        return float(t1), float(c1)
    cv = c1 + (a * (tv * tv - t1 * t1) + b * (tv - t1))
    return float(tv), float(max(cv, c1))


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
    """NCA metrics of each output from a model made by :func:`add_auc_states`.

    Raises :class:`SimulationError` when integration fails or gives non-finite values.
    """
    _check_params(compiled, params)
    aucs = [auc_state_id(o) for o in outputs]
    columns = ["time", *outputs, *aucs]
    grid = np.linspace(0.0, end, coarse)
    with compiled.lock:
        try:
            rr = _ready(compiled, params)
            _configure(rr, integrator or IntegratorSettings())
            data = _integrate(rr, columns, grid, events)
            refined: dict[str, tuple[float, float]] = {}
            for j, out in enumerate(outputs, start=1):
                k = int(np.argmax(data[:, j]))
                lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, coarse - 1)]
                zoom = np.linspace(lo, hi, fine)
                fine_grid = zoom if lo == 0.0 else np.concatenate(([0.0], zoom))
                rr = _ready(compiled, params)
                seg = _integrate(rr, ["time", out], fine_grid, events)
                refined[out] = _peak(seg[:, 0], seg[:, 1])
        except RuntimeError as err:
            raise SimulationError(
                f"integration failed: {' '.join(str(err).split())[:300]}",
                where=compiled.model.source,
            ) from err
    if not np.all(np.isfinite(data)):
        raise SimulationError("non-finite value in the summary run", where=compiled.model.source)
    out_metrics = {}
    for j, out in enumerate(outputs, start=1):
        base = nca(grid, data[:, j], adj_r2_factor=1e-9)
        tmax, cmax = refined[out]
        auc_t = float(data[-1, len(outputs) + j])
        clast = float(data[-1, j])
        lz = base.lambda_z
        auc_inf = auc_t + clast / lz if math.isfinite(lz) and lz > 0 else math.nan
        extra = 100 * (auc_inf - auc_t) / auc_inf if auc_inf > 0 else math.nan
        out_metrics[out] = dataclasses.replace(
            base,
            cmax=cmax,
            tmax=tmax,
            auc_0_t=auc_t,
            auc_0_inf=auc_inf,
            auc_extrapolated_percent=extra,
        )
    return out_metrics


def _ready(compiled: CompiledModel, params: Mapping[str, float]) -> Any:
    if compiled.has_delayed_events:
        return _ready_instance(compiled, params)
    _fast_reset(compiled, params)
    return compiled.roadrunner
