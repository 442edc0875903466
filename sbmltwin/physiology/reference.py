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
from sbmltwin.physiology.body import ALLOMETRIC_EXPONENT_CLEARANCE, ALLOMETRIC_EXPONENT_VOLUME
from sbmltwin.physiology.composition import body_fat_fraction_deurenberg
from sbmltwin.physiology.covariates import Covariates, Sex

__all__ = [
    "FLOW_TISSUES",
    "ICRP89_CITATION",
    "SCALED_ORGAN_UNITS",
    "TISSUES",
    "OrganScalingLaw",
    "ReferenceIndividual",
    "organ_scaling_law",
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
    age_years: float
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
        age_years=_value(table, "age", sex),
        cardiac_output_l_per_h=_value(table, "cardiac_output", sex) * 60.0,
        volumes_l=volumes,
        flow_fractions=fractions,
    )


def reference_individual(sex: Sex) -> ReferenceIndividual:
    """The ICRP 89 adult reference male (73 kg, 176 cm) or female (60 kg, 163 cm), aged 30.

    The age is an assumption (see ``data/icrp89_adult.tsv``); only the body composition formula
    of :func:`organ_scaling_law` uses it.

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
class OrganScalingLaw:
    """The organ scaling law around the ICRP 89 reference of one sex, stated once.

    :func:`scaled_organs` evaluates it (:meth:`evaluate`) and :mod:`sbmltwin.build` writes the
    same numbers and the same arithmetic into SBML initial assignments. With body weight ``W``
    and body fat fraction ``f`` (:mod:`sbmltwin.physiology.composition`):

    * fat-free mass ``FFM = W − f·W`` and size ratio ``s = FFM / fat_free_mass_kg``;
    * every tissue but adipose, and the blood: ``V = V_ref · s`` (``lean_volumes_l``);
    * adipose closes the mass balance: ``V_adipose = (W − lean_mass_kg · s) / adipose_density``;
    * cardiac output ``CO = CO_ref · s^0.75``; each flow keeps its ICRP fraction of it.
    """

    sex: Sex
    reference: ReferenceIndividual
    fat_fraction: float
    fat_free_mass_kg: float
    lean_mass_kg: float
    adipose_density_kg_per_l: float
    lean_volumes_l: Mapping[str, float]
    volume_exponent: float = ALLOMETRIC_EXPONENT_VOLUME
    cardiac_output_exponent: float = ALLOMETRIC_EXPONENT_CLEARANCE

    def evaluate(self, weight_kg: float, fat_fraction: float) -> dict[str, float]:
        """Volumes (L) and flows (L/h) for body weight ``weight_kg`` and fat ``fat_fraction``."""
        ffm = weight_kg - fat_fraction * weight_kg
        s = ffm / self.fat_free_mass_kg
        out = {f"V_{t}": v * s**self.volume_exponent for t, v in self.lean_volumes_l.items()}
        adipose_kg = weight_kg - self.lean_mass_kg * s**self.volume_exponent
        if adipose_kg <= 0.0:
            raise ProfileError(
                f"{weight_kg:g} kg with body fat {100 * fat_fraction:.3g} % leaves no adipose "
                "tissue beside the lean organs of the ICRP 89 reference scaled to its fat-free mass",
                where="covariates",
                hint="check weight (kg), height (cm) and age",
            )
        out["V_adipose"] = adipose_kg / self.adipose_density_kg_per_l
        ref = self.reference
        co = ref.cardiac_output_l_per_h * s**self.cardiac_output_exponent
        out["Q_cardiac_output"] = co
        out.update({f"Q_{t}": fraction * co for t, fraction in ref.flow_fractions.items()})
        return {key: float(out[key]) for key in SCALED_ORGAN_UNITS}


@functools.cache
def _law(sex: Sex) -> OrganScalingLaw:
    ref = _reference(sex)
    table = read_table(_TABLE, "quantity")
    density = _value(table, "density:adipose", sex)
    fraction = body_fat_fraction_deurenberg(ref.body_weight_kg, ref.height_cm, ref.age_years, sex)
    lean_mass = ref.body_weight_kg - ref.volumes_l["adipose"] * density
    return OrganScalingLaw(
        sex=sex,
        reference=ref,
        fat_fraction=fraction,
        fat_free_mass_kg=ref.body_weight_kg - fraction * ref.body_weight_kg,
        lean_mass_kg=lean_mass,
        adipose_density_kg_per_l=density,
        lean_volumes_l={t: v for t, v in ref.volumes_l.items() if t != "adipose"},
    )


def organ_scaling_law(sex: Sex) -> OrganScalingLaw:
    """The organ scaling law of the ICRP 89 reference of ``sex`` (see :class:`OrganScalingLaw`).

    Size measure: fat-free mass by Deurenberg 1991 (doi:10.1079/BJN19910073; the reference's own
    fat fraction from its weight, height and age, so the reference reproduces ICRP 89 exactly).
    Exponents: 1 for volumes, 0.75 for cardiac output (Anderson & Holford 2008, PMID 17914927).
    """
    if not isinstance(sex, Sex):
        raise ProfileError(f"sex must be a Sex, got {sex!r}", hint="use Sex.parse('female')")
    return _law(sex)


def scaled_organs(cov: Covariates) -> dict[str, float]:
    """Organ volumes and blood flows of the ICRP 89 reference of ``cov.sex`` scaled to ``cov``.

    Keys: ``V_<tissue>`` (L) for each of :data:`TISSUES`, ``Q_<tissue>`` (L/h) for each of
    :data:`FLOW_TISSUES` and ``Q_cardiac_output`` (L/h); :data:`SCALED_ORGAN_UNITS` lists them.

    Method (:func:`organ_scaling_law`): body fat from BMI, age and sex (Deurenberg P, Weststrate
    JA, Seidell JC. Br J Nutr 1991;65:105-14, doi:10.1079/BJN19910073, PMID 2043597), so weight,
    height, age and sex all enter. Lean tissues and blood scale with fat-free mass relative to
    the same-sex reference's (computed with the same formula at its ICRP 89 weight, height and
    age 30 y), adipose takes the rest of the body weight; cardiac output scales with
    (FFM/FFM_ref)^0.75, theory-based allometry (Anderson BJ, Holford NHG. Annu Rev Pharmacol
    Toxicol 2008;48:303-32, doi:10.1146/annurev.pharmtox.48.113006.094708, PMID 17914927) with
    fat-free mass as the size, and each tissue keeps its ICRP fraction of cardiac output. Age
    acts only through body composition (no separate age decline of organ size or flow).
    Adults only; outside the formula's derivation sample (BMI 13.9–40.9 kg/m², age ≤ 83 y) it
    extrapolates: :func:`~sbmltwin.physiology.body_composition` gives the warnings.
    """
    if not isinstance(cov, Covariates):
        raise ProfileError(f"expected Covariates, got {type(cov).__name__}")
    if cov.age_years < ADULT_AGE_YEARS:
        raise ProfileError(
            f"scaled_organs uses adult ICRP 89 references, got age_years = {cov.age_years!r}",
            where="covariates",
            hint="paediatric organ scaling is not implemented",
        )
    fraction = body_fat_fraction_deurenberg(cov.weight_kg, cov.height_cm, cov.age_years, cov.sex)
    return organ_scaling_law(cov.sex).evaluate(cov.weight_kg, fraction)
