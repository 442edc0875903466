"""The levels CSV and target parsers: properties (Hypothesis) and exact conversions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbmltwin.errors import LevelsError, SbmlTwinError
from sbmltwin.mipd import parse_levels, parse_target
from sbmltwin.model import parse_model

MODEL = parse_model(
    """
model m
  unit substance = 1e-3 gram
  unit extent = 1e-3 gram
  unit volume = litre
  unit time_unit = 3600 second
  compartment central = 10; central has volume
  species C in central = 0
  J: C -> ; 0.1 * C
end
""",
    fmt="antimony",
)
OUT = {"conc": "[C]"}


def test_units_convert_to_the_model_unit_exactly() -> None:
    csv = "time,output,value,unit\n90 min,conc,250,ng/mL\n2 h,conc,0.5,mg/L\n"
    levels = parse_levels(csv, MODEL, OUT, first_dose=0.0)
    assert [r.time for r in levels.rows] == [1.5, 2.0]
    assert levels.rows[0].value == pytest.approx(0.25, rel=1e-12)  # 250 ng/mL = 0.25 mg/L


def test_target_bounds_in_model_units() -> None:
    t = parse_target("AUC0-24h 400-600 mg*h/L", MODEL, "[C]")
    assert (t.metric, t.low, t.high, t.start, t.end) == ("auc", 400.0, 600.0, 0.0, 24.0)
    t = parse_target("trough 10-15 mg/L at 3 d", MODEL, "[C]")
    assert (t.metric, t.start) == ("trough", 72.0)
    t = parse_target("Cmax < 2000 ng/mL", MODEL, "[C]")
    assert (t.metric, t.high, t.end) == ("cmax", pytest.approx(2.0), None) and t.low == -math.inf


@given(
    lo=st.floats(0.01, 1e4, allow_nan=False),
    width=st.floats(0.01, 1e4, allow_nan=False),
    unit=st.sampled_from(
        [("mg*h/L", 1.0), ("ug*h/mL", 1.0), ("ng*h/mL", 1e-3), ("mg*min/L", 1 / 60)]
    ),
)
def test_auc_target_scales_with_its_unit(lo: float, width: float, unit: tuple[str, float]) -> None:
    text, factor = unit
    t = parse_target(f"AUC0-24h {lo!r}-{lo + width!r} {text}", MODEL, "[C]")
    assert t.low == pytest.approx(lo * factor, rel=1e-9)
    assert t.high == pytest.approx((lo + width) * factor, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_levels_text_parses_or_raises_a_levels_error(text: str) -> None:
    try:
        parse_levels(text, MODEL, OUT, first_dose=0.0)
    except LevelsError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_any_target_text_parses_or_raises_an_sbmltwin_error(text: str) -> None:
    try:
        parse_target(text, MODEL, "[C]")
    except SbmlTwinError:
        pass
