"""SBML unit definitions → :class:`~sbmltwin.units.ModelUnit` (pint-backed).

Each SBML ``<unitDefinition>`` is a product of ``(multiplier · 10^scale · kind)^exponent``
(SBML L3V2 §4.4). We rebuild it as a pint quantity (for conversion) and a short, pint-parseable
text (``mg/l``, ``1/h``, ``µmol``) for people. Level 2 models get the built-in defaults of their
specification (substance = mole, volume = litre, time = second …); Level 3 models have no defaults,
and an undeclared unit stays undeclared (``?``) rather than being guessed.
"""

from __future__ import annotations

import math
from typing import Any

import libsbml

from sbmltwin.units import DIMENSIONLESS, Q_, SBML_UNIT_KINDS, ModelUnit

__all__ = ["divide", "model_default_units", "unit_from_definition", "unit_from_reference"]

_SYMBOLS = {
    "gram": "g",
    "kilogram": "kg",
    "litre": "l",
    "liter": "l",
    "mole": "mol",
    "second": "s",
    "metre": "m",
    "meter": "m",
    "dimensionless": "",
    "item": "item",
    "avogadro": "avogadro",
    "kelvin": "K",
    "celsius": "K",
    "ampere": "A",
    "katal": "kat",
    "joule": "J",
    "hertz": "Hz",
    "pascal": "Pa",
    "volt": "V",
    "watt": "W",
}
_PREFIXES = {-15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", -2: "c", -1: "d", 3: "k", 6: "M"}
_TIME_NAMES = {60.0: "min", 3600.0: "h", 86400.0: "d", 604800.0: "week"}


def _component_text(kind: str, multiplier: float, scale: int) -> str:
    symbol = _SYMBOLS.get(kind, kind)
    factor = multiplier * 10.0**scale
    if math.isclose(factor, 1.0, rel_tol=1e-12):
        return symbol
    if kind == "second":
        for seconds, name in _TIME_NAMES.items():
            if math.isclose(factor, seconds, rel_tol=1e-12):
                return name
    if kind == "gram" and math.isclose(factor, 1000.0, rel_tol=1e-12):
        return "kg"
    if math.isclose(multiplier, 1.0, rel_tol=1e-12) and scale in _PREFIXES and symbol:
        return _PREFIXES[scale] + symbol
    return f"({factor:g} {symbol or '1'})"


def _join(num: list[str], den: list[str]) -> str:
    top = "*".join(num) if num else "1"
    if not den:
        return top
    bottom = den[0] if len(den) == 1 else "(" + "*".join(den) + ")"
    return f"{top}/{bottom}"


def _power(text: str, exponent: float) -> str:
    e = abs(exponent)
    if e == 1:
        return text
    return f"{text}^{e:g}" if float(e).is_integer() else f"{text}^({e:g})"


def unit_from_definition(ud: Any) -> ModelUnit:
    """A ``libsbml.UnitDefinition`` as a :class:`ModelUnit`."""
    quantity: Any = Q_("1 dimensionless")
    num: list[str] = []
    den: list[str] = []
    for i in range(ud.getNumUnits()):
        unit = ud.getUnit(i)
        kind = libsbml.UnitKind_toString(unit.getKind())
        if kind not in SBML_UNIT_KINDS:
            return ModelUnit(f"?{kind}", None)
        exponent = unit.getExponentAsDouble()
        multiplier = unit.getMultiplier()
        scale = unit.getScale()
        if not all(math.isfinite(x) for x in (exponent, multiplier)):
            return ModelUnit.undeclared()
        quantity = quantity * (multiplier * 10.0**scale * Q_(SBML_UNIT_KINDS[kind])) ** exponent
        text = _component_text(kind, multiplier, scale)
        if not text:
            continue
        (num if exponent > 0 else den).append(_power(text, exponent))
    return _from_quantity(_join(num, den), quantity)


def _from_quantity(text: str, quantity: Any) -> ModelUnit:
    magnitude = float(quantity.magnitude)
    units = str(quantity.units)
    return ModelUnit(text, f"{magnitude!r} {units}")


def _base_kind(kind: str) -> ModelUnit:
    symbol = _SYMBOLS.get(kind, kind)
    if kind == "dimensionless":
        return DIMENSIONLESS
    return ModelUnit(symbol, SBML_UNIT_KINDS[kind])


_L2_BUILTINS = {
    "substance": "mole",
    "volume": "litre",
    "area": None,
    "length": "metre",
    "time": "second",
}


def unit_from_reference(model: Any, ref: str) -> ModelUnit:
    """Resolve a ``units``-style attribute: a unitDefinition id, a base kind, or an L2 built-in."""
    if not ref:
        return ModelUnit.undeclared()
    ud = model.getUnitDefinition(ref)
    if ud is not None:
        return unit_from_definition(ud)
    if ref in SBML_UNIT_KINDS:
        return _base_kind(ref)
    if model.getLevel() < 3 and ref in _L2_BUILTINS:
        if ref == "area":
            return ModelUnit("m^2", "1 metre**2")
        return _base_kind(_L2_BUILTINS[ref] or "dimensionless")
    return ModelUnit(f"?{ref}", None)


def model_default_units(model: Any) -> dict[str, ModelUnit]:
    """The model-wide units: ``substance``, ``time``, ``volume``, ``area``, ``length``, ``extent``.

    Level 2 uses the specification's defaults (overridable by unitDefinitions of those ids);
    Level 3 uses the model's attributes and leaves unset ones undeclared.
    """
    out: dict[str, ModelUnit] = {}
    if model.getLevel() < 3:
        for name in ("substance", "time", "volume", "area", "length"):
            out[name] = unit_from_reference(model, name)
        out["extent"] = out["substance"]
        return out
    attrs = {
        "substance": model.getSubstanceUnits(),
        "time": model.getTimeUnits(),
        "volume": model.getVolumeUnits(),
        "area": model.getAreaUnits(),
        "length": model.getLengthUnits(),
        "extent": model.getExtentUnits(),
    }
    for name, ref in attrs.items():
        out[name] = unit_from_reference(model, ref)
    return out


def divide(a: ModelUnit, b: ModelUnit) -> ModelUnit:
    """``a / b`` (for concentrations = amount / size, rates = amount / time)."""
    if a.expr is None or b.expr is None:
        return ModelUnit(f"{a.text}/{b.text}", None)
    if b.text in ("", "1"):
        return a
    bottom = b.text if "/" not in b.text and "*" not in b.text else f"({b.text})"
    quantity = Q_(a.expr) / Q_(b.expr)
    return _from_quantity(f"{a.text}/{bottom}", quantity)
