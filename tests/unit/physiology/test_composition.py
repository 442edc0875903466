"""Deurenberg 1991 body fat formula against values worked by hand from the paper's equation.

Deurenberg P, Weststrate JA, Seidell JC. Br J Nutr 1991;65:105-14 (PMID 2043597), adults:
BF% = 1.20·BMI + 0.23·age − 10.8·sex − 5.4, sex = 1 for males, 0 for females.
"""

from __future__ import annotations

import pytest

from sbmltwin.errors import ProfileError
from sbmltwin.physiology import Sex, body_composition, body_fat_fraction_deurenberg


@pytest.mark.parametrize(
    ("w", "h", "age", "sex", "percent"),
    [
        (80.0, 200.0, 50.0, Sex.MALE, 19.3),  # BMI 20: 24 + 11.5 − 10.8 − 5.4
        (64.0, 160.0, 20.0, Sex.FEMALE, 29.2),  # BMI 25: 30 + 4.6 − 5.4
        (90.0, 150.0, 70.0, Sex.FEMALE, 58.7),  # BMI 40: 48 + 16.1 − 5.4
        (49.0, 175.0, 18.0, Sex.MALE, 7.14),  # BMI 16: 19.2 + 4.14 − 16.2
    ],
)
def test_body_fat_against_hand_worked_values(
    w: float, h: float, age: float, sex: Sex, percent: float
) -> None:
    assert body_fat_fraction_deurenberg(w, h, age, sex) == pytest.approx(percent / 100, rel=1e-12)
    comp = body_composition(w, h, age, sex)
    assert comp.fat_mass_kg == pytest.approx(w * percent / 100, rel=1e-12)
    assert comp.fat_free_mass_kg == pytest.approx(w * (1 - percent / 100), rel=1e-12)
    assert comp.warnings == ()


def test_men_carry_10_8_points_less_fat_than_women() -> None:
    woman = body_fat_fraction_deurenberg(70.0, 170.0, 40.0, Sex.FEMALE)
    man = body_fat_fraction_deurenberg(70.0, 170.0, 40.0, Sex.MALE)
    assert woman - man == pytest.approx(0.108, rel=1e-12)


@pytest.mark.parametrize(
    ("w", "h", "age", "word"),
    [
        (120.0, 160.0, 40.0, "BMI 46.9"),  # above the sample's 40.9 kg/m²
        (70.0, 170.0, 90.0, "age 90"),  # above the sample's 83 years
    ],
)
def test_outside_the_derivation_sample_is_a_warning(
    w: float, h: float, age: float, word: str
) -> None:
    comp = body_composition(w, h, age, Sex.FEMALE)
    assert len(comp.warnings) == 1 and word in comp.warnings[0]
    assert "WARNING" in comp.describe() and "extrapolated" in comp.describe()


def test_children_and_impossible_fractions_are_errors() -> None:
    with pytest.raises(ProfileError, match="adult"):
        body_fat_fraction_deurenberg(30.0, 135.0, 10.0, Sex.FEMALE)
    with pytest.raises(ProfileError, match="Deurenberg"):  # BMI 10, 18 y, male: −0.06 %
        body_fat_fraction_deurenberg(32.4, 180.0, 18.0, Sex.MALE)
    with pytest.raises(ProfileError, match="sex"):
        body_fat_fraction_deurenberg(70.0, 170.0, 40.0, "male")  # type: ignore[arg-type]
