"""ICRP 89 reference individuals and organ scaling.

Reference values are checked against ICRP 89 table numbers written out here (Tables 2.8, 2.9,
2.12, 2.39, 2.40), independently of the packaged TSV; balances are checked to rel 1e-12.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sbmltwin.errors import ProfileError
from sbmltwin.physiology import (
    FLOW_TISSUES,
    SCALED_ORGAN_UNITS,
    TISSUES,
    Covariates,
    ReferenceIndividual,
    Sex,
    reference_individual,
    scaled_organs,
)
from sbmltwin.units import ureg

# (ICRP 89 number, unit conversion) written out from the tables, male then female.
ICRP_BODY = {  # Table 2.9, Table 2.39
    Sex.MALE: {"weight": 73.0, "height": 176.0, "co_l_min": 6.5, "blood_ml": 5300.0},
    Sex.FEMALE: {"weight": 60.0, "height": 163.0, "co_l_min": 5.9, "blood_ml": 3900.0},
}
ICRP_MASS_G = {  # Table 2.8
    Sex.MALE: {"liver": 1800, "brain": 1450, "kidney": 310, "muscle": 29000, "heart": 330},
    Sex.FEMALE: {"liver": 1400, "brain": 1300, "kidney": 275, "muscle": 17500, "heart": 250},
}
ICRP_FLOW_PCT = {  # Table 2.40
    Sex.MALE: {"liver": 25.5, "kidney": 19.0, "brain": 12.0, "muscle": 17.0, "adipose": 5.0},
    Sex.FEMALE: {"liver": 27.0, "kidney": 17.0, "brain": 12.0, "muscle": 12.0, "adipose": 8.5},
}
VENOUS_RETURN = ("adipose", "bone", "brain", "heart", "kidney", "liver", "muscle", "skin", "rest")


@pytest.mark.parametrize("sex", list(Sex))
def test_reference_body_values(sex: Sex) -> None:
    ref = reference_individual(sex)
    body = ICRP_BODY[sex]
    assert ref.sex is sex
    assert ref.body_weight_kg == body["weight"]
    assert ref.height_cm == body["height"]
    assert ref.cardiac_output_l_per_h == pytest.approx(body["co_l_min"] * 60.0, rel=1e-12)
    blood = ref.volumes_l["arterial_blood"] + ref.volumes_l["venous_blood"]
    assert blood == pytest.approx(body["blood_ml"] / 1000.0, rel=1e-12)
    assert ref.volumes_l["arterial_blood"] / blood == pytest.approx(0.295, rel=1e-12)
    assert "ICRP Publication 89" in ref.source


@pytest.mark.parametrize("sex", list(Sex))
def test_reference_organ_masses_and_flows(sex: Sex) -> None:
    ref = reference_individual(sex)
    for tissue, grams in ICRP_MASS_G[sex].items():  # density 1 kg/L for these tissues
        assert ref.volumes_l[tissue] == pytest.approx(grams / 1000.0, rel=1e-12)
    for tissue, pct in ICRP_FLOW_PCT[sex].items():
        assert ref.flow_fractions[tissue] == pytest.approx(pct / 100.0, rel=1e-12)
    assert ref.flows_l_per_h["liver"] == pytest.approx(
        ICRP_FLOW_PCT[sex]["liver"] / 100.0 * ICRP_BODY[sex]["co_l_min"] * 60.0, rel=1e-12
    )


def test_male_adipose_and_bone_volumes_use_their_densities() -> None:
    ref = reference_individual(Sex.MALE)
    assert ref.volumes_l["adipose"] == pytest.approx(14.5 / 0.92, rel=1e-12)
    assert ref.volumes_l["bone"] == pytest.approx(10.5 / 1.3, rel=1e-12)


@pytest.mark.parametrize("sex", list(Sex))
def test_reference_has_every_tissue(sex: Sex) -> None:
    ref = reference_individual(sex)
    assert set(ref.volumes_l) == set(TISSUES)
    assert set(ref.flow_fractions) == set(FLOW_TISSUES)
    assert all(v > 0 for v in ref.volumes_l.values())
    assert all(f > 0 for f in ref.flow_fractions.values())


@pytest.mark.parametrize("sex", list(Sex))
def test_flows_balance(sex: Sex) -> None:
    f = reference_individual(sex).flow_fractions
    assert sum(f[t] for t in VENOUS_RETURN) == pytest.approx(1.0, rel=1e-12)
    assert f["liver"] == pytest.approx(
        f["hepatic_artery"] + f["gut"] + f["spleen"] + f["pancreas"], rel=1e-12
    )
    assert f["lung"] == 1.0


def test_male_hepatic_artery_equals_icrp_value() -> None:
    # For the male the closure reproduces ICRP's tabulated 6.5 % exactly (25.5 − 15 − 3 − 1).
    f = reference_individual(Sex.MALE).flow_fractions
    assert f["hepatic_artery"] == pytest.approx(0.065, rel=1e-12)


@pytest.mark.parametrize("sex", list(Sex))
def test_masses_add_up_to_body_weight(sex: Sex) -> None:
    ref = reference_individual(sex)
    densities = {"adipose": 0.92, "bone": 1.3}
    mass = sum(v * densities.get(t, 1.0) for t, v in ref.volumes_l.items())
    assert mass == pytest.approx(ref.body_weight_kg, rel=1e-12)


def test_reference_is_a_fresh_copy_and_pickles() -> None:
    ref = reference_individual(Sex.FEMALE)
    ref.volumes_l["liver"] = 99.0  # type: ignore[index]
    assert reference_individual(Sex.FEMALE).volumes_l["liver"] == 1.4
    back = pickle.loads(pickle.dumps(reference_individual(Sex.FEMALE)))
    assert isinstance(back, ReferenceIndividual)
    assert back == reference_individual(Sex.FEMALE)


def test_reference_needs_sex_enum() -> None:
    with pytest.raises(ProfileError):
        reference_individual("male")  # type: ignore[arg-type]


# --- scaled_organs -----------------------------------------------------------------------------


DENSITY = {"adipose": 0.92, "bone": 1.3}  # kg/L (Huisinga 2012), all else 1


def _deurenberg_fraction(w: float, h_cm: float, age: float, male: bool) -> float:
    """Deurenberg 1991 (Br J Nutr 65:105) adult BF% / 100, written out from the paper."""
    return (1.20 * w / (h_cm / 100.0) ** 2 + 0.23 * age - 10.8 * male - 5.4) / 100.0


@pytest.mark.parametrize("sex", list(Sex))
def test_scaled_organs_of_the_reference_individual_are_icrp_89(sex: Sex) -> None:
    # the reference's weight, height (Table 2.9) and age 30 give back ICRP 89 exactly
    body = ICRP_BODY[sex]
    out = scaled_organs(Covariates(sex, 30.0, body["weight"], body["height"]))
    ref = reference_individual(sex)
    assert ref.age_years == 30.0
    for tissue, grams in ICRP_MASS_G[sex].items():
        assert out[f"V_{tissue}"] == pytest.approx(grams / 1000.0, rel=1e-12)
    adipose_kg = {Sex.MALE: 14.5, Sex.FEMALE: 19.0}[sex]  # Table 2.8
    assert out["V_adipose"] == pytest.approx(adipose_kg / 0.92, rel=1e-12)
    for t in TISSUES:
        assert out[f"V_{t}"] == pytest.approx(ref.volumes_l[t], rel=1e-12)
    assert out["Q_cardiac_output"] == pytest.approx(body["co_l_min"] * 60.0, rel=1e-12)
    for tissue, pct in ICRP_FLOW_PCT[sex].items():
        assert out[f"Q_{tissue}"] == pytest.approx(pct / 100 * body["co_l_min"] * 60, rel=1e-12)


def test_scaled_organs_worked_example() -> None:
    # 80 kg, 200 cm, 50 y man: BMI 20 → BF 1.2·20 + 0.23·50 − 10.8 − 5.4 = 19.3 %, FFM 64.56 kg.
    # Reference man 73 kg, 176 cm, 30 y: BMI 23.566632 → BF 18.979959 %, FFM 59.144630 kg.
    ffm = 80.0 * (1 - 0.193)
    ffm_ref = 73.0 * (1 - _deurenberg_fraction(73.0, 176.0, 30.0, male=True))
    assert ffm_ref == pytest.approx(59.14463, rel=1e-6)
    s = ffm / ffm_ref
    out = scaled_organs(Covariates(Sex.MALE, 50.0, 80.0, 200.0))
    assert out["V_liver"] == pytest.approx(1.8 * s, rel=1e-12)
    assert out["V_muscle"] == pytest.approx(29.0 * s, rel=1e-12)
    assert out["V_venous_blood"] == pytest.approx(5.3 * 0.705 * s, rel=1e-12)
    # adipose: body weight minus the lean tissues (73 − 14.5 kg in the reference) scaled by s
    assert out["V_adipose"] == pytest.approx((80.0 - (73.0 - 14.5) * s) / 0.92, rel=1e-12)
    assert out["Q_cardiac_output"] == pytest.approx(390.0 * s**0.75, rel=1e-12)
    assert out["Q_kidney"] == pytest.approx(0.19 * 390.0 * s**0.75, rel=1e-12)


def test_height_and_age_change_the_organs() -> None:
    # same 70 kg woman: shorter (higher BMI) or older means more fat, smaller lean organs
    base = scaled_organs(Covariates(Sex.FEMALE, 30.0, 70.0, 170.0))
    short = scaled_organs(Covariates(Sex.FEMALE, 30.0, 70.0, 155.0))
    old = scaled_organs(Covariates(Sex.FEMALE, 70.0, 70.0, 170.0))
    for other in (short, old):
        assert other["V_adipose"] > base["V_adipose"]
        assert other["V_liver"] < base["V_liver"]
        assert other["Q_cardiac_output"] < base["Q_cardiac_output"]
    # 40 years at 0.23 %/y: BF +9.2 points, FFM 70·(1 − f − 0.092) against 70·(1 − f)
    f = _deurenberg_fraction(70.0, 170.0, 30.0, male=False)
    assert old["V_liver"] / base["V_liver"] == pytest.approx((1 - f - 0.092) / (1 - f), rel=1e-12)


def test_adipose_rises_with_bmi_while_lean_organs_follow_ffm() -> None:
    ref = reference_individual(Sex.MALE)
    ffm_ref = 73.0 * (1 - _deurenberg_fraction(73.0, 176.0, 30.0, male=True))
    previous = 0.0
    for w in (60.0, 73.0, 90.0, 110.0):  # 176 cm, 45 y: BMI 19.4 … 35.5
        out = scaled_organs(Covariates(Sex.MALE, 45.0, w, 176.0))
        assert out["V_adipose"] > previous
        previous = out["V_adipose"]
        ffm = w * (1 - _deurenberg_fraction(w, 176.0, 45.0, male=True))
        for t in ("liver", "kidney", "brain", "muscle", "rest"):
            assert out[f"V_{t}"] == pytest.approx(ref.volumes_l[t] * ffm / ffm_ref, rel=1e-12)


_ADULT = {
    "sex": st.sampled_from(list(Sex)),
    "age": st.floats(min_value=18.0, max_value=83.0),
    "height": st.floats(min_value=145.0, max_value=200.0),
}


@given(**_ADULT, bmi=st.floats(min_value=13.9, max_value=40.9))
def test_scaled_organs_are_positive_and_keep_balances(
    sex: Sex, age: float, height: float, bmi: float
) -> None:
    w = bmi * (height / 100.0) ** 2
    out = scaled_organs(Covariates(sex, age, w, height))
    assert all(v > 0.0 for v in out.values())
    co = out["Q_cardiac_output"]
    assert sum(out[f"Q_{t}"] for t in VENOUS_RETURN) == pytest.approx(co, rel=1e-12)
    assert out["Q_lung"] == pytest.approx(co, rel=1e-12)
    mass = sum(out[f"V_{t}"] * DENSITY.get(t, 1.0) for t in TISSUES)
    assert mass == pytest.approx(w, rel=1e-12)  # tissues and blood add up to body weight


@given(**_ADULT, bmi=st.floats(min_value=13.9, max_value=40.0), step=st.floats(0.01, 0.9))
def test_scaled_organs_are_monotonic_in_weight_at_fixed_height(
    sex: Sex, age: float, height: float, bmi: float, step: float
) -> None:
    w = bmi * (height / 100.0) ** 2
    lo = scaled_organs(Covariates(sex, age, w, height))
    hi = scaled_organs(Covariates(sex, age, w + step * (height / 100.0) ** 2, height))
    assert hi["V_adipose"] > lo["V_adipose"]
    # lean organs follow FFM = W(1 − f); dFFM/dW = 1 − f − 0.012·BMI is negative only where
    # 0.024·BMI + 0.0023·age > 1.054 (female) or 1.162 (male): the linear BF% formula's region
    male = sex is Sex.MALE
    slope = 1 - 0.024 * (bmi + step) - 0.0023 * age + (0.162 if male else 0.054)
    if slope > 0:
        assert hi["V_liver"] > lo["V_liver"] and hi["Q_cardiac_output"] > lo["Q_cardiac_output"]


def test_scaled_organ_keys_and_units_are_pint_parsable() -> None:
    out = scaled_organs(Covariates(Sex.FEMALE, 30.0, 60.0, 163.0))
    assert set(out) == set(SCALED_ORGAN_UNITS)
    for key, unit in SCALED_ORGAN_UNITS.items():
        expected = "[volume]" if key.startswith("V_") else "[volume] / [time]"
        assert ureg.Quantity(1.0, unit).check(expected), (key, unit)


def test_scaled_organs_refuses_children() -> None:
    with pytest.raises(ProfileError) as info:
        scaled_organs(Covariates(Sex.MALE, 10.0, 32.0, 138.0))
    assert "10.0" in str(info.value)


def test_scaled_organs_refuse_a_body_fat_the_formula_cannot_give() -> None:
    # 18-year-old man, BMI 10: 1.2·10 + 0.23·18 − 10.8 − 5.4 = −0.06 % body fat
    with pytest.raises(ProfileError, match="Deurenberg"):
        scaled_organs(Covariates(Sex.MALE, 18.0, 32.4, 180.0))
