"""Sex and the covariates of one person, checked for plausible ranges.

Magnitudes are plain floats in fixed units (kg, cm, years, mg/dL); a caller holding quantities
with units converts them first (``parse_quantity("72 kg").m_as("kg")``).

>>> cov = Covariates(Sex.parse("F"), age_years=50, weight_kg=65.0, height_cm=165.0)
>>> cov.sex, cov.serum_creatinine_mg_dl, cov.child_pugh
(<Sex.FEMALE: 'female'>, None, None)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sbmltwin.errors import ProfileError
from sbmltwin.physiology._checks import check_real

__all__ = ["CHILD_PUGH_CLASSES", "PLAUSIBLE_RANGES", "Covariates", "Sex", "parse_child_pugh"]

_SEX_WORDS = {
    "female": "female",
    "f": "female",
    "woman": "female",
    "male": "male",
    "m": "male",
    "man": "male",
}

#: Child-Pugh classes (Pugh et al., Br J Surg 1973;60(8):646-9, PMID 4541913).
CHILD_PUGH_CLASSES = ("A", "B", "C")

#: field -> (low, high, unit): inclusive bounds outside which a value is refused as implausible.
#: They catch unit mistakes (pounds for kg, metres for cm, µmol/L for mg/dL), not rare patients.
PLAUSIBLE_RANGES: dict[str, tuple[float, float, str]] = {
    "age_years": (0.0, 120.0, "years"),
    "weight_kg": (0.5, 400.0, "kg"),
    "height_cm": (30.0, 250.0, "cm"),
    "serum_creatinine_mg_dl": (0.1, 20.0, "mg/dL"),
}

_HINTS = {
    "weight_kg": "give body weight in kg (1 lb = 0.4536 kg)",
    "height_cm": "give height in cm (1 in = 2.54 cm; metres × 100)",
    "serum_creatinine_mg_dl": (
        "give serum creatinine in mg/dL; convert µmol/L with creatinine_umol_to_mg_dl()"
    ),
    "age_years": "give age in years",
}


class Sex(enum.Enum):
    """Biological sex, as used by the sex-specific formulas and reference values."""

    FEMALE = "female"
    MALE = "male"

    @classmethod
    def parse(cls, text: str) -> Sex:
        """Read ``female``/``f``/``woman`` or ``male``/``m``/``man`` (any case, surrounding spaces).

        >>> Sex.parse(" Woman ")
        <Sex.FEMALE: 'female'>
        """
        if not isinstance(text, str):
            raise ProfileError(f"sex must be text, got {text!r}", hint="use 'female' or 'male'")
        word = _SEX_WORDS.get(text.strip().lower())
        if word is None:
            raise ProfileError(
                f"unknown sex {text!r}",
                hint="use one of female, f, woman, male, m, man (any case)",
            )
        return cls(word)


def parse_child_pugh(text: object) -> str:
    """Return the Child-Pugh class ``"A"``, ``"B"`` or ``"C"`` (case and spaces ignored).

    >>> parse_child_pugh(" b ")
    'B'
    """
    if isinstance(text, str) and text.strip().upper() in CHILD_PUGH_CLASSES:
        return text.strip().upper()
    raise ProfileError(
        f"child_pugh = {text!r} is not a Child-Pugh class",
        hint="use 'A' (mild), 'B' (moderate) or 'C' (severe hepatic impairment)",
    )


def _check_range(field: str, value: object) -> float:
    low, high, unit = PLAUSIBLE_RANGES[field]
    number = check_real(field, value, unit)
    if not low <= number <= high:
        raise ProfileError(
            f"{field} = {number!r} {unit} is outside the plausible range {low:g}–{high:g} {unit}",
            where="covariates",
            hint=_HINTS[field],
        )
    return number


@dataclass(frozen=True, slots=True)
class Covariates:
    """The covariates of one person, in fixed units, checked on construction.

    ``serum_creatinine_mg_dl`` is needed only for renal function; ``child_pugh`` (``"A"``,
    ``"B"``, ``"C"`` or ``None`` for no known hepatic impairment) only for hepatic scaling.
    Numbers are stored as floats; a Child-Pugh class is stored upper-case.
    """

    sex: Sex
    age_years: float
    weight_kg: float
    height_cm: float
    serum_creatinine_mg_dl: float | None = None
    child_pugh: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.sex, Sex):
            raise ProfileError(
                f"sex must be a Sex, got {self.sex!r}",
                where="covariates",
                hint="use Sex.parse('female') or Sex.MALE",
            )
        for field in ("age_years", "weight_kg", "height_cm"):
            object.__setattr__(self, field, _check_range(field, getattr(self, field)))
        if self.serum_creatinine_mg_dl is not None:
            scr = _check_range("serum_creatinine_mg_dl", self.serum_creatinine_mg_dl)
            object.__setattr__(self, "serum_creatinine_mg_dl", scr)
        if self.child_pugh is not None:
            object.__setattr__(self, "child_pugh", parse_child_pugh(self.child_pugh))
