"""Outputs in the units the user asks for.

An output request is a selection with an optional unit, ``"[C_plasma] [ng/mL]"``, or the name of
a bindings output (``[outputs] plasma = { id = "[C_plasma]", unit = "ng/mL" }``), optionally
with a unit that overrides the bindings' (``"plasma [µg/L]"``). Values are simulated in model
units and converted with pint (:func:`sbmltwin.units.to_model_units`, the one conversion rule);
mass ↔ amount of substance needs the output's molecular weight: the bindings output's
``molecular_weight`` (named outputs, and selections with the same id), else the one the user
gives for the run (``--mw``); never the dose's molecular weight from the bindings, which is a
metabolite's wrong one. The time column converts with ``time_unit_out``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sbmltwin.engine.simulate import SimulationResult
from sbmltwin.errors import UnitError
from sbmltwin.model import Model
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

__all__ = ["OutputRequest", "convert_result", "output_factor", "parse_output_requests"]

_WITH_UNIT = re.compile(r"^(?P<sel>.+?)\s*\[(?P<unit>[^\[\]]*)\]$")


@dataclass(frozen=True, slots=True)
class OutputRequest:
    """One output column: its ``name`` in results, the ``selection`` simulated (``[S]``, ``S``
    or an id), the ``unit`` wanted (None: the model's) and the molecular weight for mass ↔
    substance."""

    name: str
    selection: str
    unit: str | None = None
    molecular_weight: str | None = None


def parse_output_requests(
    items: Sequence[str],
    *,
    named: Mapping[str, Any] | None = None,
    molecular_weight: str | None = None,
) -> tuple[OutputRequest, ...]:
    """Read ``--select``/``--output-id`` items. ``named`` are the bindings' outputs (objects
    with ``id``, ``unit`` and ``molecular_weight``)."""
    named = named or {}
    by_id = {spec.id: spec for spec in named.values()}
    out = []
    for raw in items:
        text = raw.strip()
        unit: str | None = None
        m = _WITH_UNIT.match(text)
        # "[S]" alone is a selection; "[S] [unit]" and "name [unit]" carry a unit
        if m and not (text.startswith("[") and text.count("[") == 1):
            text, unit = m["sel"].strip(), m["unit"].strip() or None
        if text in named:
            spec = named[text]
            out.append(
                OutputRequest(
                    text, spec.id, unit or spec.unit, spec.molecular_weight or molecular_weight
                )
            )
            continue
        spec = by_id.get(text)
        mw = (spec.molecular_weight if spec is not None else None) or molecular_weight
        out.append(OutputRequest(text, text, unit, mw))
    return tuple(out)


def selection_unit(model: Model, selection: str) -> ModelUnit:
    """The model unit of a selection (``[S]`` concentration, ``S`` amount, an id's unit)."""
    if selection.startswith("[") and selection.endswith("]"):
        return model.concentration_units.get(selection[1:-1], ModelUnit.undeclared())
    return model.units.get(selection, ModelUnit.undeclared())


def output_factor(
    model_unit: ModelUnit, unit: str, *, molecular_weight: str | None = None, where: str
) -> float:
    """Values in ``unit`` per value in ``model_unit`` (conversions are linear)."""
    if model_unit.expr is None:
        raise UnitError(
            f"the model declares no unit for this output, so it cannot be given in {unit}",
            where=where,
            hint="leave the unit out (model units), or declare units in the SBML",
        )
    per = to_model_units(
        parse_quantity(f"1 {unit}", where=where),
        model_unit,
        molecular_weight=molecular_weight,
        where=where,
    )
    return 1.0 / per


def convert_result(
    result: SimulationResult,
    model: Model,
    requests: Sequence[OutputRequest],
    *,
    time_unit: ModelUnit,
    time_unit_out: str | None = None,
) -> SimulationResult:
    """``result`` with each requested column renamed to its name and converted to its unit,
    and the time column to ``time_unit_out``."""
    import pandas as pd

    source = result.frame
    units: dict[str, str] = {"time": result.units.get("time", time_unit.text)}
    columns: dict[str, Any] = {"time": source["time"]}
    if time_unit_out:
        f = output_factor(time_unit, time_unit_out, where="--time-unit-out")
        columns["time"] = source["time"] * f
        units["time"] = time_unit_out
    chosen = list(requests) or [OutputRequest(c, c) for c in source.columns if c != "time"]
    for r in chosen:
        values = source[r.selection]
        unit = result.units.get(r.selection, "?")
        if r.unit is not None:
            f = output_factor(
                selection_unit(model, r.selection),
                r.unit,
                molecular_weight=r.molecular_weight,
                where=f"output {r.name!r}",
            )
            values, unit = values * f, r.unit
        name = r.name if r.name not in columns else f"{r.name} ({unit})"
        columns[name] = values
        units[name] = unit
    frame = pd.DataFrame(columns)
    return SimulationResult(frame, units, result.status, result.message, result.settings)
