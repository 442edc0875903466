"""Bounds on the work one simulation may ask for, so that a typo cannot hang or exhaust a run.

Each limit has a default that real pharmacology runs stay far below, and an environment
variable to raise it (README, "Limits"):

* ``SBMLTWIN_MAX_DOSES`` (10,000): dose events in one run, counted before they are expanded
  (``every 1e-9 h x1000000`` is refused at once, not after building a million events);
* ``SBMLTWIN_MAX_OUTPUT_CELLS`` (20,000,000): output rows × columns (160 MB of float64);
* ``SBMLTWIN_MAX_SPAN_YEARS`` (200): the simulated span (end − start) in years when the model
  declares its time unit; for models without one, 10⁹ model time units.

Doses after the end time are not generated (they could not change the output).
"""

from __future__ import annotations

import os

from sbmltwin.errors import DosingError, SimulationError, UnitError
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

__all__ = ["check_dose_count", "check_output_size", "check_span", "max_doses"]

_UNDECLARED_SPAN = 1e9


def _env(name: str, default: float) -> float:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SimulationError(
            f"{name}={text!r} is not a number", hint=f"e.g. {name}={default:g}"
        ) from None
    if not value > 0:
        raise SimulationError(f"{name} must be positive, not {text}")
    return value


def max_doses() -> int:
    return int(_env("SBMLTWIN_MAX_DOSES", 10_000))


def check_dose_count(count: int, *, where: str) -> None:
    """Refuse ``count`` dose events above ``SBMLTWIN_MAX_DOSES``."""
    limit = max_doses()
    if count > limit:
        raise DosingError(
            f"{count} doses are more than the limit of {limit} per run",
            where=where,
            hint="check the 'xN' count, or raise SBMLTWIN_MAX_DOSES",
        )


def check_output_size(rows: int, columns: int) -> None:
    """Refuse outputs above ``SBMLTWIN_MAX_OUTPUT_CELLS`` rows × columns."""
    limit = int(_env("SBMLTWIN_MAX_OUTPUT_CELLS", 20_000_000))
    if rows * columns > limit:
        raise SimulationError(
            f"{rows} points × {columns} columns = {rows * columns} values, above the limit "
            f"of {limit}",
            where="points",
            hint="ask for fewer points or outputs, or raise SBMLTWIN_MAX_OUTPUT_CELLS",
        )


def check_span(start: float, end: float, time_unit: ModelUnit) -> None:
    """Refuse a simulated span longer than ``SBMLTWIN_MAX_SPAN_YEARS`` (or 10⁹ model time
    units when the model declares no time unit)."""
    years = _env("SBMLTWIN_MAX_SPAN_YEARS", 200)
    limit, text = _UNDECLARED_SPAN, f"{_UNDECLARED_SPAN:g} model time units"
    if time_unit.declared and time_unit.expr is not None:
        try:
            limit = to_model_units(parse_quantity(f"{years} year"), time_unit)
            text = f"{years:g} years"
        except UnitError:
            pass
    if end - start > limit:
        raise SimulationError(
            f"the simulated span {end - start:g} (model time, {time_unit.text}) is longer "
            f"than {text}",
            where="--end",
            hint="check the end time and its unit, or raise SBMLTWIN_MAX_SPAN_YEARS",
        )
