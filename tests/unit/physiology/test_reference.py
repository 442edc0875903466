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


@pytest.mark.parametrize("sex", list(Sex))
def test_scaled_organs_at_reference_weight_are_the_reference(sex: Sex) -> None:
    ref = reference_individual(sex)
    out = scaled_organs(Covariates(sex, 35.0, ref.body_weight_kg, ref.height_cm))
    for t in TISSUES:
        assert out[f"V_{t}"] == pytest.approx(ref.volumes_l[t], rel=1e-12)
    for t in FLOW_TISSUES:
        assert out[f"Q_{t}"] == pytest.approx(ref.flows_l_per_h[t], rel=1e-12)
    assert out["Q_cardiac_output"] == pytest.approx(ref.cardiac_output_l_per_h, rel=1e-12)


def test_scaled_organs_worked_example() -> None:
    # 146 kg man = 2 × the 73 kg reference: volumes × 2, flows × 2^0.75 = 1.681793
    out = scaled_organs(Covariates(Sex.MALE, 40.0, 146.0, 176.0))
    assert out["V_liver"] == pytest.approx(3.6, rel=1e-12)
    assert out["Q_cardiac_output"] == pytest.approx(390.0 * 2**0.75, rel=1e-12)
    assert out["Q_kidney"] == pytest.approx(0.19 * 390.0 * 2**0.75, rel=1e-12)


@given(w=st.floats(min_value=30.0, max_value=250.0), sex=st.sampled_from(list(Sex)))
def test_scaled_organs_keep_balances(w: float, sex: Sex) -> None:
    out = scaled_organs(Covariates(sex, 40.0, w, 170.0))
    co = out["Q_cardiac_output"]
    assert sum(out[f"Q_{t}"] for t in VENOUS_RETURN) == pytest.approx(co, rel=1e-12)
    assert out["Q_lung"] == pytest.approx(co, rel=1e-12)
    ref = reference_individual(sex)
    assert out["V_liver"] / ref.volumes_l["liver"] == pytest.approx(w / ref.body_weight_kg)


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
