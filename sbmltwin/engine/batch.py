"""Simulate one compiled model for many parameter sets in a row (a cohort chunk).

:func:`sbmltwin.engine.simulate` does everything a single run needs: it checks the outputs and
the parameters, configures the integrator, sets the selections, plans the dose segments,
returns a pandas frame with units. Per run of a small model that costs about as much as
libroadrunner's own integration. :class:`BatchSimulator` does all of that once per chunk and
then, per run, only what changes: the initial values (set through precomputed ``init(id)``
keys), ``resetAll``, the doses and one ``RoadRunner._simulate`` call per dose segment with
prebuilt ``SimulateOptions``. Each run gives exactly (bit for bit) what
``simulate(compiled, dict(zip(ids, values)), events, ...)`` gives; this is tested.

The batch holds the compiled model's lock from ``__enter__`` to ``__exit__``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from sbmltwin.engine.compile import CompiledModel
from sbmltwin.engine.dosing import DoseEvent
from sbmltwin.engine.simulate import (
    IntegratorSettings,
    _check_outputs,
    _configure,
    _ready_instance,
    _run_segments,
    _Segment,
    _segments,
    _with_options,
    check_params,
)
from sbmltwin.errors import SimulationError

__all__ = ["BatchSimulator"]


class BatchSimulator:
    """Runs of ``compiled`` that differ only in the initial values of ``ids``::

        with BatchSimulator(compiled, ["CL"], events, grid=grid, outputs=["[C]"]) as batch:
            data, message = batch.run(np.array([5.0]))

    ``run`` returns the (points × (1 + outputs)) array, time first, and ``""``; or, when the
    integration fails or gives a non-finite value, the array (NaN where nothing was computed)
    and libroadrunner's message (what ``simulate(..., throw=False)`` puts in ``message``).
    """

    def __init__(
        self,
        compiled: CompiledModel,
        ids: Sequence[str],
        events: Sequence[DoseEvent],
        *,
        grid: npt.ArrayLike,
        outputs: Sequence[str],
        integrator: IntegratorSettings | None = None,
    ) -> None:
        self.compiled = compiled
        self.ids = tuple(ids)
        self.grid = np.asarray(grid, dtype=float)
        if self.grid.ndim != 1 or len(self.grid) < 2 or np.any(np.diff(self.grid) <= 0):
            raise SimulationError("the output grid must have ≥ 2 increasing times")
        self.events = tuple(sorted(events, key=lambda e: e.time))
        if any(e.time < self.grid[0] for e in self.events):
            raise SimulationError("a dose falls before the simulation start", where="regimen")
        _check_outputs(compiled.model, outputs)
        check_params(compiled, dict.fromkeys(self.ids, 1.0))
        self.columns = ["time", *outputs]
        self.settings = integrator or IntegratorSettings()
        self._segments: list[_Segment] = []
        self._end_doses: tuple[DoseEvent, ...] = ()
        self._keys = [f"init({sid})" for sid in self.ids]
        self._delayed = compiled.has_delayed_events
        self._restore = False
        rr = compiled.roadrunner
        floating = {sid: i for i, sid in enumerate(rr.model.getFloatingSpeciesIds())}
        conc = {s: c for s, c in compiled.initial_concentrations.items() if s not in self.ids}
        self._conc_index = np.array([floating[s] for s in conc if s in floating], dtype=np.int32)
        self._conc_values = np.array([c for s, c in conc.items() if s in floating], dtype=float)
        self._conc_other = [(f"[{s}]", c) for s, c in conc.items() if s not in floating]

    def __enter__(self) -> BatchSimulator:
        compiled = self.compiled
        compiled.lock.acquire()
        try:
            rr = compiled.roadrunner
            model = rr.model
            # what _reset_with would restore on the first run
            self._restore = bool(compiled.touched) or bool(self.ids)
            for sid in compiled.touched - set(self.ids):
                model.setValue(f"init({sid})", compiled.initial_values[sid])
            compiled.touched.clear()
            compiled.touched.update(self.ids)
            _configure(rr, self.settings)
            rr.timeCourseSelections = self.columns
            segments, self._end_doses = _segments(self.grid, self.events)
            self._segments = segments if self._delayed else _with_options(rr, segments)
        except BaseException:
            compiled.lock.release()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.compiled.lock.release()

    def run(self, values: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], str]:
        """One run with ``ids`` set to ``values``; see the class docstring."""
        for sid, value in zip(self.ids, values.tolist(), strict=True):
            if not math.isfinite(value):
                raise SimulationError(
                    f"value {value!r} for '{sid}' is not finite",
                    where=self.compiled.model.source,
                )
        out = np.full((len(self.grid), len(self.columns)), math.nan)
        try:
            rr = self._ready(values)
            _run_segments(rr, self._segments, self._end_doses, out)
        except RuntimeError as err:
            out[:, 0] = self.grid
            return out, " ".join(str(err).split())[:300]
        out[:, 0] = self.grid
        bad = ~np.isfinite(out)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            return out, f"non-finite value in '{self.columns[col]}' at time {out[row, 0]:g}"
        return out, ""

    def run_grid(
        self, values: npt.NDArray[np.float64], grid: npt.ArrayLike, outputs: Sequence[str]
    ) -> npt.NDArray[np.float64]:
        """One run on another grid and selection (e.g. a zoom around a peak); raises
        ``RuntimeError`` as libroadrunner does. The batch's own grid and selection stay."""
        times = np.asarray(grid, dtype=float)
        columns = ["time", *outputs]
        rr = self._ready(values)
        rr.timeCourseSelections = columns
        try:
            segments, end_doses = _segments(times, self.events)
            out = np.full((len(times), len(columns)), math.nan)
            _run_segments(rr, segments, end_doses, out)
        finally:
            rr.timeCourseSelections = self.columns
        out[:, 0] = times
        return out

    def _ready(self, values: npt.NDArray[np.float64]) -> Any:
        """The instance in its initial state with ``values`` applied (as ``_reset_with``)."""
        if self._delayed:
            rr = _ready_instance(
                self.compiled, dict(zip(self.ids, map(float, values), strict=True))
            )
            _configure(rr, self.settings)
            rr.timeCourseSelections = self.columns
            return rr
        rr = self.compiled.roadrunner
        model = rr.model
        for key, value in zip(self._keys, values, strict=True):
            model.setValue(key, float(value))
        rr.resetAll()
        if self._restore:
            if len(self._conc_index):
                model.setFloatingSpeciesConcentrations(self._conc_index, self._conc_values)
            for key, conc in self._conc_other:
                model.setValue(key, conc)
        return rr
