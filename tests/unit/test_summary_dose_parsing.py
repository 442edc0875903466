"""Which dose a summary row counts from (the summary file's ``dose`` column and a case's
``[observed] after_dose``): strict parsing, one-line errors, never another exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.summary import SUMMARY_COLUMNS, parse_dose_ref, parse_summary_row


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("last", "last"),
        ("LAST", "last"),
        ("first", 1),
        (" 3 ", 3),
        (7, 7),
        ("", None),
        (None, None),
    ],
)
def test_dose_refs(text: object, expected: object) -> None:
    assert parse_dose_ref(text, "w") == expected


@pytest.mark.parametrize(
    "text", ["0", "-1", "second", "1.5", 0, True, 2.0, "9999999", "¹", "²3"]
)  # "¹" is a digit (str.isdigit) that int() refuses: it crashed, found by Hypothesis
def test_bad_dose_refs_are_one_line_errors(text: object) -> None:
    with pytest.raises(ValidationDataError) as err:
        parse_dose_ref(text, "f.csv:3 column 'dose'")
    assert "is not first, last or a dose number" in str(err.value) and "\n" not in str(err.value)


@given(st.one_of(st.text(max_size=12), st.integers(), st.floats(), st.booleans(), st.none()))
def test_any_dose_cell_parses_or_is_refused(value: object) -> None:
    try:
        got = parse_dose_ref(value, "w")
    except ValidationDataError:
        return
    assert got is None or got == "last" or (isinstance(got, int) and got >= 1)


def test_a_row_carries_its_dose() -> None:
    cells = dict.fromkeys(SUMMARY_COLUMNS, "")
    cells |= {"group": "A", "output": "c", "metric": "Cmax", "statistic": "mean"}
    cells |= {"value": "2", "unit": "mg/L", "dose": "last"}
    assert parse_summary_row(cells, "x.csv:2").dose == "last"
    cells["dose"] = ""
    assert parse_summary_row(cells, "x.csv:2").dose is None
