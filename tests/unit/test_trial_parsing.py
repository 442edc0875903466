"""A group's ``trial = {...}`` table: strictly parsed, one-line errors (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.trial import MAX_TWINS, Trial, parse_trial

WHERE = "case.toml [groups.PM] trial"


def test_a_full_trial_parses_to_years_and_kilograms() -> None:
    trial = parse_trial(
        {
            "n": 24,
            "seed": 1,
            "female_fraction": 0.5,
            "age": "20-45 y",
            "weight": "121.25-198.42 lb",
            "population": "East Asian",
        },
        WHERE,
    )
    assert (trial.n, trial.seed, trial.female_fraction, trial.population) == (
        24,
        1,
        0.5,
        "East Asian",
    )
    assert trial.age == (20.0, 45.0)
    assert trial.weight is not None
    assert trial.weight == pytest.approx((55.0, 90.0), rel=1e-4)  # 1 lb = 0.45359237 kg
    assert parse_trial({"n": 3}, WHERE) == Trial(3)
    assert parse_trial({"n": 3, "age": "240-600 months"}, WHERE).age == (20.0, 50.0)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"seed": 1}, "needs 'n'"),
        ({"n": 0}, "n = 0 is not an integer"),
        ({"n": True}, "n = True is not an integer"),
        ({"n": MAX_TWINS + 1}, "is not an integer in 1–1000"),
        ({"n": 2.5}, "is not an integer"),
        ({"n": 5, "seed": -1}, "seed = -1"),
        ({"n": 5, "female_fraction": 1.5}, "female_fraction = 1.5"),
        ({"n": 5, "age": "45-20 y"}, "needs LOW < HIGH"),
        ({"n": 5, "age": "20-45"}, "is not 'LOW-HIGH UNIT'"),
        ({"n": 5, "age": "20-45 kg"}, "is not a unit of year"),
        ({"n": 5, "weight": "55-90 m"}, "is not a unit of kg"),
        ({"n": 5, "weight": "0-90 kg"}, "within 0.5–400 kg"),
        ({"n": 5, "population": "Martian"}, "not a CPIC biogeographic group"),
        ({"n": 5, "sex": "F"}, "unknown trial key 'sex'"),
        ("n = 5", "'trial' must be a table"),
    ],
)
def test_bad_trials_are_one_line_errors(table: Any, message: str) -> None:
    with pytest.raises(ValidationDataError) as err:
        parse_trial(table, WHERE)
    text = str(err.value)
    assert message in text and WHERE in text and "\n" not in text


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 2000),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["20-45 y", "55-90 kg", "European", "1-2 h", "3 to 9 years"]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["n", "seed", "female_fraction", "age", "weight", "population", "other"]),
        _values,
        max_size=6,
    )
)
def test_any_table_parses_or_fails_on_one_line(table: dict[str, Any]) -> None:
    try:
        trial = parse_trial(table, WHERE)
    except ValidationDataError as err:
        assert "\n" not in str(err) and WHERE in str(err)
        return
    assert 1 <= trial.n <= MAX_TWINS and trial.seed >= 0
    assert set(table) <= {"n", "seed", "female_fraction", "age", "weight", "population"}
    for value in (trial.age, trial.weight):
        assert value is None or value[0] < value[1]


def test_the_case_loader_names_the_file_and_group(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "trial" / "analytic_trial.toml"
    bad = tmp_path / "case.toml"
    bad.write_text(data.read_text().replace("n = 40, seed = 3", "n = 40, seed = 3, ages = 1"))
    with pytest.raises(ValidationDataError) as err:
        load_case(bad)
    assert f"{bad} [groups.NM] trial" in str(err.value) and "'ages'" in str(err.value)
    bad.write_text(data.read_text().replace("trial = { n = 40, seed = 3 }", 'trial = "40"'))
    with pytest.raises(ValidationDataError) as err:
        load_case(bad)
    assert "groups.NM.trial" in str(err.value) and "must be a table" in str(err.value)
