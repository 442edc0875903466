"""ICRP 89 adult reference individuals and their organ volumes and blood flows scaled to a person.

The numbers live in ``data/icrp89_adult.tsv`` with the ICRP table of each. Volumes are in L,
flows in L/h (or as fractions of cardiac output). Tissues are those of a whole-body PBPK model:
:data:`TISSUES` for volumes, :data:`FLOW_TISSUES` for flows.

Conventions (documented because PBPK models differ on them):

* Tissue volume = ICRP mass / density (adipose 0.92 kg/L, skeleton 1.3 kg/L, all else 1 kg/L).
* ``gut`` is the walls of the oesophagus, stomach, small and large intestine; ``gut``,
  ``spleen`` and ``pancreas`` drain into the portal vein, so their flows enter ``liver``.
* ``liver`` flow is the total hepatic outflow; ``hepatic_artery`` = liver − (gut + spleen +
  pancreas), which equals ICRP's 6.5 % for the male and gives 6.0 % (ICRP: 6.5 %) for the
  female, whose tabulated flows sum to 99.5 %.
* ``rest`` flow closes the balance: 1 − (adipose + bone + brain + heart + kidney + liver +
  muscle + skin); ``lung`` receives the whole cardiac output.
* ``arterial_blood``/``venous_blood`` share the whole ICRP blood volume 29.5 : 70.5 (Table 2.13);
  ``rest`` volume = body weight − tissue masses − blood volume (at 1 kg/L), so masses add up to
  the body weight.

>>> ref = reference_individual(Sex.MALE)
>>> ref.body_weight_kg, ref.cardiac_output_l_per_h, ref.volumes_l["liver"]
(73.0, 390.0, 1.8)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sbmltwin.errors import ProfileError
from sbmltwin.physiology._checks import ADULT_AGE_YEARS
from sbmltwin.physiology._data import read_table
from sbmltwin.physiology.body import (
    ALLOMETRIC_EXPONENT_CLEARANCE,
    ALLOMETRIC_EXPONENT_VOLUME,
    allometric_factor,
)
from sbmltwin.physiology.covariates import Covariates, Sex

__all__ = [
    "FLOW_TISSUES",
    "ICRP89_CITATION",
    "SCALED_ORGAN_UNITS",
    "TISSUES",
    "ReferenceIndividual",
    "ScalingTerm",
    "organ_scaling_terms",
    "reference_individual",
    "scaled_organs",
]

ICRP89_CITATION = (
    "ICRP Publication 89: Valentin J. Basic anatomical and physiological data for use in "
    "radiological protection: reference values. Ann ICRP 2002;32(3-4):1-277, "
    "doi:10.1016/S0146-6453(03)00002-2"
)

_MASS_TISSUES = (
    "adipose",
    "bone",
    "brain",
    "gut",
    "heart",
    "kidney",
    "liver",
    "lung",
    "muscle",
    "skin",
    "spleen",
    "pancreas",
)
#: Tissues with a volume in :class:`ReferenceIndividual` and :func:`scaled_organs`.
TISSUES = (*_MASS_TISSUES, "rest", "arterial_blood", "venous_blood")

_PORTAL = ("gut", "spleen", "pancreas")
_VENOUS_RETURN = ("adipose", "bone", "brain", "heart", "kidney", "liver", "muscle", "skin")
_TABULATED_FLOWS = (*_VENOUS_RETURN, *_PORTAL)
#: Tissues with a blood flow in :class:`ReferenceIndividual` and :func:`scaled_organs`.
FLOW_TISSUES = (*_TABULATED_FLOWS, "hepatic_artery", "rest", "lung")

#: Unit of every key :func:`scaled_organs` returns (pint-parsable).
SCALED_ORGAN_UNITS: Mapping[str, str] = {
    **{f"V_{t}": "L" for t in TISSUES},
    "Q_cardiac_output": "L/h",
    **{f"Q_{t}": "L/h" for t in FLOW_TISSUES},
}

_TABLE = "icrp89_adult.tsv"


@dataclass(frozen=True, slots=True)
class ReferenceIndividual:
    """An ICRP 89 adult reference male or female (treat the mappings as read-only).

    ``volumes_l`` maps each of :data:`TISSUES` to L; ``flow_fractions`` maps each of
    :data:`FLOW_TISSUES` to its fraction of ``cardiac_output_l_per_h``.
    """

    sex: Sex
    body_weight_kg: float
    height_cm: float
    cardiac_output_l_per_h: float
    volumes_l: Mapping[str, float]
    flow_fractions: Mapping[str, float]
    source: str = ICRP89_CITATION

    @property
    def flows_l_per_h(self) -> dict[str, float]:
        """Blood flow of each of :data:`FLOW_TISSUES` in L/h."""
        co = self.cardiac_output_l_per_h
        return {tissue: fraction * co for tissue, fraction in self.flow_fractions.items()}


def _value(table: Mapping[str, Mapping[str, str]], quantity: str, sex: Sex) -> float:
    return float(table[quantity][sex.value])


@functools.cache
def _reference(sex: Sex) -> ReferenceIndividual:
    table = read_table(_TABLE, "quantity")
    weight = _value(table, "body_weight", sex)
    default_density = _value(table, "density:default", sex)

    volumes: dict[str, float] = {}
    mass_kg = 0.0
    for tissue in _MASS_TISSUES:
        kg = _value(table, f"mass:{tissue}", sex) / 1000.0
        density_key = f"density:{tissue}" if f"density:{tissue}" in table else "density:default"
        volumes[tissue] = kg / _value(table, density_key, sex)
        mass_kg += kg
    blood_l = _value(table, "blood_volume", sex) / 1000.0
    rest_kg = weight - mass_kg - blood_l * default_density
    if rest_kg <= 0.0:
        raise ValueError(f"data/{_TABLE}: tissue masses exceed body weight for {sex.value}")
    volumes["rest"] = rest_kg / default_density
    arterial = _value(table, "arterial_blood_fraction", sex)
    volumes["arterial_blood"] = blood_l * arterial
    volumes["venous_blood"] = blood_l * (1.0 - arterial)

    fractions = {t: _value(table, f"flow:{t}", sex) / 100.0 for t in _TABULATED_FLOWS}
    fractions["hepatic_artery"] = fractions["liver"] - sum(fractions[t] for t in _PORTAL)
    fractions["rest"] = 1.0 - sum(fractions[t] for t in _VENOUS_RETURN)
    fractions["lung"] = 1.0
    if min(fractions.values()) <= 0.0:
        raise ValueError(f"data/{_TABLE}: a closing flow is not positive for {sex.value}")

    return ReferenceIndividual(
        sex=sex,
        body_weight_kg=weight,
        height_cm=_value(table, "height", sex),
        cardiac_output_l_per_h=_value(table, "cardiac_output", sex) * 60.0,
        volumes_l=volumes,
        flow_fractions=fractions,
    )


def reference_individual(sex: Sex) -> ReferenceIndividual:
    """The ICRP 89 adult reference male (73 kg, 176 cm) or female (60 kg, 163 cm).

    Source: ICRP Publication 89 (Valentin 2002, Ann ICRP 32(3-4),
    doi:10.1016/S0146-6453(03)00002-2), Tables 2.8 (organ masses), 2.9 (body weight and
    height), 2.12 (blood volume), 2.13 (blood distribution), 2.39 (cardiac output) and 2.40
    (blood flow fractions); per-number sources in ``data/icrp89_adult.tsv``. Each call
    returns a fresh copy.
    """
    if not isinstance(sex, Sex):
        raise ProfileError(f"sex must be a Sex, got {sex!r}", hint="use Sex.parse('female')")
    ref = _reference(sex)
    return replace(ref, volumes_l=dict(ref.volumes_l), flow_fractions=dict(ref.flow_fractions))


@dataclass(frozen=True, slots=True)
class ScalingTerm:
    """One organ quantity as ``reference_value · (W / reference_weight_kg) ** exponent``.

    The single statement of the organ scaling law: :func:`scaled_organs` evaluates it in Python
    and :mod:`sbmltwin.build` writes the same terms into SBML initial assignments. Flows are
    ``fraction · Q_cardiac_output``; ``fraction_of`` names the quantity they are a fraction of.
    """

    key: str
    unit: str
    reference_value: float
    reference_weight_kg: float
    exponent: float
    fraction_of: str | None = None


def organ_scaling_terms(sex: Sex) -> dict[str, ScalingTerm]:
    """The scaling law of every key of :func:`scaled_organs` for the ICRP 89 reference of ``sex``.

    Volumes: V_ref · (W/W_ref)^1; cardiac output: CO_ref · (W/W_ref)^0.75; each flow: its ICRP
    fraction of cardiac output (Anderson & Holford 2008, PMID 17914927; ICRP 89).
    """
    ref = reference_individual(sex)
    w = ref.body_weight_kg
    terms = {
        f"V_{t}": ScalingTerm(f"V_{t}", "L", ref.volumes_l[t], w, ALLOMETRIC_EXPONENT_VOLUME)
        for t in TISSUES
    }
    terms["Q_cardiac_output"] = ScalingTerm(
        "Q_cardiac_output", "L/h", ref.cardiac_output_l_per_h, w, ALLOMETRIC_EXPONENT_CLEARANCE
    )
    for t in FLOW_TISSUES:
        terms[f"Q_{t}"] = ScalingTerm(
            f"Q_{t}", "L/h", ref.flow_fractions[t], w, 0.0, fraction_of="Q_cardiac_output"
        )
    return terms


def scaled_organs(cov: Covariates) -> dict[str, float]:
    """Organ volumes and blood flows of the ICRP 89 reference of ``cov.sex`` scaled to ``cov``.

    Keys: ``V_<tissue>`` (L) for each of :data:`TISSUES`, ``Q_<tissue>`` (L/h) for each of
    :data:`FLOW_TISSUES` and ``Q_cardiac_output`` (L/h); :data:`SCALED_ORGAN_UNITS` lists them.

    Method (:func:`organ_scaling_terms`): theory-based allometry around the same-sex reference
    (Anderson BJ, Holford NHG. Mechanism-based concepts of size and maturity in
    pharmacokinetics. Annu Rev Pharmacol Toxicol 2008;48:303-32,
    doi:10.1146/annurev.pharmtox.48.113006.094708, PMID 17914927): every volume scales with
    (W / W_ref)^1; cardiac output, a physiological rate, scales with (W / W_ref)^0.75, and each
    tissue keeps its ICRP fraction of cardiac output. This ignores body composition: in obesity
    adipose grows more than organs, so organ volumes are overestimated. Height and age do not
    enter. Adults only (the references are adult; children differ in proportions).
    """
    if not isinstance(cov, Covariates):
        raise ProfileError(f"expected Covariates, got {type(cov).__name__}")
    if cov.age_years < ADULT_AGE_YEARS:
        raise ProfileError(
            f"scaled_organs uses adult ICRP 89 references, got age_years = {cov.age_years!r}",
            where="covariates",
            hint="paediatric organ scaling is not implemented",
        )
    out: dict[str, float] = {}
    for key, term in organ_scaling_terms(cov.sex).items():
        value = term.reference_value * allometric_factor(
            cov.weight_kg, reference_kg=term.reference_weight_kg, exponent=term.exponent
        )
        out[key] = value * out[term.fraction_of] if term.fraction_of else value
    return out
