"""The one pint registry of sbmltwin, quantity parsing and conversion to model units.

Leaf module: imports nothing from sbmltwin but :mod:`sbmltwin.errors`.

A *model unit* is what one unit of an SBML value means, as a pint quantity expression
(``"1 mg/l"``, ``"3600 s"``) plus a display text (``"mg/l"``, ``"h"``). Magnitudes cross stage
boundaries as floats in model units; pint objects never enter hot loops.

>>> umol = ModelUnit("µmol", "1 umol")
>>> to_model_units(parse_quantity("30 mg"), umol, molecular_weight="271.4 g/mol")
110.53795136330142
"""

from __future__ import annotations

import math
import tokenize
from dataclasses import dataclass
from typing import Any

import pint

from sbmltwin.errors import UnitError

__all__ = [
    "DIMENSIONLESS",
    "Q_",
    "SBML_UNIT_KINDS",
    "ModelUnit",
    "clearance",
    "parse_quantity",
    "to_model_units",
    "ureg",
]

ureg: pint.UnitRegistry[Any] = pint.UnitRegistry()
Q_ = ureg.Quantity

#: SBML base unit kinds (SBML L3V2 Table 2, plus L2's Celsius) → pint quantity expression.
#: ``item`` is one entity: 1/N_A mole, so item-based species convert to and from moles;
#: ``avogadro`` is the dimensionless number N_A (L3). A unit test checks this table against libsbml.
SBML_UNIT_KINDS: dict[str, str] = {
    "ampere": "1 ampere",
    "avogadro": "6.02214076e23 dimensionless",
    "becquerel": "1 becquerel",
    "candela": "1 candela",
    "celsius": "1 kelvin",  # only as a difference; L2V1 only
    "Celsius": "1 kelvin",  # libsbml spells the L2V1 kind with a capital C
    "coulomb": "1 coulomb",
    "dimensionless": "1 dimensionless",
    "farad": "1 farad",
    "gram": "1 gram",
    "gray": "1 gray",
    "henry": "1 henry",
    "hertz": "1 hertz",
    "item": "1.66053906717385e-24 mole",  # 1 / 6.02214076e23 mol
    "joule": "1 joule",
    "katal": "1 katal",
    "kelvin": "1 kelvin",
    "kilogram": "1 kilogram",
    "litre": "1 litre",
    "liter": "1 litre",
    "lumen": "1 lumen",
    "lux": "1 lux",
    "metre": "1 metre",
    "meter": "1 metre",
    "mole": "1 mole",
    "newton": "1 newton",
    "ohm": "1 ohm",
    "pascal": "1 pascal",
    "radian": "1 radian",
    "second": "1 second",
    "siemens": "1 siemens",
    "sievert": "1 sievert",
    "steradian": "1 steradian",
    "tesla": "1 tesla",
    "volt": "1 volt",
    "watt": "1 watt",
    "weber": "1 weber",
}


@dataclass(frozen=True, slots=True)
class ModelUnit:
    """What one unit of a model value means.

    ``text`` is for people (column headers, tables); ``expr`` is a pint expression whose value is
    one model unit (``"3600 second"``). A unit nobody declared is ``ModelUnit.undeclared()``:
    quantities with units cannot be converted to it.
    """

    text: str
    expr: str | None

    @staticmethod
    def undeclared() -> ModelUnit:
        return ModelUnit("?", None)

    @property
    def declared(self) -> bool:
        return self.expr is not None

    def quantity(self) -> pint.Quantity[Any]:
        if self.expr is None:
            raise UnitError("unit is not declared in the model", hint="declare it in the SBML")
        return Q_(self.expr)


DIMENSIONLESS = ModelUnit("1", "1 dimensionless")


def parse_quantity(text: str, *, where: str | None = None) -> pint.Quantity[Any]:
    """Parse ``"30 mg"``, ``"24 h"``, ``"160 lb"``, ``"88 µmol/L"`` into a pint quantity.

    A plain number parses as a dimensionless quantity. NaN and infinite magnitudes are refused.
    """
    if not isinstance(text, str) or not text.strip():
        raise UnitError(
            f"empty quantity {text!r}", where=where, hint="write e.g. '30 mg' or '24 h'"
        )
    try:
        q: Any = Q_(text.strip())
    except (
        pint.errors.PintError,
        ValueError,
        SyntaxError,
        TypeError,
        AttributeError,
        KeyError,
        IndexError,
        ZeroDivisionError,
        OverflowError,
        tokenize.TokenError,
        AssertionError,  # pint 0.25 asserts inside its parser on inputs like "'" or "()"
    ) as err:
        raise UnitError(
            f"cannot read {text!r} as a quantity ({err})",
            where=where,
            hint="write a number and a unit, e.g. '30 mg', '24 h', '1.1 mg/dL'",
        ) from err
    if not isinstance(q, pint.Quantity):  # "mg" alone parses as a Unit in some pint versions
        q = Q_(1, q)
    magnitude = q.magnitude
    if not isinstance(magnitude, int | float) or not math.isfinite(float(magnitude)):
        raise UnitError(f"{text!r} is not a finite number with a unit", where=where)
    quantity: pint.Quantity[Any] = q
    return quantity


