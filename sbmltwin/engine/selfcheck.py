"""Numerical self-check: re-run on a finer grid with tighter tolerances and report the change.

Grid-dependent event timing (``time == t`` triggers, events between output points) and loose
tolerances show up as a large relative change instead of hiding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sbmltwin.engine.simulate import IntegratorSettings, SimulationResult

__all__ = ["SelfCheck", "self_check"]

_DEFAULT_RTOL, _DEFAULT_ATOL = 1e-6, 1e-12  # libroadrunner's CVODE defaults


@dataclass(frozen=True, slots=True)
class SelfCheck:
    """Largest relative change of any output at any original grid point, and where."""

    max_relative_change: float
    column: str
    time: float
    refine: int
    tighten: float

    def __str__(self) -> str:
        return (
            f"self-check: largest relative change {self.max_relative_change:.3g} in '{self.column}' at "
            f"t={self.time:g} (grid ×{self.refine}, tolerances ÷{self.tighten:g})"
        )


def self_check(
    run: Callable[[int, IntegratorSettings], SimulationResult],
    result: SimulationResult,
    integrator: IntegratorSettings | None,
    *,
    refine: int = 4,
    tighten: float = 100.0,
) -> SelfCheck:
    """Compare ``result`` with ``run(points × refine, tolerances ÷ tighten)``.

    ``run(points, integrator)`` must repeat the original simulation with only those changed.
    The relative change of a value is |a − b| / max(|b|, 1e-9 · max|column|, 1e-300).
    """
    base = integrator or IntegratorSettings()
    rtol = (base.relative_tolerance or _DEFAULT_RTOL) / tighten
    atol = (base.absolute_tolerance or _DEFAULT_ATOL) / tighten
    finer = IntegratorSettings(
        absolute_tolerance=max(atol, 1e-300),
        relative_tolerance=max(rtol, 1e-14),
        maximum_num_steps=base.maximum_num_steps,
        stiff=base.stiff,
    )
    points = len(result.frame)
    fine = run((points - 1) * refine + 1, finer)
    a = result.frame.to_numpy()
    b = fine.frame.to_numpy()[::refine]
    worst, column, time = 0.0, "", float(a[0, 0]) if len(a) else 0.0
    for j, name in enumerate(result.frame.columns):
        if name == "time":
            continue
        col_a, col_b = a[:, j], b[:, j]
        finite = np.isfinite(col_a) & np.isfinite(col_b)
        if not finite.any():
            continue
        scale = max(float(np.max(np.abs(col_b[finite]))) * 1e-9, 1e-300)
        rel = np.abs(col_a - col_b) / np.maximum(np.abs(col_b), scale)
        rel[~finite] = np.where(np.isnan(col_a[~finite]) == np.isnan(col_b[~finite]), 0.0, np.inf)
        k = int(np.argmax(rel))
        if rel[k] > worst or not column:
            worst, column, time = float(rel[k]), str(name), float(a[k, 0])
    return SelfCheck(worst, column, time, refine, tighten)
