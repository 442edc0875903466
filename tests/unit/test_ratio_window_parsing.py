"""Parsing of ``[acceptance] ratios`` entries and their ``window`` (one-line errors)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.cases import load_case, parse_window
from sbmltwin.validate.summary import SUMMARY_COLUMNS

CASE = """
source = "x"
model = "m"
model_path = "m.xml"
[regimen]
doses = ["1 mg iv"]
[groups.A]
[groups.B]
[observed]
file = "x.csv"
[outputs]
c = "[C]"
[acceptance]
ratios = [{RATIO}]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0-24 h", (0.0, 24.0, "h")),
        ("0 – 1440 min", (0.0, 1440.0, "min")),
        ("2.5-12h", (2.5, 12.0, "h")),
    ],
)
def test_windows(text: str, expected: tuple[float, float, str]) -> None:
    assert parse_window(text, "w") == expected


@pytest.mark.parametrize(
    ("ratio", "message"),
    [
        ('{ numerator = "A", denominator = "B", window = "24 h" }', "is not 'START-END UNIT'"),
        ('{ numerator = "A", denominator = "B", window = "24-0 h" }', "START < END"),
        ('{ numerator = "A", denominator = "B", window = "0-24 mg" }', "time unit"),
        ('{ numerator = "A", denominator = "B", window = 24 }', "is not 'START-END UNIT'"),
        ('{ numerator = "A", denominator = "B", metric = "Tmax" }', "is not AUC or Cmax"),
        ('{ numerator = "A", denominator = "B", windw = "0-24 h" }', "unknown ratio key 'windw'"),
        ('{ numerator = "A" }', "ratio without 'denominator'"),
        ('"A/B"', "a ratio is a table"),
    ],
)
def test_bad_ratios_are_one_line_errors(tmp_path: Path, ratio: str, message: str) -> None:
    p = tmp_path / "case.toml"
    p.write_text(CASE.replace("{RATIO}", ratio))
    with pytest.raises(ValidationDataError) as err:
        load_case(p)
    assert message in str(err.value) and "ratios[0]" in str(err.value)
    assert "\n" not in str(err.value)


@given(st.text(max_size=30))
def test_any_window_text_parses_or_is_a_validation_error(text: str) -> None:
    try:
        start, end, _ = parse_window(text, "w")
    except ValidationDataError:
        return
    assert start < end


@given(
    st.fixed_dictionaries(
        {
            k: st.one_of(st.text(max_size=12), st.sampled_from(["", "0", "1.5", "inf", "h", "AUC"]))
            for k in SUMMARY_COLUMNS
        }
    )
)
def test_any_summary_row_parses_or_is_a_validation_error(cells: dict[str, str]) -> None:
    from sbmltwin.validate.summary import parse_summary_row

    try:
        row = parse_summary_row(cells, "x.csv:2")
    except ValidationDataError as err:
        assert "\n" not in str(err)
        return
    assert row.value >= 0 and (row.window is None or row.window[0] < row.window[1])
