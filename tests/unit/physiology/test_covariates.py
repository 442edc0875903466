"""Sex parsing and Covariates validation: bad values raise ProfileError naming field and value."""

from __future__ import annotations

import math
import pickle

import pytest

from sbmltwin.errors import ProfileError
from sbmltwin.physiology import Covariates, Sex


@pytest.mark.parametrize("text", ["female", "F", " f ", "Woman", "FEMALE"])
def test_parse_female(text: str) -> None:
    assert Sex.parse(text) is Sex.FEMALE


@pytest.mark.parametrize("text", ["male", "M", "man", " Male "])
def test_parse_male(text: str) -> None:
    assert Sex.parse(text) is Sex.MALE


@pytest.mark.parametrize("text", ["", "x", "females", "w", "unknown"])
def test_parse_unknown_sex_names_the_text(text: str) -> None:
    with pytest.raises(ProfileError) as info:
        Sex.parse(text)
    assert repr(text) in str(info.value)
    assert info.value.hint is not None and "female" in info.value.hint


def test_parse_non_text_raises() -> None:
    with pytest.raises(ProfileError):
        Sex.parse(1)  # type: ignore[arg-type]


def _cov(**changes: object) -> Covariates:
    fields: dict[str, object] = {
        "sex": Sex.MALE,
        "age_years": 40.0,
        "weight_kg": 70.0,
        "height_cm": 175.0,
        "serum_creatinine_mg_dl": 1.0,
        "child_pugh": None,
    }
    fields.update(changes)
    return Covariates(**fields)  # type: ignore[arg-type]


def test_valid_covariates_store_floats() -> None:
    cov = _cov(age_years=40, weight_kg=70)
    assert isinstance(cov.age_years, float) and isinstance(cov.weight_kg, float)
    assert cov.age_years == 40.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", 0.4),
        ("weight_kg", 401.0),
        ("weight_kg", 1000.0),  # grams, not kg
        ("height_cm", 1.75),  # metres, not cm
        ("height_cm", 251.0),
        ("age_years", -1.0),
        ("age_years", 121.0),
        ("serum_creatinine_mg_dl", 88.4),  # µmol/L, not mg/dL
        ("serum_creatinine_mg_dl", 0.05),
    ],
)
def test_implausible_value_names_field_and_value(field: str, value: float) -> None:
    with pytest.raises(ProfileError) as info:
        _cov(**{field: value})
    text = str(info.value)
    assert field in text
    assert repr(float(value)) in text
    assert info.value.where == "covariates"


@pytest.mark.parametrize("value", [math.nan, math.inf, "70", True, None])
def test_non_numbers_are_refused(value: object) -> None:
    with pytest.raises(ProfileError) as info:
        _cov(weight_kg=value)
    assert "weight_kg" in str(info.value)


def test_range_bounds_are_inclusive() -> None:
    cov = _cov(weight_kg=0.5, height_cm=250.0, age_years=0.0, serum_creatinine_mg_dl=20.0)
    assert cov.weight_kg == 0.5


def test_sex_must_be_enum() -> None:
    with pytest.raises(ProfileError) as info:
        _cov(sex="male")
    assert "Sex.parse" in (info.value.hint or "")


@pytest.mark.parametrize(("given", "stored"), [("A", "A"), ("b", "B"), (" C ", "C")])
def test_child_pugh_is_normalised(given: str, stored: str) -> None:
    assert _cov(child_pugh=given).child_pugh == stored


@pytest.mark.parametrize("value", ["D", "", "AB", 1])
def test_unknown_child_pugh_names_field_and_value(value: object) -> None:
    with pytest.raises(ProfileError) as info:
        _cov(child_pugh=value)
    assert "child_pugh" in str(info.value) and repr(value) in str(info.value)


def test_covariates_are_frozen_and_pickle() -> None:
    cov = _cov(child_pugh="B")
    assert pickle.loads(pickle.dumps(cov)) == cov
    with pytest.raises(AttributeError):
        cov.weight_kg = 80.0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(Sex.FEMALE)) is Sex.FEMALE
