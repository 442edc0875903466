"""Simulate a :class:`CompiledModel`: parameters, dosing, selections, units, status.

Outputs are selected by SBML id. For a species, ``S`` is its *amount* and ``[S]`` its
*concentration* (libroadrunner's convention); the default selection gives each floating species
the way its rate laws see it: concentration unless ``hasOnlySubstanceUnits``. Every column
carries its unit in :attr:`SimulationResult.units`.

Doses are applied piecewise: the integrator is stopped exactly at every dose time, the dose is
added, and integration restarts, so doses land at their times whatever the output grid. The row
at a dose time shows the state *after* the dose (right-continuous, as SBML events do).
"""

from __future__ import annotations

import difflib
import enum
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sbmltwin.engine._bounds import check_output_size, check_span
from sbmltwin.engine.compile import CompiledModel
from sbmltwin.engine.dosing import DoseEvent, Regimen, resolve_regimen
from sbmltwin.engine.solver_log import capture_solver_output
from sbmltwin.errors import SimulationError
from sbmltwin.model import Model
from sbmltwin.units import ModelUnit

__all__ = ["IntegratorSettings", "SimulationResult", "Status", "default_outputs", "simulate"]


class Status(enum.Enum):
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class IntegratorSettings:
    """CVODE settings. ``None`` keeps libroadrunner's default (recorded in the result)."""

    absolute_tolerance: float | None = None
    relative_tolerance: float | None = None
    maximum_num_steps: int | None = None
    stiff: bool = True

    def __post_init__(self) -> None:
        for name in ("absolute_tolerance", "relative_tolerance"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise SimulationError(f"{name} must be a positive number, not {value!r}")
        if self.maximum_num_steps is not None and self.maximum_num_steps < 1:
            raise SimulationError("maximum_num_steps must be at least 1")


@dataclass(frozen=True)
class SimulationResult:
    """A time course. ``frame`` has a ``time`` column and one column per selection; ``units``
    maps each column to its unit text. A failed run (``status=FAILED``) says why in ``message``."""

    frame: pd.DataFrame
    units: Mapping[str, str]
    status: Status = Status.OK
    message: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)

    def labelled(self) -> pd.DataFrame:
        """``frame`` with unit-labelled headers: ``time [h]``, ``[C] [mg/l]``."""
        return self.frame.rename(
            columns={c: f"{c} [{self.units.get(c, '?')}]" for c in self.frame.columns}
        )

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """Write CSV with unit-labelled headers (full float precision)."""
        return self.labelled().to_csv(path, index=False, float_format="%.17g")


def default_outputs(model: Model) -> tuple[str, ...]:
    """Each floating species as its rate laws see it: ``[S]`` unless amount-only."""
    return tuple(
        sid if info.has_only_substance_units else f"[{sid}]"
        for sid, info in model.species.items()
        if not info.boundary_condition
    )


def output_unit(model: Model, name: str, time_unit: ModelUnit) -> str:
    """The unit text of selection ``name`` (``[S]`` concentration, ``S`` amount, ``time``)."""
    if name == "time":
        return time_unit.text
    if name.startswith("[") and name.endswith("]"):
        return model.concentration_units.get(name[1:-1], ModelUnit.undeclared()).text
    if model.kind_of(name) == "reaction":
        extent = model.units.get("extent", ModelUnit.undeclared()).text
        return f"{extent}/{time_unit.text}"
    return model.units.get(name, ModelUnit.undeclared()).text


def _check_outputs(model: Model, outputs: Sequence[str]) -> None:
    known = [
        e.sid
        for e in model.elements
        if e.kind in ("species", "parameter", "compartment", "reaction")
    ]
    for name in outputs:
        if name == "time":
            clash = " (the model's element 'time' cannot be selected)" if "time" in known else ""
            raise SimulationError(f"'time' is always the first column{clash}", where="outputs")
        sid = name[1:-1] if name.startswith("[") and name.endswith("]") else name
        if name.startswith("[") and sid not in model.species:
            raise SimulationError(
                f"'{name}' asks for a concentration but '{sid}' is not a species",
                where="outputs",
                hint="brackets [S] are for species concentrations only",
            )
        if sid not in known:
            close = difflib.get_close_matches(sid, known, n=3)
            raise SimulationError(
                f"'{sid}' is not an id of the model",
                where="outputs",
                hint=f"did you mean {', '.join(close)}?"
                if close
                else "run 'sbmltwin info MODEL' for ids",
            )