def to_model_units(
    quantity: pint.Quantity[Any],
    unit: ModelUnit,
    *,
    molecular_weight: str | pint.Quantity[Any] | None = None,
    where: str | None = None,
) -> float:
    """Convert ``quantity`` to a float in ``unit``; mass↔substance uses ``molecular_weight``.

    A plain number (no unit at all) is taken as already in model units.
    """
    if quantity.unitless:
        return float(quantity.magnitude)
    if unit.expr is None:
        raise UnitError(
            f"cannot convert {quantity:~P} because the model declares no unit here",
            where=where,
            hint="give a plain number in model units, or declare units in the SBML",
        )
    target = unit.quantity()
    try:
        if quantity.dimensionality == target.dimensionality:
            return float((quantity / target).to("dimensionless").magnitude)
        if molecular_weight is None:
            raise UnitError(
                f"{quantity:~P} has dimension {quantity.dimensionality} but the model wants "
                f"{unit.text} ({target.dimensionality})",
                where=where,
                hint="give the quantity in the model's unit"
                + (
                    ", or a molecular weight (--mw '271.4 g/mol')"
                    if _mass_substance(quantity, target)
                    else ""
                ),
            )
        mw = (
            parse_quantity(molecular_weight)
            if isinstance(molecular_weight, str)
            else molecular_weight
        )
        if mw.dimensionality != Q_("1 g/mol").dimensionality or mw.magnitude <= 0:
            raise UnitError(
                f"molecular weight {mw:~P} is not a positive mass per substance", where=where
            )
        converted = quantity.to(target.units, "chemistry", mw=mw)
        return float(converted.magnitude / target.magnitude)
    except pint.errors.DimensionalityError as err:
        raise UnitError(
            f"cannot convert {quantity:~P} to {unit.text}: dimensions differ",
            where=where,
            hint="give the quantity in a unit of the same kind as the model's",
        ) from err


def clearance(
    dose: pint.Quantity[Any],
    auc: pint.Quantity[Any],
    *,
    molecular_weight: str | pint.Quantity[Any] | None = None,
    where: str | None = None,
) -> pint.Quantity[Any]:
    """dose / AUC as a volume per time (CL, or CL/F for an extravascular dose): the dose is
    converted to the AUC's kind of amount (mass ↔ substance with ``molecular_weight``).

    >>> dose, auc = parse_quantity("10 umol"), parse_quantity("2 mg*h/L")
    >>> clearance(dose, auc, molecular_weight="500 g/mol").to("L/h").magnitude
    2.5
    """
    amount = (auc * Q_("1 L/h")).dimensionality
    dose_q = dose
    if dose.dimensionality != amount:
        base = "mol" if "[substance]" in str(amount) else "g"
        if molecular_weight is None or not _mass_substance(dose, auc):
            raise UnitError(
                f"cannot divide the dose {dose:~P} by an AUC in {auc.units:~P}",
                where=where,
                hint="give the output a molecular weight (mass ↔ amount of substance)"
                if _mass_substance(dose, auc)
                else "the dose must be an amount and the AUC a concentration × time",
            )
        mw = (
            parse_quantity(molecular_weight)
            if isinstance(molecular_weight, str)
            else molecular_weight
        )
        try:
            dose_q = dose.to(base, "chemistry", mw=mw)
        except pint.errors.DimensionalityError as err:
            raise UnitError(
                f"cannot convert the dose {dose:~P} with molecular weight {mw:~P}", where=where
            ) from err
    result: pint.Quantity[Any] = (dose_q / auc).to("L/h")
    return result


def _mass_substance(a: pint.Quantity[Any], b: pint.Quantity[Any]) -> bool:
    dims = str(a.dimensionality) + str(b.dimensionality)
    return "[mass]" in dims and "[substance]" in dims
