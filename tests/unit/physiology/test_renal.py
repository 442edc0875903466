"""Renal formulas against their published definitions, computed independently, plus invariants.

CKD-EPI 2021 (Inker et al. NEJM 2021, PMID 34554658) is recomputed here from its piecewise
published form (one power law per sex and side of κ), not from the min/max form the code uses.
Tolerance rel 1e-12: the two forms differ only by floating-point rounding.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sbmltwin.errors import ProfileError
from sbmltwin.physiology import (
    REFERENCE_GFR_ML_MIN,
    Covariates,
    Sex,
    bsa_dubois,
    crcl_cockcroft_gault,
    creatinine_umol_to_mg_dl,
    egfr_absolute,
    egfr_ckd_epi_2021,
    estimate_gfr,
    renal_function_factor,
)
from sbmltwin.units import Q_

creatinines = st.floats(min_value=0.1, max_value=20.0)
adult_ages = st.floats(min_value=18.0, max_value=120.0)
sexes = st.sampled_from(list(Sex))


def ckd_epi_2021_piecewise(scr: float, age: float, sex: Sex) -> float:
    """The published equation written out per sex and creatinine range (NEJM 2021, Table)."""
    if sex is Sex.FEMALE:
        exponent = -0.241 if scr <= 0.7 else -1.200
        return float(142 * (scr / 0.7) ** exponent * 0.9938**age * 1.012)
    exponent = -0.302 if scr <= 0.9 else -1.200
    return float(142 * (scr / 0.9) ** exponent * 0.9938**age)


# --- CKD-EPI 2021 ---------------------------------------------------------------------------


def test_ckd_epi_female_50y_scr_1_0() -> None:
    # 142 · (1.0/0.7)^-1.200 · 0.9938^50 · 1.012 = 142 · 0.651805 · 0.732740 · 1.012 = 68.63,
    # which calculators display as 69 (the value "68" sometimes quoted is truncated, not rounded).
    value = egfr_ckd_epi_2021(1.0, 50, Sex.FEMALE)
    assert value == pytest.approx(68.63, abs=0.005)
    assert round(value) == 69


def test_ckd_epi_male_40y_scr_at_kappa() -> None:
    # Scr = κ = 0.9: both creatinine terms are 1, so eGFR = 142 · 0.9938^40 = 110.73
    assert egfr_ckd_epi_2021(0.9, 40, Sex.MALE) == pytest.approx(142 * 0.9938**40, rel=1e-12)
    assert egfr_ckd_epi_2021(0.9, 40, Sex.MALE) == pytest.approx(110.73, abs=0.005)


@given(scr=creatinines, age=adult_ages, sex=sexes)
def test_ckd_epi_matches_piecewise_form(scr: float, age: float, sex: Sex) -> None:
    assert egfr_ckd_epi_2021(scr, age, sex) == pytest.approx(
        ckd_epi_2021_piecewise(scr, age, sex), rel=1e-12
    )


@given(s1=creatinines, s2=creatinines, age=adult_ages, sex=sexes)
def test_ckd_epi_decreases_with_creatinine(s1: float, s2: float, age: float, sex: Sex) -> None:
    assume(s1 < s2 * (1 - 1e-9))
    assert egfr_ckd_epi_2021(s1, age, sex) > egfr_ckd_epi_2021(s2, age, sex)


@given(scr=creatinines, a1=adult_ages, a2=adult_ages, sex=sexes)
def test_ckd_epi_decreases_with_age(scr: float, a1: float, a2: float, sex: Sex) -> None:
    assume(a1 < a2 - 1e-6)
    assert egfr_ckd_epi_2021(scr, a1, sex) > egfr_ckd_epi_2021(scr, a2, sex)


@pytest.mark.parametrize(("sex", "kappa"), [(Sex.FEMALE, 0.7), (Sex.MALE, 0.9)])
def test_ckd_epi_is_continuous_at_kappa(sex: Sex, kappa: float) -> None:
    below = egfr_ckd_epi_2021(kappa * (1 - 1e-9), 50, sex)
    above = egfr_ckd_epi_2021(kappa * (1 + 1e-9), 50, sex)
    assert below == pytest.approx(above, rel=1e-7)


@pytest.mark.parametrize("age", [17.9, 0.0, 10.0])
def test_ckd_epi_refuses_children(age: float) -> None:
    with pytest.raises(ProfileError) as info:
        egfr_ckd_epi_2021(0.5, age, Sex.FEMALE)
    assert "adult" in str(info.value) and repr(age) in str(info.value)


def test_egfr_absolute_de_indexes() -> None:
    # 90 mL/min/1.73 m² at BSA 2.0 m² → 90 · 2.0 / 1.73 = 104.05 mL/min; at 1.73 m² unchanged
    assert egfr_absolute(90.0, 2.0) == pytest.approx(104.0462, abs=5e-5)
    assert egfr_absolute(90.0, 1.73) == pytest.approx(90.0, rel=1e-12)


# --- Cockcroft-Gault 1976: (140 − age) · W / (72 · Scr), × 0.85 female -----------------------


@pytest.mark.parametrize(
    ("scr", "age", "w", "sex", "expected"),
    [
        (1.0, 60, 72.0, Sex.MALE, 80.0),  # (140−60)·72/(72·1.0) = 80 mL/min
        (1.0, 60, 72.0, Sex.FEMALE, 68.0),  # 80 · 0.85
        (1.0, 40, 72.0, Sex.MALE, 100.0),  # (140−40)·72/72
        (2.0, 80, 60.0, Sex.FEMALE, 21.25),  # 60·60/(72·2) · 0.85 = 25 · 0.85
    ],
)
def test_cockcroft_gault_worked_examples(
    scr: float, age: float, w: float, sex: Sex, expected: float
) -> None:
    assert crcl_cockcroft_gault(scr, age, w, sex) == pytest.approx(expected, rel=1e-12)


@given(s1=creatinines, s2=creatinines, age=st.floats(18.0, 120.0), w=st.floats(30.0, 250.0))
def test_cockcroft_gault_decreases_with_creatinine(
    s1: float, s2: float, age: float, w: float
) -> None:
    assume(s1 < s2 * (1 - 1e-9))
    for sex in Sex:
        assert crcl_cockcroft_gault(s1, age, w, sex) > crcl_cockcroft_gault(s2, age, w, sex)


@given(scr=creatinines, a1=st.floats(18.0, 120.0), a2=st.floats(18.0, 120.0))
def test_cockcroft_gault_decreases_with_age(scr: float, a1: float, a2: float) -> None:
    assume(a1 < a2 - 1e-6)
    assert crcl_cockcroft_gault(scr, a1, 70.0, Sex.MALE) > crcl_cockcroft_gault(
        scr, a2, 70.0, Sex.MALE
    )


def test_cockcroft_gault_refuses_children() -> None:
    with pytest.raises(ProfileError):
        crcl_cockcroft_gault(0.5, 12, 40.0, Sex.MALE)


# --- creatinine units --------------------------------------------------------------------------


def test_creatinine_conversion_factor() -> None:
    assert creatinine_umol_to_mg_dl(88.42) == 1.0
    assert creatinine_umol_to_mg_dl(176.84) == pytest.approx(2.0, rel=1e-12)


def test_creatinine_factor_matches_molar_mass_via_pint() -> None:
    # Independent check: 1 mg/dL of creatinine (113.12 g/mol) in µmol/L, computed by pint.
    umol_per_l = (Q_(1.0, "mg/dL") / Q_(113.12, "g/mol")).m_as("umol/L")
    assert umol_per_l == pytest.approx(88.42, rel=5e-4)  # 88.40 vs 88.42: 0.02 %


# --- renal function factor and the covariates path ------------------------------------------


def test_reference_gfr_is_documented_value() -> None:
    assert REFERENCE_GFR_ML_MIN == 120.0
    assert renal_function_factor(120.0) == 1.0
    assert renal_function_factor(30.0) == pytest.approx(0.25, rel=1e-12)
    assert renal_function_factor(50.0, reference_ml_min=100.0) == pytest.approx(0.5, rel=1e-12)


@given(g1=st.floats(1.0, 300.0), g2=st.floats(1.0, 300.0))
def test_renal_function_factor_monotone(g1: float, g2: float) -> None:
    assume(g1 < g2 * (1 - 1e-9))
    assert renal_function_factor(g1) < renal_function_factor(g2)


def test_estimate_gfr_combines_ckd_epi_and_dubois() -> None:
    cov = Covariates(Sex.FEMALE, 50.0, 80.0, 170.0, serum_creatinine_mg_dl=1.0)
    expected = ckd_epi_2021_piecewise(1.0, 50.0, Sex.FEMALE) * bsa_dubois(80.0, 170.0) / 1.73
    assert estimate_gfr(cov) == pytest.approx(expected, rel=1e-12)


def test_estimate_gfr_needs_creatinine() -> None:
    with pytest.raises(ProfileError) as info:
        estimate_gfr(Covariates(Sex.MALE, 40.0, 70.0, 175.0))
    assert "serum_creatinine_mg_dl" in str(info.value)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_bad_creatinine_is_refused(bad: float) -> None:
    with pytest.raises(ProfileError) as info:
        egfr_ckd_epi_2021(bad, 50, Sex.MALE)
    assert "scr_mg_dl" in str(info.value)
    with pytest.raises(ProfileError):
        crcl_cockcroft_gault(bad, 50, 70.0, Sex.MALE)
    with pytest.raises(ProfileError):
        renal_function_factor(bad)
