"""Input checks shared by the physiology formulas (private).

Every public formula takes plain floats in fixed units. A value that is not a finite real
number, or lies outside the formula's domain, is a user error and raises
:class:`~sbmltwin.errors.ProfileError` naming the argument and the value.
"""

from __future__ import annotations

import math
from numbers import Real

from sbmltwin.errors import ProfileError

__all__ = ["ADULT_AGE_YEARS", "check_adult", "check_positive", "check_real"]

#: The adult formulas here (CKD-EPI 2021, Cockcroft-Gault, Devine, ICRP 89 adult reference)
#: were derived in people aged 18 and over.
ADULT_AGE_YEARS = 18.0


def check_real(name: str, value: object, unit: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ProfileError(
            f"{name} must be a number in {unit}, got {value!r} ({type(value).__name__})",
            hint=f"pass a plain float in {unit}; parse quantities with units first",
        )
    number = float(value)
    if not math.isfinite(number):
        raise ProfileError(f"{name} must be finite, got {number!r} {unit}")
    return number


def check_positive(name: str, value: object, unit: str) -> float:
    """Return ``value`` as a float, or raise unless it is finite and > 0."""
    number = check_real(name, value, unit)
    if number <= 0.0:
        raise ProfileError(f"{name} must be > 0 {unit}, got {number!r}")
    return number


def check_adult(age_years: object, formula: str) -> float:
    """Return the age, or raise if the person is younger than 18 years (adult-only formula)."""
    age = check_real("age_years", age_years, "years")
    if age < ADULT_AGE_YEARS:
        raise ProfileError(
            f"{formula} is an adult formula (age ≥ 18 years), got age_years = {age!r}",
            hint="paediatric equations are not implemented in sbmltwin.physiology",
        )
    if age > 120.0:
        raise ProfileError(f"age_years = {age!r} is outside the plausible range 0–120 years")
    return age
