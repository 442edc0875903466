"""Body size: surface area, BMI, lean and ideal body weight, and allometric size factors.

All inputs are floats in kg, cm and years; outputs are in the units each docstring states.
Each formula cites its source; the tests check each against an independently computed value.

>>> round(bsa_dubois(70.0, 175.0), 4)
1.8481
>>> allometric_factor(70.0)
1.0
"""

from __future__ import annotations

from sbmltwin.errors import ProfileError
from sbmltwin.physiology._checks import check_positive, check_real
from sbmltwin.physiology.covariates import Sex

__all__ = [
    "ALLOMETRIC_EXPONENT_CLEARANCE",
    "ALLOMETRIC_EXPONENT_VOLUME",
    "ALLOMETRIC_REFERENCE_KG",
    "allometric_factor",
    "bmi",
    "bsa_dubois",
    "bsa_mosteller",
    "ideal_body_weight_devine",
    "lean_body_weight_janmahasatian",
]

#: Theory-based allometry (Anderson & Holford, Annu Rev Pharmacol Toxicol 2008;48:303-32,
#: doi:10.1146/annurev.pharmtox.48.113006.094708, PMID 17914927): size is referenced to a
#: 70 kg person with exponent 3/4 for clearances and flows (rates) and 1 for volumes.
ALLOMETRIC_REFERENCE_KG = 70.0
ALLOMETRIC_EXPONENT_CLEARANCE = 0.75
ALLOMETRIC_EXPONENT_VOLUME = 1.0

_CM_PER_INCH = 2.54


def bsa_dubois(weight_kg: float, height_cm: float) -> float:
    """Body surface area (m²) by DuBois & DuBois: ``0.007184 · W^0.425 · H^0.725``.

    W in kg, H in cm. Source: DuBois D, DuBois EF. A formula to estimate the approximate surface
    area if height and weight be known. Arch Intern Med 1916;17:863-71 (reprinted Nutrition
    1989;5(5):303-11, PMID 2520314).
    """
    w = check_positive("weight_kg", weight_kg, "kg")
    h = check_positive("height_cm", height_cm, "cm")
    return float(0.007184 * w**0.425 * h**0.725)


def bsa_mosteller(weight_kg: float, height_cm: float) -> float:
    """Body surface area (m²) by Mosteller: ``sqrt(H · W / 3600)``, W in kg, H in cm.

    Source: Mosteller RD. Simplified calculation of body-surface area. N Engl J Med
    1987;317(17):1098, doi:10.1056/NEJM198710223171717, PMID 3657876.
    """
    w = check_positive("weight_kg", weight_kg, "kg")
    h = check_positive("height_cm", height_cm, "cm")
    return float((h * w / 3600.0) ** 0.5)


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body mass index (kg/m²): weight / height², height converted from cm to m (Quetelet).

    Source: WHO. Obesity: preventing and managing the global epidemic. World Health Organ Tech
    Rep Ser 2000;894:i-xii,1-253, PMID 11234459 (weight in kg over the square of height in m).
    """
    w = check_positive("weight_kg", weight_kg, "kg")
    h = check_positive("height_cm", height_cm, "cm") / 100.0
    return float(w / (h * h))


def lean_body_weight_janmahasatian(weight_kg: float, height_cm: float, sex: Sex) -> float:
    """Lean body weight (kg), the fat-free-mass model of Janmahasatian et al.

    Male ``9270·W / (6680 + 216·BMI)``, female ``9270·W / (8780 + 244·BMI)``, W in kg, BMI in
    kg/m². Source: Janmahasatian S, Duffull SB, Ash S, Ward LC, Byrne NM, Green B. Quantification
    of lean bodyweight. Clin Pharmacokinet 2005;44(10):1051-65,
    doi:10.2165/00003088-200544100-00004, PMID 16176118. Derived in adults aged 18–82 with BMI
    17–70 kg/m²; below BMI ≈ 12 kg/m² the male equation exceeds total weight (extrapolation).
    """
    w = check_positive("weight_kg", weight_kg, "kg")
    index = bmi(w, height_cm)
    if sex is Sex.MALE:
        return float(9270.0 * w / (6680.0 + 216.0 * index))
    if sex is Sex.FEMALE:
        return float(9270.0 * w / (8780.0 + 244.0 * index))
    raise ProfileError(f"sex must be a Sex, got {sex!r}", hint="use Sex.parse('female')")


def ideal_body_weight_devine(height_cm: float, sex: Sex) -> float:
    """Ideal body weight (kg) by Devine: 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch over 5 ft.

    Height in cm is converted to inches (2.54 cm/in). Source: Devine BJ. Gentamicin therapy.
    Drug Intell Clin Pharm 1974;8:650-5 (no PMID). The formula is meant for adults of at least
    5 ft (152.4 cm); below that it is extrapolated linearly, and a height at which it would give
    a weight ≤ 0 raises :class:`~sbmltwin.errors.ProfileError`.
    """
    h = check_positive("height_cm", height_cm, "cm")
    if sex is Sex.MALE:
        base = 50.0
    elif sex is Sex.FEMALE:
        base = 45.5
    else:
        raise ProfileError(f"sex must be a Sex, got {sex!r}", hint="use Sex.parse('female')")
    ibw = base + 2.3 * (h / _CM_PER_INCH - 60.0)
    if ibw <= 0.0:
        raise ProfileError(
            f"Devine ideal body weight is undefined for height_cm = {h!r} (it gives {ibw:.1f} kg)",
            hint="the Devine formula is for adults; use another size descriptor",
        )
    return float(ibw)


def allometric_factor(
    weight_kg: float,
    *,
    reference_kg: float = ALLOMETRIC_REFERENCE_KG,
    exponent: float = ALLOMETRIC_EXPONENT_CLEARANCE,
) -> float:
    """Allometric size factor ``(W / W_ref) ** exponent`` (dimensionless).

    Multiply a parameter estimated at ``reference_kg`` by this factor to scale it to a person
    of ``weight_kg``. Standard exponents (Anderson & Holford, Annu Rev Pharmacol Toxicol
    2008;48:303-32, doi:10.1146/annurev.pharmtox.48.113006.094708, PMID 17914927):
    :data:`ALLOMETRIC_EXPONENT_CLEARANCE` = 0.75 for clearances and blood flows,
    :data:`ALLOMETRIC_EXPONENT_VOLUME` = 1.0 for volumes; the reference is 70 kg.

    >>> round(allometric_factor(35.0, exponent=1.0), 3)
    0.5
    """
    w = check_positive("weight_kg", weight_kg, "kg")
    ref = check_positive("reference_kg", reference_kg, "kg")
    b = check_real("exponent", exponent, "(dimensionless)")
    return float((w / ref) ** b)
