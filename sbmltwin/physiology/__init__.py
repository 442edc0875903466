"""Stage 2b: covariates → body-size and organ scalings, renal and hepatic function.

Knows nothing of SBML models. Magnitudes cross this API as floats in fixed, documented units
(kg, cm, years, mg/dL, mL/min, L, L/h); quantities with units are converted by the caller.
Every formula cites its source in its docstring; reference tables live in ``data/*.tsv`` with a
source for every number.
"""

from __future__ import annotations

from sbmltwin.physiology.body import (
    ALLOMETRIC_EXPONENT_CLEARANCE,
    ALLOMETRIC_EXPONENT_VOLUME,
    ALLOMETRIC_REFERENCE_KG,
    allometric_factor,
    bmi,
    bsa_dubois,
    bsa_mosteller,
    ideal_body_weight_devine,
    lean_body_weight_janmahasatian,
)
from sbmltwin.physiology.composition import (
    DEURENBERG_CITATION,
    DEURENBERG_RANGE,
    BodyComposition,
    body_composition,
    body_fat_fraction_deurenberg,
)
from sbmltwin.physiology.covariates import CHILD_PUGH_CLASSES, Covariates, Sex
from sbmltwin.physiology.hepatic import HepaticScaling, child_pugh_scaling
from sbmltwin.physiology.partition import (
    KP_TISSUES,
    IonClass,
    PartitionResult,
    TissueComposition,
    ion_class,
    rodgers_rowland,
    tissue_composition,
)
from sbmltwin.physiology.reference import (
    FLOW_TISSUES,
    SCALED_ORGAN_UNITS,
    TISSUES,
    OrganScalingLaw,
    ReferenceIndividual,
    organ_scaling_law,
    reference_individual,
    scaled_organs,
)
from sbmltwin.physiology.renal import (
    REFERENCE_GFR_ML_MIN,
    crcl_cockcroft_gault,
    creatinine_umol_to_mg_dl,
    egfr_absolute,
    egfr_ckd_epi_2021,
    estimate_gfr,
    renal_function_factor,
)

__all__ = [
    "ALLOMETRIC_EXPONENT_CLEARANCE",
    "ALLOMETRIC_EXPONENT_VOLUME",
    "ALLOMETRIC_REFERENCE_KG",
    "CHILD_PUGH_CLASSES",
    "DEURENBERG_CITATION",
    "DEURENBERG_RANGE",
    "FLOW_TISSUES",
    "KP_TISSUES",
    "REFERENCE_GFR_ML_MIN",
    "SCALED_ORGAN_UNITS",
    "TISSUES",
    "BodyComposition",
    "Covariates",
    "HepaticScaling",
    "IonClass",
    "OrganScalingLaw",
    "PartitionResult",
    "ReferenceIndividual",
    "Sex",
    "TissueComposition",
    "allometric_factor",
    "bmi",
    "body_composition",
    "body_fat_fraction_deurenberg",
    "bsa_dubois",
    "bsa_mosteller",
    "child_pugh_scaling",
    "crcl_cockcroft_gault",
    "creatinine_umol_to_mg_dl",
    "egfr_absolute",
    "egfr_ckd_epi_2021",
    "estimate_gfr",
    "ideal_body_weight_devine",
    "ion_class",
    "lean_body_weight_janmahasatian",
    "organ_scaling_law",
    "reference_individual",
    "renal_function_factor",
    "rodgers_rowland",
    "scaled_organs",
    "tissue_composition",
]
