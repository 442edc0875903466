"""Quantity parsing and conversion to model units (pint), and the SBML unit-kind table."""

from __future__ import annotations

import math

import libsbml
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sbmltwin.errors import UnitError
from sbmltwin.model.units import unit_from_definition
from sbmltwin.units import SBML_UNIT_KINDS, ModelUnit, parse_quantity, to_model_units

MG_PER_L = ModelUnit("mg/l", "0.001 gram / litre")
HOUR = ModelUnit("h", "3600 second")


def test_dose_mg_to_umol_with_molecular_weight_is_exact() -> None:
    # 30 mg of dextromethorphan (MW 271.40 g/mol, free base) = 30e-3 / 271.40 mol.
    got = to_model_units(
        parse_quantity("30 mg"), ModelUnit("µmol", "1 umol"), molecular_weight="271.40 g/mol"
    )
    assert got == pytest.approx(30e-3 / 271.40 * 1e6, rel=1e-15)


def test_amount_to_mass_goes_the_other_way() -> None:
    got = to_model_units(
        parse_quantity("2 mmol"), ModelUnit("mg", "1 mg"), molecular_weight="180.16 g/mol"
    )
    assert got == pytest.approx(2 * 180.16, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("24 h", ModelUnit("s", "1 second"), 86400.0),
        ("90 min", HOUR, 1.5),
        ("160 lb", ModelUnit("kg", "1 kg"), 160 * 0.45359237),
        ("1.1 mg/dL", MG_PER_L, 11.0),
        ("88 µmol/L", ModelUnit("mmol/l", "1 mmol/l"), 0.088),
        ("7", HOUR, 7.0),  # a plain number is already in model units
    ],
)
def test_conversions(text: str, unit: ModelUnit, expected: float) -> None:
    assert to_model_units(parse_quantity(text), unit) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("text", ["24 parsecs", "3 kg"])
def test_dimension_mismatch_is_a_unit_error(text: str) -> None:
    with pytest.raises(UnitError, match=r"dimension") as info:
        to_model_units(parse_quantity(text), HOUR, where="--end")
    assert info.value.where == "--end"


def test_mass_to_amount_without_molecular_weight_says_how() -> None:
    with pytest.raises(UnitError, match="--mw"):
        to_model_units(parse_quantity("30 mg"), ModelUnit("µmol", "1 umol"))


@pytest.mark.parametrize("text", ["", "   ", "24 foo", "nan mg", "inf h", "mg mg ("])
def test_unreadable_quantities(text: str) -> None:
    with pytest.raises(UnitError):
        parse_quantity(text)


def test_undeclared_model_unit_refuses_united_quantities() -> None:
    with pytest.raises(UnitError, match="declares no unit"):
        to_model_units(parse_quantity("3 h"), ModelUnit.undeclared())
    assert to_model_units(parse_quantity("3"), ModelUnit.undeclared()) == 3.0


def test_unit_kind_table_matches_libsbml() -> None:
    kinds = {
        libsbml.UnitKind_toString(k)
        for k in range(libsbml.UNIT_KIND_AMPERE, libsbml.UNIT_KIND_INVALID)
    }
    missing = {k for k in kinds if k not in SBML_UNIT_KINDS}
    assert not missing, f"SBML unit kinds without a pint mapping: {missing}"


def _definition(*units: tuple[int, float, int, float]) -> tuple[object, object]:
    """(document, unitDefinition): the caller keeps the document alive (libsbml owns the child)."""
    doc = libsbml.SBMLDocument(3, 2)
    ud = doc.createModel().createUnitDefinition()
    ud.setId("u")
    for kind, exponent, scale, multiplier in units:
        u = ud.createUnit()
        u.setKind(kind)
        u.setExponent(exponent)
        u.setScale(scale)
        u.setMultiplier(multiplier)
    return doc, ud


@pytest.mark.parametrize(
    ("units", "text", "si_value"),
    [
        (
            [(libsbml.UNIT_KIND_GRAM, 1, -3, 1), (libsbml.UNIT_KIND_LITRE, -1, 0, 1)],
            "mg/l",
            1e-6 / 1e-3,
        ),  # kg/m^3
        ([(libsbml.UNIT_KIND_SECOND, 1, 0, 3600)], "h", 3600.0),
        ([(libsbml.UNIT_KIND_SECOND, -1, 0, 3600)], "1/h", 1 / 3600),
        ([(libsbml.UNIT_KIND_MOLE, 1, -6, 1)], "µmol", 1e-6),
        (
            [(libsbml.UNIT_KIND_LITRE, 1, 0, 1), (libsbml.UNIT_KIND_SECOND, -1, 0, 60)],
            "l/min",
            1e-3 / 60,
        ),
    ],
)
def test_unit_definitions_to_pint(
    units: list[tuple[int, float, int, float]], text: str, si_value: float
) -> None:
    _doc, ud = _definition(*units)
    unit = unit_from_definition(ud)
    assert unit.text == text
    assert unit.quantity().to_base_units().magnitude == pytest.approx(si_value, rel=1e-12)
    # the display text is itself a pint unit expression of the same size
    assert parse_quantity(f"1 {text}").to_base_units().magnitude == pytest.approx(
        si_value, rel=1e-12
    )


finite = st.floats(min_value=1e-12, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(value=finite)
def test_round_trip_through_model_units(value: float) -> None:
    unit = ModelUnit("µg/ml", "1 ug/ml")
    there = to_model_units(parse_quantity(f"{value!r} mg/l"), unit)
    back = to_model_units(parse_quantity(f"{there!r} ug/ml"), ModelUnit("mg/l", "1 mg/l"))
    assert math.isclose(back, value, rel_tol=1e-12)


@given(text=st.text(max_size=30))
def test_parse_quantity_never_raises_anything_but_unit_error(text: str) -> None:
    try:
        q = parse_quantity(text)
    except UnitError:
        return
    assert math.isfinite(float(q.magnitude))