def simulate(
    compiled: CompiledModel,
    params: Mapping[str, float] | None = None,
    regimen: Regimen | Sequence[DoseEvent] = (),
    *,
    end: float,
    points: int,
    start: float = 0.0,
    outputs: Sequence[str] | None = None,
    integrator: IntegratorSettings | None = None,
    default_target: str | Mapping[str, str] | None = None,
    molecular_weight: str | None = None,
    time_unit: ModelUnit | None = None,
    throw: bool = True,
) -> SimulationResult:
    """Reset ``compiled`` to its initial state with ``params`` applied, dose, and integrate.

    ``params`` are initial values in model units (species: amounts); initial assignments that
    depend on them are re-evaluated. Times are in model time units. Nothing is recompiled.
    With ``throw=False`` a failed integration returns ``status=FAILED`` instead of raising.
    """
    model = compiled.model
    tunit = time_unit or model.time_unit
    if not (math.isfinite(start) and math.isfinite(end) and end > start):
        raise SimulationError(f"end ({end}) must be after start ({start})", where="time span")
    if points < 2:
        raise SimulationError(f"need at least 2 output points, not {points}", where="points")
    check_span(start, end, tunit)
    selections = list(outputs) if outputs is not None else list(default_outputs(model))
    check_output_size(points, len(selections) + 1)
    _check_outputs(model, selections)
    if isinstance(regimen, Regimen):
        events = resolve_regimen(
            regimen,
            model,
            default_target=default_target,
            molecular_weight=molecular_weight,
            time_unit=tunit,
            end=end,
        )
    else:
        events = tuple(sorted(regimen, key=lambda e: e.time))
    if any(e.time < start for e in events):
        raise SimulationError("a dose falls before the simulation start", where="regimen")
    settings = integrator or IntegratorSettings()
    grid = np.linspace(start, end, points)
    columns = ["time", *selections]
    with compiled.lock:
        try:
            rr = _ready_instance(compiled, params or {})
            applied = _configure(rr, settings)
            data = _integrate(rr, columns, grid, events)
        except RuntimeError as err:
            message = " ".join(str(err).split())[:300]
            if throw:
                raise SimulationError(
                    f"integration failed: {message}",
                    where=model.source,
                    hint="try tighter tolerances or check the parameter values",
                ) from err
            data = np.full((points, len(columns)), np.nan)
            data[:, 0] = grid
            return _result(model, columns, data, tunit, Status.FAILED, message, applied)
    bad = ~np.isfinite(data)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        message = f"non-finite value in '{columns[col]}' at time {data[row, 0]:g}"
        if throw:
            raise SimulationError(
                message, where=model.source, hint="check parameters, doses and units"
            )
        return _result(model, columns, data, tunit, Status.FAILED, message, applied)
    return _result(model, columns, data, tunit, Status.OK, "", applied)


def _result(
    model: Model,
    columns: list[str],
    data: Any,
    tunit: ModelUnit,
    status: Status,
    message: str,
    applied: dict[str, Any],
) -> SimulationResult:
    frame = pd.DataFrame(data, columns=columns)
    units = {c: output_unit(model, c, tunit) for c in columns}
    return SimulationResult(frame, units, status, message, applied)


