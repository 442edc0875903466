"""The personalization laws and covariates, defined once.

:func:`~sbmltwin.personalize.personalize` (one twin, with reason chains) and the cohort's
:class:`~sbmltwin.cohort.plan.PersonalizationPlan` (a block of twins, values only) both compute
through this registry, so they give the same numbers by construction:

* :data:`COVARIATE_REGISTRY`: covariate name → :class:`Covariate` (its unit, the profile items it
  needs, the function computing it and the reason text);
* :data:`LAWS`: law name → what it is for and what it computes (the README's table);
* :func:`covariate_law`: a covariate binding's value function and reason, set up once per binding;
* :func:`gene_factor`: a gene binding's factor and reason for one gene call.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sbmltwin.errors import BindingError
from sbmltwin.pgx import GeneCall, reference_activity_score
from sbmltwin.physiology import (
    Sex,
    allometric_factor,
    bmi,
    body_composition,
    body_fat_fraction_deurenberg,
    bsa_dubois,
    crcl_cockcroft_gault,
    egfr_absolute,
    egfr_ckd_epi_2021,
    lean_body_weight_janmahasatian,
)
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

if TYPE_CHECKING:
    from sbmltwin.personalize.bindings import Binding

__all__ = [
    "COVARIATE_REGISTRY",
    "LAWS",
    "Covariate",
    "CovariateLaw",
    "Inputs",
    "Law",
    "LawInfo",
    "covariate_law",
    "gene_factor",
    "reference_value",
    "unit_factor",
]


class Law(enum.Enum):
    """How a profile value becomes a parameter value (see the README's table)."""

    ACTIVITY_SCORE_LINEAR = "activity_score_linear"
    ACTIVITY_SCORE_POWER = "activity_score_power"
    PHENOTYPE_TABLE = "phenotype_table"
    ALLOMETRIC = "allometric"
    VALUE = "value"
    RATIO = "ratio"
    CHILD_PUGH = "child_pugh"


@dataclass(frozen=True, slots=True)
class LawInfo:
    """A law's section (genes, covariates or conditions), default ``apply`` and formula text."""

    section: str
    apply: str
    formula: str


LAWS: dict[Law, LawInfo] = {
    Law.ACTIVITY_SCORE_LINEAR: LawInfo("genes", "set", "f = AS / reference AS"),
    Law.ACTIVITY_SCORE_POWER: LawInfo("genes", "set", "f = (AS / reference AS)^exponent"),
    Law.PHENOTYPE_TABLE: LawInfo("genes", "set", "f = factors[phenotype]"),
    Law.ALLOMETRIC: LawInfo("covariates", "scale", "f = (covariate / reference)^exponent"),
    Law.VALUE: LawInfo("covariates", "set", "the covariate, in the parameter's unit"),
    Law.RATIO: LawInfo("covariates", "scale", "f = covariate / reference"),
    Law.CHILD_PUGH: LawInfo("conditions", "set", "a factor of the Child-Pugh table"),
}

#: profile items a covariate can need, by name (the keys of a profile)
_W, _H, _SEX, _AGE, _SCR = "weight", "height", "sex", "age", "serum_creatinine"

# (weight kg, height cm, sex, age y, serum creatinine mg/dL), each None when the twin lacks it
Inputs = tuple[float | None, float | None, Sex | None, float | None, float | None]
_Compute = Callable[[float, float, Sex, float, float], float]


@dataclass(frozen=True, slots=True)
class Covariate:
    """A covariate a binding can name: its unit, the profile items it needs, how it is computed
    from (weight kg, height cm, sex, age y, serum creatinine mg/dL) and its reason text."""

    name: str
    unit: str
    needs: tuple[str, ...]
    compute: _Compute
    describe: Callable[[float, float, float, Sex, float, float], str]

    def missing(self, inputs: Inputs) -> tuple[str, ...]:
        """The profile items this covariate needs and ``inputs`` lacks."""
        given = dict(zip((_W, _H, _SEX, _AGE, _SCR), inputs, strict=True))
        return tuple(n for n in self.needs if given[n] is None)

    def value(self, inputs: Inputs) -> tuple[float, str] | None:
        """(value, reason), or None when the twin lacks an item it needs. Computed on demand,
        so a covariate no binding uses never fails a twin (the renal formulas refuse children)."""
        if self.missing(inputs):
            return None
        w, h, sex, age, scr = inputs
        args = (w or 0.0, h or 0.0, sex or Sex.FEMALE, age or 0.0, scr or 0.0)
        value = self.compute(*args)
        return value, self.describe(value, *args)


def _renal(scr: float, age: float, sex: Sex) -> str:
    return f"Scr {scr:.3g} mg/dL, {age:.3g} y, {sex.value}"


COVARIATE_REGISTRY: dict[str, Covariate] = {
    c.name: c
    for c in (
        Covariate(
            "weight", "kg", (_W,), lambda w, h, s, a, c: w, lambda v, *_: f"weight {v:.4g} kg"
        ),
        Covariate(
            "height", "cm", (_H,), lambda w, h, s, a, c: h, lambda v, *_: f"height {v:.4g} cm"
        ),
        Covariate("age", "year", (_AGE,), lambda w, h, s, a, c: a, lambda v, *_: f"age {v:.4g} y"),
        Covariate(  # 1 for a female twin, 0 for a male one (sex-specific references, e.g. ICRP 89)
            "female",
            "dimensionless",
            (_SEX,),
            lambda w, h, s, a, c: 1.0 if s is Sex.FEMALE else 0.0,
            lambda v, w, h, s, *_: f"sex {s.value}",
        ),
        Covariate(
            "bsa",
            "m**2",
            (_W, _H),
            lambda w, h, s, a, c: bsa_dubois(w, h),
            lambda v, w, h, *_: f"BSA (DuBois) {v:.3f} m² from {w:.4g} kg, {h:.4g} cm",
        ),
        Covariate(
            "bmi",
            "kg/m**2",
            (_W, _H),
            lambda w, h, s, a, c: bmi(w, h),
            lambda v, *_: f"BMI {v:.3g} kg/m²",
        ),
        Covariate(
            "lean_body_weight",
            "kg",
            (_W, _H, _SEX),
            lambda w, h, s, a, c: lean_body_weight_janmahasatian(w, h, s),
            lambda v, *_: f"lean body weight (Janmahasatian) {v:.3g} kg",
        ),
        Covariate(  # Deurenberg 1991; its reason warns when BMI or age is extrapolated
            "body_fat_fraction",
            "dimensionless",
            (_W, _H, _SEX, _AGE),
            lambda w, h, s, a, c: body_fat_fraction_deurenberg(w, h, a, s),
            lambda v, w, h, s, a, c: body_composition(w, h, a, s).describe(),
        ),
        Covariate(  # CKD-EPI 2021, per 1.73 m² of body surface
            "egfr",
            "mL/min",
            (_SCR, _AGE, _SEX),
            lambda w, h, s, a, c: egfr_ckd_epi_2021(c, a, s),
            lambda v, w, h, s, a, c: (
                f"eGFR (CKD-EPI 2021) {v:.3g} mL/min/1.73 m² from {_renal(c, a, s)}"
            ),
        ),
        Covariate(  # de-indexed with the twin's own BSA
            "egfr_absolute",
            "mL/min",
            (_SCR, _AGE, _SEX, _W, _H),
            lambda w, h, s, a, c: egfr_absolute(egfr_ckd_epi_2021(c, a, s), bsa_dubois(w, h)),
            lambda v, w, h, s, a, c: (
                f"eGFR {v:.3g} mL/min (CKD-EPI 2021 × DuBois BSA/1.73) from {_renal(c, a, s)}"
            ),
        ),
        Covariate(  # Cockcroft–Gault
            "crcl",
            "mL/min",
            (_SCR, _AGE, _SEX, _W),
            lambda w, h, s, a, c: crcl_cockcroft_gault(c, a, w, s),
            lambda v, w, h, s, a, c: (
                f"CrCl (Cockcroft–Gault) {v:.3g} mL/min from {_renal(c, a, s)}, {w:.4g} kg"
            ),
        ),
    )
}


@functools.lru_cache(maxsize=256)
def unit_factor(from_unit: str, target: ModelUnit, where: str) -> float:
    """Model units per one ``from_unit`` (conversions are linear; pint runs once per pair)."""
    return to_model_units(parse_quantity(f"1 {from_unit}"), target, where=where)


@functools.lru_cache(maxsize=256)
def reference_value(text: str, unit: str) -> float:
    """A reference quantity (e.g. "70 kg") as a number in ``unit``."""
    return float(parse_quantity(text).to(unit).magnitude)


@dataclass(frozen=True, slots=True)
class CovariateLaw:
    """A covariate binding's law, set up once: ``value(x)`` is the binding's value for
    covariate value ``x``; ``reason(x, why)`` extends the covariate's reason ``why``."""

    law: Law
    factor: float = 1.0  # VALUE: model units per covariate unit
    reference: float = 1.0  # ALLOMETRIC / RATIO, in the covariate's unit
    reference_text: str = ""
    exponent: float = 1.0

    def value(self, x: float) -> float:
        if self.law is Law.VALUE:
            return x * self.factor
        if self.law is Law.ALLOMETRIC:
            return allometric_factor(x, reference_kg=self.reference, exponent=self.exponent)
        return x / self.reference

    def reason(self, x: float, why: str) -> str:
        if self.law is Law.VALUE:
            return why
        f = self.value(x)
        if self.law is Law.ALLOMETRIC:
            return f"{why} → ({x:.4g}/{self.reference:g})^{self.exponent:g} = {f:.4g}"
        return f"{why} → /{self.reference_text} = {f:.4g}"


def covariate_law(b: Binding, unit: ModelUnit) -> CovariateLaw:
    """The law of covariate binding ``b`` on a parameter in ``unit`` (pint runs here, once)."""
    cov_unit = COVARIATE_REGISTRY[b.name].unit
    if b.law is Law.VALUE:
        target = unit if unit.declared else ModelUnit(b.unit or "", f"1 {b.unit}")
        return CovariateLaw(Law.VALUE, factor=unit_factor(cov_unit, target, b.key))
    if b.law is Law.ALLOMETRIC:
        assert b.exponent is not None
        ref = reference_value(b.reference or "70 kg", cov_unit)
        return CovariateLaw(Law.ALLOMETRIC, reference=ref, exponent=b.exponent)
    assert b.reference is not None
    ref = reference_value(b.reference, cov_unit)
    return CovariateLaw(Law.RATIO, reference=ref, reference_text=b.reference)


def gene_factor(b: Binding, call: GeneCall) -> tuple[float, str]:
    """The factor a gene binding gives for ``call``, and its reason."""
    if b.law is Law.PHENOTYPE_TABLE:
        code = call.phenotype.short.upper()
        if code not in b.factors:
            raise BindingError(
                f"no factor for phenotype {code} of {b.name}",
                where=b.key,
                hint=f"add {code} = … to factors (has {', '.join(b.factors)})",
            )
        return b.factors[code], f"factor[{code}] = {b.factors[code]:g}"
    if call.activity_score is None:
        if call.diplotype is not None:
            raise BindingError(
                f"law '{b.law.value}' needs an activity score, but {b.name} {call.diplotype} has "
                f"none ({call.phenotype.value}: an allele of uncertain or unknown function)",
                where=b.key,
                hint="give an activity score for this twin, or use a population policy for "
                'uncertain alleles (uncertain = "exclude" or "as_reference")',
            )
        raise BindingError(
            f"law '{b.law.value}' needs an activity score, but {b.name} was given as a phenotype "
            f"({call.phenotype.value})",
            where=b.key,
            hint='give a diplotype or activity score in the profile, or use law = "phenotype_table"',
        )
    ref = float(b.reference) if b.reference is not None else reference_activity_score(b.name)
    ratio = call.activity_score / ref
    bound = (
        f" (AS {call.score_text} is a lower bound: simulated at AS {call.activity_score:g})"
        if call.lower_bound
        else ""
    )
    if b.law is Law.ACTIVITY_SCORE_LINEAR:
        return ratio, f"f = AS/{ref:g} = {ratio:.4g}{bound}"
    assert b.exponent is not None
    if ratio == 0 and b.exponent < 0:
        raise BindingError(
            f"(AS/ref)^{b.exponent:g} is infinite for AS 0",
            where=b.key,
            hint="use a positive exponent",
        )
    value = ratio**b.exponent
    return value, f"f = (AS/{ref:g})^{b.exponent:g} = {value:.4g}{bound}"
