"""Body-size formulas against published definitions computed independently, plus invariants.

Tolerances: a formula recomputed here in another algebraic form (log space, inches) agrees to
rel 1e-12 (floating-point rounding only). Values quoted to 4 decimals agree to 5e-5.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sbmltwin.errors import ProfileError
from sbmltwin.physiology import (
    ALLOMETRIC_EXPONENT_CLEARANCE,
    ALLOMETRIC_EXPONENT_VOLUME,
    Sex,
    allometric_factor,
    bmi,
    bsa_dubois,
    bsa_mosteller,
    ideal_body_weight_devine,
    lean_body_weight_janmahasatian,
    reference_individual,
)

weights = st.floats(min_value=0.5, max_value=400.0)
heights = st.floats(min_value=30.0, max_value=250.0)


# --- DuBois & DuBois 1916: BSA = 0.007184 · W^0.425 · H^0.725 -------------------------------


def test_dubois_70kg_175cm_hand_computed() -> None:
    # 0.007184 · 70^0.425 · 175^0.725 = 1.8481 m² (hand computation, 4 decimals)
    assert bsa_dubois(70.0, 175.0) == pytest.approx(1.8481, abs=5e-5)


@pytest.mark.parametrize(("w", "h"), [(70.0, 175.0), (3.5, 51.0), (150.0, 160.0), (45.0, 190.0)])
def test_dubois_matches_log_form(w: float, h: float) -> None:
    expected = math.exp(math.log(0.007184) + 0.425 * math.log(w) + 0.725 * math.log(h))
    assert bsa_dubois(w, h) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("sex", "icrp_bsa"), [(Sex.MALE, 1.90), (Sex.FEMALE, 1.66)])
def test_dubois_of_icrp_reference_is_close_to_icrp_bsa(sex: Sex, icrp_bsa: float) -> None:
    # ICRP 89 Table 2.9 lists BSA 1.90 / 1.66 m² for 73 kg/176 cm and 60 kg/163 cm; ICRP's
    # own formula is not DuBois, so agreement within 0.02 m² is a units cross-check only.
    ref = reference_individual(sex)
    assert bsa_dubois(ref.body_weight_kg, ref.height_cm) == pytest.approx(icrp_bsa, abs=0.02)


# --- Mosteller 1987: BSA = sqrt(H · W / 3600) -------------------------------------------------


def test_mosteller_70kg_175cm_hand_computed() -> None:
    # sqrt(175 · 70 / 3600) = sqrt(3.402778) = 1.8447 m²
    assert bsa_mosteller(70.0, 175.0) == pytest.approx(1.8447, abs=5e-5)


def test_mosteller_exact_square() -> None:
    # 3600 = 60², so 100 cm · 36 kg gives sqrt(1) = 1 m² exactly
    assert bsa_mosteller(36.0, 100.0) == 1.0


@given(w1=weights, w2=weights, h=heights)
def test_bsa_monotone_in_weight(w1: float, w2: float, h: float) -> None:
    assume(w1 < w2 * (1 - 1e-9))
    assert bsa_dubois(w1, h) < bsa_dubois(w2, h)
    assert bsa_mosteller(w1, h) < bsa_mosteller(w2, h)


@given(w=weights, h1=heights, h2=heights)
def test_bsa_monotone_in_height(w: float, h1: float, h2: float) -> None:
    assume(h1 < h2 * (1 - 1e-9))
    assert bsa_dubois(w, h1) < bsa_dubois(w, h2)
    assert bsa_mosteller(w, h1) < bsa_mosteller(w, h2)


@given(
    index=st.floats(min_value=18.5, max_value=35.0), h=st.floats(min_value=150.0, max_value=200.0)
)
def test_dubois_and_mosteller_agree_for_adults(index: float, h: float) -> None:
    # Two independent adult BSA formulas. For BMI 18.5–35 kg/m² and 150–200 cm they differ by at
    # most 4.1 % (grid check); DuBois falls further below Mosteller in short, obese people.
    w = index * (h / 100.0) ** 2
    assert bsa_dubois(w, h) == pytest.approx(bsa_mosteller(w, h), rel=0.045)


# --- BMI (WHO TRS 894) -----------------------------------------------------------------------


def test_bmi_worked_example() -> None:
    # 70 kg / 1.75² m² = 22.857 kg/m²
    assert bmi(70.0, 175.0) == pytest.approx(70.0 / 1.75**2, rel=1e-12)
    assert bmi(81.0, 180.0) == pytest.approx(25.0, rel=1e-12)  # 81 / 1.8² = 25 exactly


# --- Janmahasatian 2005 lean body weight -----------------------------------------------------


@pytest.mark.parametrize(
    ("w", "h", "sex", "expected"),
    [
        # male 110 kg, 178 cm: BMI = 110/1.78² = 34.7178; 9270·110/(6680 + 216·34.7178) = 71.92
        (110.0, 178.0, Sex.MALE, 71.92),
        # female 60 kg, 163 cm: BMI = 22.5827; 9270·60/(8780 + 244·22.5827) = 38.92
        (60.0, 163.0, Sex.FEMALE, 38.92),
    ],
)
def test_janmahasatian_hand_computed(w: float, h: float, sex: Sex, expected: float) -> None:
    assert lean_body_weight_janmahasatian(w, h, sex) == pytest.approx(expected, abs=5e-3)


@given(
    index=st.floats(min_value=17.0, max_value=70.0), h=st.floats(min_value=140.0, max_value=210.0)
)
def test_janmahasatian_below_total_weight_and_male_above_female(index: float, h: float) -> None:
    # Within the BMI range the model was derived in (17–70 kg/m²). Below BMI ≈ 12 the male
    # equation exceeds total weight (9270 > 6680 + 216·BMI): an extrapolation, not a bug.
    w = index * (h / 100.0) ** 2
    male = lean_body_weight_janmahasatian(w, h, Sex.MALE)
    female = lean_body_weight_janmahasatian(w, h, Sex.FEMALE)
    assert 0 < female < male < w


@given(w1=weights, w2=weights, h=heights)
def test_janmahasatian_monotone_in_weight(w1: float, w2: float, h: float) -> None:
    assume(w1 < w2 * (1 - 1e-9))
    for sex in Sex:
        assert lean_body_weight_janmahasatian(w1, h, sex) < lean_body_weight_janmahasatian(
            w2, h, sex
        )


# --- Devine 1974 ideal body weight -----------------------------------------------------------


@pytest.mark.parametrize(
    ("inches", "sex", "expected"),
    [
        (70, Sex.MALE, 73.0),  # 5 ft 10 in: 50 + 2.3 · 10
        (60, Sex.MALE, 50.0),  # 5 ft exactly
        (65, Sex.FEMALE, 57.0),  # 5 ft 5 in: 45.5 + 2.3 · 5
        (72, Sex.FEMALE, 73.1),  # 6 ft: 45.5 + 2.3 · 12
    ],
)
def test_devine_worked_examples(inches: int, sex: Sex, expected: float) -> None:
    assert ideal_body_weight_devine(inches * 2.54, sex) == pytest.approx(expected, rel=1e-12)


def test_devine_refuses_height_giving_non_positive_weight() -> None:
    with pytest.raises(ProfileError) as info:
        ideal_body_weight_devine(90.0, Sex.FEMALE)
    assert "90.0" in str(info.value)


# --- Allometry (Anderson & Holford 2008) -----------------------------------------------------


def test_allometric_exponents_are_the_published_ones() -> None:
    assert (ALLOMETRIC_EXPONENT_CLEARANCE, ALLOMETRIC_EXPONENT_VOLUME) == (0.75, 1.0)


def test_allometric_worked_examples() -> None:
    # (35/70)^0.75 = 0.5^0.75 = 0.594604; (140/70)^0.75 = 2^0.75 = 1.681793
    assert allometric_factor(35.0) == pytest.approx(0.5**0.75, rel=1e-12)
    assert allometric_factor(140.0) == pytest.approx(1.681793, abs=5e-7)
    assert allometric_factor(35.0, exponent=1.0) == pytest.approx(0.5, rel=1e-12)
    assert allometric_factor(73.0, reference_kg=73.0) == 1.0


@given(ref=weights, b=st.floats(min_value=-2.0, max_value=2.0))
def test_allometric_is_one_at_reference(ref: float, b: float) -> None:
    assert allometric_factor(ref, reference_kg=ref, exponent=b) == 1.0


@given(w1=weights, w2=weights, b=st.floats(min_value=0.1, max_value=1.5))
def test_allometric_monotone_for_positive_exponent(w1: float, w2: float, b: float) -> None:
    assume(w1 < w2 * (1 - 1e-6))
    assert allometric_factor(w1, exponent=b) < allometric_factor(w2, exponent=b)


# --- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0.0, -70.0, math.nan, math.inf, "70", True])
def test_bad_weight_is_refused_with_its_name(bad: Any) -> None:
    for formula in (bsa_dubois, bsa_mosteller, bmi):
        with pytest.raises(ProfileError) as info:
            formula(bad, 175.0)
        assert "weight_kg" in str(info.value)
    with pytest.raises(ProfileError) as info:
        allometric_factor(bad)
    assert "weight_kg" in str(info.value)


def test_sex_must_be_enum_in_formulas() -> None:
    with pytest.raises(ProfileError):
        lean_body_weight_janmahasatian(70.0, 175.0, "male")  # type: ignore[arg-type]
    with pytest.raises(ProfileError):
        ideal_body_weight_devine(175.0, "male")  # type: ignore[arg-type]