def _configure(rr: Any, settings: IntegratorSettings) -> dict[str, Any]:
    if rr.getIntegrator().getName() != "cvode":
        rr.setIntegrator("cvode")
    integ = rr.getIntegrator()
    if settings.absolute_tolerance is not None:
        integ.setValue("absolute_tolerance", settings.absolute_tolerance)
    else:
        integ.resetSettings()
    if settings.relative_tolerance is not None:
        integ.setValue("relative_tolerance", settings.relative_tolerance)
    if settings.maximum_num_steps is not None:
        integ.setValue("maximum_num_steps", settings.maximum_num_steps)
    integ.setValue("stiff", settings.stiff)
    integ.setValue("variable_step_size", False)  # output exactly on the requested grid
    return {
        "integrator": "cvode",
        "absolute_tolerance": float(integ.getValue("absolute_tolerance")),
        "relative_tolerance": float(integ.getValue("relative_tolerance")),
        "maximum_num_steps": int(integ.getValue("maximum_num_steps")),
        "stiff": bool(integ.getValue("stiff")),
    }


def _ready_instance(compiled: CompiledModel, params: Mapping[str, float]) -> Any:
    """A RoadRunner instance in its initial state with ``params`` applied.

    Normally the compiled instance, reset. libroadrunner 2.10 re-schedules delayed events whose
    trigger holds at t0 on every reset without clearing the ones already pending, so after a
    reset they fire twice (SBML Test Suite case 01757; ``tests/integration/test_engine_pk.py``).
    Models with delayed events therefore get a fresh instance per run instead: from
    libroadrunner's in-process compile cache when no value changes, or from SBML with the values
    written in (a compile per distinct parameter set; such models are rare in pharmacology).
    """
    check_params(compiled, params)
    if not compiled.has_delayed_events:
        _reset_with(compiled, params)
        return compiled.roadrunner
    import roadrunner

    sbml = compiled.model.sbml if not params else _sbml_with_values(compiled.model, params)
    return roadrunner.RoadRunner(sbml)


def check_params(compiled: CompiledModel, params: Mapping[str, float]) -> None:
    for sid, value in params.items():
        if sid not in compiled.initial_values:
            close = difflib.get_close_matches(sid, sorted(compiled.initial_values), n=3)
            raise SimulationError(
                f"'{sid}' is not a settable parameter, species or compartment of the model",
                where=compiled.model.source,
                hint=f"did you mean {', '.join(close)}?" if close else "run 'sbmltwin info MODEL'",
            )
        if not math.isfinite(value):
            raise SimulationError(
                f"value {value!r} for '{sid}' is not finite", where=compiled.model.source
            )


def _sbml_with_values(model: Model, params: Mapping[str, float]) -> str:
    """SBML text with initial values replaced (species values are amounts)."""
    import libsbml

    doc = model.document()
    m = doc.getModel()
    for sid, value in params.items():
        if (p := m.getParameter(sid)) is not None:
            code = p.setValue(value)
        elif (c := m.getCompartment(sid)) is not None:
            code = c.setSize(value)
        elif (s := m.getSpecies(sid)) is not None:
            s.unsetInitialConcentration()
            code = s.setInitialAmount(value)
        else:
            raise SimulationError(f"'{sid}' cannot be given a value", where=model.source)
        if code != libsbml.LIBSBML_OPERATION_SUCCESS:
            raise SimulationError(f"libsbml could not set '{sid}'", where=model.source)
        if (ia := m.getInitialAssignment(sid)) is not None:
            ia.removeFromParentAndDelete()
    return str(libsbml.writeSBMLToString(doc))


def _reset_with(compiled: CompiledModel, params: Mapping[str, float]) -> None:
    """Set initial values and reset, through the model object.

    ``RoadRunner.setValue("init(p)")`` costs 5–30 ms per call in libroadrunner 2.10;
    ``rr.model.setValue`` costs microseconds and re-evaluates dependent initial assignments on
    reset too, but leaves species whose initial *concentration* is given at their old amount
    when their compartment's size changes. Those are set back to their initial concentration
    after the reset, which is what the slow path does (tested against it).
    """
    rr = compiled.roadrunner
    model = rr.model
    changed = bool(compiled.touched) or bool(params)
    for sid in compiled.touched - set(params):
        model.setValue(f"init({sid})", compiled.initial_values[sid])
    compiled.touched.clear()
    for sid, value in params.items():
        model.setValue(f"init({sid})", float(value))
        compiled.touched.add(sid)
    rr.resetAll()
    if changed:
        for sid, conc in compiled.initial_concentrations.items():
            if sid not in params:
                model.setValue(f"[{sid}]", conc)


