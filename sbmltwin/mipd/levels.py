"""Measured drug levels (CSV) for fitting a twin: read strictly, converted to model units.

Columns (header required; extra columns are refused)::

    time,output,value,unit[,blq][,lloq][,molecular_weight]
    2 h,dextromethorphan,12.5,ng/mL,,,
    8 h,dextromethorphan,,ng/mL,1,0.5,271.4 g/mol

* ``time``: a quantity with a unit (``2 h``, ``90 min``), on the clock of the doses.
* ``output``: an output name from the bindings' ``[outputs]`` or a selection (``[C_plasma]``).
* ``value``/``unit``: the measured concentration; converted with pint to the output's model unit
  (mass ↔ amount with ``molecular_weight``).
* ``blq``: 1/true when the sample was below the limit of quantification; it then needs ``lloq``
  (in ``unit``) and its ``value`` is ignored (M3 likelihood: P(C < LLOQ)).

Every refusal is a :class:`~sbmltwin.errors.LevelsError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sbmltwin.errors import LevelsError, UnitError
from sbmltwin.model import Model
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

__all__ = ["Level", "Levels", "OutputRef", "load_levels", "parse_levels"]

_REQUIRED = ("time", "output", "value", "unit")
_OPTIONAL = ("blq", "lloq", "molecular_weight")
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"", "0", "false", "no", "n"}
_MAX_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class OutputRef:
    """An output a level may name: its selection (``[C]``) and the model unit it is in."""

    name: str
    selection: str
    unit: ModelUnit


@dataclass(frozen=True, slots=True)
class Level:
    """One sample, in model units: ``time`` (model time), ``value`` (the output's model unit)."""

    line: int
    time: float
    output: str
    selection: str
    value: float
    blq: bool = False
    lloq: float | None = None


@dataclass(frozen=True)
class Levels:
    """The samples of one patient, sorted by time."""

    rows: tuple[Level, ...]
    source: str
    units: Mapping[str, str]  # output name -> model unit text

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(sorted({r.output for r in self.rows}))

    @property
    def selections(self) -> tuple[str, ...]:
        return tuple(sorted({r.selection for r in self.rows}))


def output_refs(model: Model, named: Mapping[str, str]) -> dict[str, OutputRef]:
    """Output name → :class:`OutputRef`, from ``{name: selection}`` (the bindings' outputs)."""
    refs = {}
    for name, sel in named.items():
        sid = sel[1:-1] if sel.startswith("[") and sel.endswith("]") else sel
        if sel.startswith("["):
            unit = model.concentration_units.get(sid, ModelUnit.undeclared())
        else:
            unit = model.units.get(sid, ModelUnit.undeclared())
        refs[name] = OutputRef(name, sel, unit)
    return refs


def load_levels(
    path: str | Path,
    model: Model,
    outputs: Mapping[str, str],
    *,
    first_dose: float,
) -> Levels:
    """Read ``path`` (see the module docstring). ``outputs`` maps output names to selections;
    ``first_dose`` is the time of the first dose (model time): earlier samples are refused."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LevelsError("no such file", where=str(p), hint="check the --levels path") from None
    except (OSError, UnicodeDecodeError) as err:
        raise LevelsError(f"cannot read the levels: {err}", where=str(p)) from err
    return parse_levels(text, model, outputs, first_dose=first_dose, source=str(p))


def parse_levels(
    text: str,
    model: Model,
    outputs: Mapping[str, str],
    *,
    first_dose: float,
    source: str = "<levels>",
) -> Levels:
    """Parse levels CSV ``text``; see :func:`load_levels`."""
    refs = output_refs(model, outputs)
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise LevelsError("the file is empty", where=source, hint=_hint()) from None
    except csv.Error as err:
        raise LevelsError(f"not valid CSV: {err}", where=source) from err
    missing = [c for c in _REQUIRED if c not in header]
    unknown = [c for c in header if c not in _REQUIRED + _OPTIONAL]
    if missing or unknown or len(set(header)) != len(header):
        what = (
            f"missing column(s) {', '.join(missing)}"
            if missing
            else f"unknown column(s) {', '.join(unknown)}"
            if unknown
            else "a column is named twice"
        )
        raise LevelsError(what, where=f"{source} line 1", hint=_hint())
    rows: list[Level] = []
    tunit = model.time_unit
    try:
        for n, raw in enumerate(reader, start=2):
            if not any(c.strip() for c in raw):
                continue
            if len(rows) >= _MAX_ROWS:
                raise LevelsError(f"more than {_MAX_ROWS} rows", where=source)
            if len(raw) != len(header):
                raise LevelsError(
                    f"{len(raw)} cells for {len(header)} columns", where=f"{source} line {n}"
                )
            cells = {h: c.strip() for h, c in zip(header, raw, strict=True)}
            rows.append(_row(cells, n, refs, tunit, first_dose, source))
    except csv.Error as err:
        raise LevelsError(f"not valid CSV: {err}", where=source) from err
    if not rows:
        raise LevelsError("no levels in the file", where=source, hint=_hint())
    units = {r.output: refs[r.output].unit.text for r in rows}
    return Levels(tuple(sorted(rows, key=lambda r: (r.time, r.output))), source, units)


def _hint() -> str:
    return "columns: time,output,value,unit[,blq][,lloq][,molecular_weight]"


def _row(
    cells: Mapping[str, str],
    n: int,
    refs: Mapping[str, OutputRef],
    tunit: ModelUnit,
    first_dose: float,
    source: str,
) -> Level:
    where = f"{source} line {n}"
    name = cells["output"]
    ref = refs.get(name)
    if ref is None:
        known = ", ".join(sorted(refs)) or "(the bindings name no outputs)"
        raise LevelsError(
            f"unknown output {name!r}", where=f"{where} 'output'", hint=f"known outputs: {known}"
        )
    try:
        tq = parse_quantity(cells["time"], where=f"{where} 'time'")
    except UnitError as err:
        raise LevelsError(err.what, where=f"{where} 'time'", hint=err.hint) from None
    if tq.unitless:
        raise LevelsError(
            f"time {cells['time']!r} has no unit", where=f"{where} 'time'", hint="e.g. '2 h'"
        )
    time = _convert(tq, tunit, None, f"{where} 'time'")
    if time < first_dose:
        raise LevelsError(
            f"sample at {cells['time']} is before the first dose",
            where=f"{where} 'time'",
            hint="times are on the clock of the doses (the first dose is at "
            f"{first_dose:g} {tunit.text})",
        )
    mw = cells.get("molecular_weight") or None
    blq_text = cells.get("blq", "").lower()
    if blq_text not in _TRUE | _FALSE:
        raise LevelsError(f"blq = {cells['blq']!r} is not 0/1", where=f"{where} 'blq'")
    blq = blq_text in _TRUE
    unit = cells["unit"]
    if not unit:
        raise LevelsError("no unit", where=f"{where} 'unit'", hint="e.g. 'ng/mL' or 'µmol/L'")
    lloq = None
    if cells.get("lloq"):
        lloq = _value(cells["lloq"], unit, ref, mw, f"{where} 'lloq'")
        if lloq <= 0:
            raise LevelsError(f"lloq {cells['lloq']} must be positive", where=f"{where} 'lloq'")
    if blq:
        if lloq is None:
            raise LevelsError(
                "a BLQ sample needs its LLOQ",
                where=f"{where} 'lloq'",
                hint="give the assay's lower limit of quantification in the 'lloq' column",
            )
        return Level(n, time, name, ref.selection, math.nan, True, lloq)
    if not cells["value"]:
        raise LevelsError(
            "no value", where=f"{where} 'value'", hint="give the value, or blq = 1 with its lloq"
        )
    value = _value(cells["value"], unit, ref, mw, f"{where} 'value'")
    if value < 0:
        raise LevelsError(
            f"value {cells['value']} is negative",
            where=f"{where} 'value'",
            hint="a concentration cannot be negative; a sample below the LLOQ is blq = 1",
        )
    return Level(n, time, name, ref.selection, value, False, lloq)


def _value(text: str, unit: str, ref: OutputRef, mw: str | None, where: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise LevelsError(f"{text!r} is not a number", where=where) from None
    if not math.isfinite(number):
        raise LevelsError(f"{text!r} is not a finite number", where=where)
    try:
        q = parse_quantity(f"{number!r} {unit}", where=where)
    except UnitError as err:
        raise LevelsError(err.what, where=where, hint=err.hint) from None
    if q.unitless:
        raise LevelsError(f"unit {unit!r} is not a concentration unit", where=where)
    return _convert(q, ref.unit, mw, where)


def _convert(q: object, unit: ModelUnit, mw: str | None, where: str) -> float:
    try:
        return to_model_units(q, unit, molecular_weight=mw, where=where)  # type: ignore[arg-type]
    except UnitError as err:
        raise LevelsError(err.what, where=where, hint=err.hint) from None
