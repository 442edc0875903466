"""Body composition: the adult body fat fraction from BMI, age and sex (Deurenberg 1991).

Deurenberg P, Weststrate JA, Seidell JC. Body mass index as a measure of body fatness: age- and
sex-specific prediction formulas. Br J Nutr 1991;65(2):105-14, doi:10.1079/BJN19910073,
PMID 2043597. Adults: ``BF% = 1.20·BMI + 0.23·age − 10.8·sex − 5.4`` (sex 1 = male, 0 =
female; R² 0.79, SEE 4.1 % BF). Derived by densitometry in 1229 Dutch subjects aged 7–83 years
with BMI 13.9–40.9 kg/m² (the adult formula applies above 15 years); the authors note that it
slightly overestimates body fat in obese subjects. Fat-free mass is ``W · (1 − fraction)``.

This is the size measure of :func:`sbmltwin.physiology.scaled_organs`: height enters through
BMI, age through its own term. Outside the derivation sample the formula is extrapolated and
:func:`body_composition` says so in ``warnings``; a fraction ≤ 0 or ≥ 1 is refused.

>>> c = body_composition(70.0, 175.0, 40.0, Sex.MALE)
>>> round(c.fat_fraction, 6), round(c.fat_free_mass_kg, 4)
(0.204286, 55.7)
"""

from __future__ import annotations

from dataclasses import dataclass

from sbmltwin.errors import ProfileError
from sbmltwin.physiology._checks import check_adult, check_positive
from sbmltwin.physiology.body import bmi
from sbmltwin.physiology.covariates import Sex

__all__ = [
    "DEURENBERG_CITATION",
    "DEURENBERG_RANGE",
    "BodyComposition",
    "body_composition",
    "body_fat_fraction_deurenberg",
]

DEURENBERG_CITATION = (
    "Deurenberg P, Weststrate JA, Seidell JC. Br J Nutr 1991;65(2):105-14, "
    "doi:10.1079/BJN19910073, PMID 2043597"
)

# Adult coefficients of BF% (percent): per kg/m² of BMI, per year of age, male, intercept.
_BMI, _AGE, _MALE, _INTERCEPT = 1.20, 0.23, -10.8, -5.4

#: The derivation sample: (low, high, unit) of BMI and age; outside it the formula extrapolates.
DEURENBERG_RANGE: dict[str, tuple[float, float, str]] = {
    "bmi": (13.9, 40.9, "kg/m²"),
    "age_years": (7.0, 83.0, "years"),
}


def body_fat_fraction_deurenberg(
    weight_kg: float, height_cm: float, age_years: float, sex: Sex
) -> float:
    """Body fat as a fraction of body weight (not %), Deurenberg 1991 adult formula.

    ``(1.20·BMI + 0.23·age − 10.8·male − 5.4) / 100``; BMI in kg/m² from ``weight_kg`` and
    ``height_cm``. Adults only (age ≥ 18 years, the package's adult threshold). Raises
    :class:`~sbmltwin.errors.ProfileError` when the formula gives a fraction ≤ 0 or ≥ 1.
    """
    age = check_adult(age_years, "the Deurenberg 1991 body fat formula")
    index = bmi(weight_kg, height_cm)
    if not isinstance(sex, Sex):
        raise ProfileError(f"sex must be a Sex, got {sex!r}", hint="use Sex.parse('female')")
    male = 1.0 if sex is Sex.MALE else 0.0
    percent = _BMI * index + _AGE * age + _MALE * male + _INTERCEPT
    fraction = percent / 100.0
    if not 0.0 < fraction < 1.0:
        raise ProfileError(
            f"the Deurenberg 1991 formula gives body fat {percent:.3g} % for BMI {index:.3g} "
            f"kg/m², {age:g} y, {sex.value}: not a fraction of body weight",
            where="covariates",
            hint="check weight (kg) and height (cm); the formula was derived for BMI "
            "13.9–40.9 kg/m²",
        )
    return float(fraction)


@dataclass(frozen=True, slots=True)
class BodyComposition:
    """Fat and fat-free mass of one adult, and what the formula had to extrapolate."""

    weight_kg: float
    bmi: float
    age_years: float
    sex: Sex
    fat_fraction: float
    warnings: tuple[str, ...] = ()

    @property
    def fat_mass_kg(self) -> float:
        """Fat mass (kg): ``W · fraction``."""
        return self.weight_kg * self.fat_fraction

    @property
    def fat_free_mass_kg(self) -> float:
        """Fat-free mass (kg): ``W − W · fraction`` (the form the SBML models compute)."""
        return self.weight_kg - self.fat_fraction * self.weight_kg

    def describe(self) -> str:
        """``body fat 20.4 % (Deurenberg 1991) from BMI 22.9 kg/m², 40 y, male`` + warnings."""
        text = (
            f"body fat {100.0 * self.fat_fraction:.3g} % (Deurenberg 1991) from BMI "
            f"{self.bmi:.3g} kg/m², {self.age_years:.3g} y, {self.sex.value}"
        )
        return "; ".join([text, *(f"WARNING: {w}" for w in self.warnings)])


def body_composition(
    weight_kg: float, height_cm: float, age_years: float, sex: Sex
) -> BodyComposition:
    """Fat fraction by :func:`body_fat_fraction_deurenberg`, with a warning for each input
    outside the derivation sample (:data:`DEURENBERG_RANGE`)."""
    w = check_positive("weight_kg", weight_kg, "kg")
    fraction = body_fat_fraction_deurenberg(w, height_cm, age_years, sex)
    index = bmi(w, height_cm)
    warnings = []
    for name, value in (("bmi", index), ("age_years", float(age_years))):
        low, high, unit = DEURENBERG_RANGE[name]
        if not low <= value <= high:
            label = "BMI" if name == "bmi" else "age"
            warnings.append(
                f"{label} {value:.3g} {unit} is outside the {low:g}–{high:g} {unit} of the "
                "Deurenberg 1991 sample: body fat is extrapolated"
            )
    return BodyComposition(w, index, float(age_years), sex, fraction, tuple(warnings))