@dataclass(frozen=True)
class _Segment:
    """Integrate from ``times[0]`` (after applying ``doses``) to ``times[-1]``, writing result
    rows ``rows`` into output rows ``mask`` (both contiguous: slices)."""

    doses: tuple[DoseEvent, ...]
    times: Any
    mask: slice
    rows: slice
    options: Any = None


def _segments(
    grid: Any, events: Sequence[DoseEvent]
) -> tuple[list[_Segment], tuple[DoseEvent, ...]]:
    """The integration plan of ``grid`` with doses at ``events``: one segment per stretch
    between dose times, and the doses at the end time (applied after the last segment)."""
    start, end = float(grid[0]), float(grid[-1])
    stops = sorted({start, end} | {e.time for e in events if e.time <= end})
    by_time: dict[float, list[DoseEvent]] = {}
    for e in events:
        by_time.setdefault(e.time, []).append(e)
    out = []
    for a, b in itertools.pairwise(stops):
        last = b == end
        # the grid is increasing, so the rows of [a, b) (or [a, b]) are a contiguous run
        lo = int(np.searchsorted(grid, a, side="left"))
        hi = int(np.searchsorted(grid, b, side="right" if last else "left"))
        inner = grid[lo:hi]
        inner = inner[(inner > a) & (inner < b)]
        times = np.concatenate(([a], inner, [b]))
        first = 0 if lo < len(grid) and grid[lo] == a else 1
        rows = slice(first, len(inner) + 1 + (1 if last else 0))
        out.append(_Segment(tuple(by_time.get(a, ())), times, slice(lo, hi), rows))
    return out, tuple(by_time.get(end, ()))


def _with_options(rr: Any, segments: list[_Segment]) -> list[_Segment]:
    """``segments`` with libroadrunner ``SimulateOptions`` built once (to reuse per run)."""
    import roadrunner

    out = []
    for seg in segments:
        options = roadrunner.SimulateOptions()
        rr._setSimulateOptionsTimes(options, [float(x) for x in seg.times])
        out.append(_Segment(seg.doses, seg.times, seg.mask, seg.rows, options))
    return out


def _run_segments(
    rr: Any, segments: list[_Segment], end_doses: Sequence[DoseEvent], out: Any
) -> Any:
    """Run a plan from :func:`_segments` on a ready instance, filling ``out`` (not column 0).

    What ``rr.simulate(times=...)`` does per segment, without its Python wrapper (which only
    checks arguments and builds the same options): ``RoadRunner._simulate(options)``.
    CVODE's console messages are counted, not printed (:mod:`sbmltwin.engine.solver_log`).
    """
    with capture_solver_output():
        for seg in segments:
            _apply(rr, seg.doses)
            options = seg.options
            if options is None:
                data = np.asarray(rr.simulate(times=seg.times))
            else:
                data = np.asarray(rr._simulate(options))
            out[seg.mask] = data[seg.rows]
        if end_doses:
            _apply(rr, end_doses)
            out[-1] = np.asarray(rr.getSelectedValues())
    return out


def _integrate(rr: Any, columns: list[str], grid: Any, events: Sequence[DoseEvent]) -> Any:
    """Integrate segment by segment between dose times, filling the output grid."""
    rr.timeCourseSelections = columns
    segments, end_doses = _segments(grid, events)
    out = _run_segments(
        rr, _with_options(rr, segments), end_doses, np.empty((len(grid), len(columns)))
    )
    out[:, 0] = grid
    return out


def _apply(rr: Any, events: Sequence[DoseEvent]) -> None:
    # the model's own get/setValue: what RoadRunner.get/setValue do for an id, without the
    # Python wrapper's selection parsing (about 6 µs per dose)
    model = rr.model
    for e in events:
        model.setValue(e.target, model.getValue(e.target) + e.amount)
