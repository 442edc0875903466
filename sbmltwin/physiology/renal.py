"""Renal function: eGFR (CKD-EPI 2021), creatinine clearance (Cockcroft-Gault), scaling factors.

Serum creatinine is in mg/dL (convert µmol/L with :func:`creatinine_umol_to_mg_dl`), ages in
years, weights in kg. GFR indexed to body surface area is in mL/min/1.73 m²; absolute GFR and
creatinine clearance are in mL/min. Renal clearance scales with *absolute* GFR, so
:func:`renal_function_factor` takes mL/min.

>>> round(egfr_ckd_epi_2021(1.0, 50, Sex.FEMALE), 1)
68.6
>>> crcl_cockcroft_gault(1.0, 60, 72.0, Sex.MALE)
80.0
"""

from __future__ import annotations

from sbmltwin.errors import ProfileError
from sbmltwin.physiology._checks import check_adult, check_positive
from sbmltwin.physiology.body import bsa_dubois
from sbmltwin.physiology.covariates import Covariates, Sex

__all__ = [
    "CREATININE_UMOL_PER_L_PER_MG_DL",
    "REFERENCE_GFR_ML_MIN",
    "crcl_cockcroft_gault",
    "creatinine_umol_to_mg_dl",
    "egfr_absolute",
    "egfr_ckd_epi_2021",
    "estimate_gfr",
    "renal_function_factor",
]

#: µmol/L of creatinine per mg/dL. From the molar mass of creatinine (C4H7N3O, 113.12 g/mol):
#: 10 mg/L ÷ 113.12 g/mol = 88.40 µmol/L; 88.42 is the factor in common clinical use. The two
#: differ by 0.02 %, far below the analytical error of a creatinine assay.
CREATININE_UMOL_PER_L_PER_MG_DL = 88.42

#: Reference GFR (mL/min) against which :func:`renal_function_factor` compares an individual.
#: 120 mL/min is the conventional round value for normal GFR in young healthy adults (the KDIGO
#: 2012 CKD guideline, Kidney Int Suppl 2013;3(1):1-150, gives ≈ 125 mL/min/1.73 m²; a typical
#: adult BSA is about 1.73–1.9 m²). Healthy-volunteer PK studies, where most models' renal
#: clearances come from, are done in such people. Pass ``reference_ml_min`` when the model's
#: renal clearance was estimated in a population of known, different, renal function.
REFERENCE_GFR_ML_MIN = 120.0

_BSA_INDEX_M2 = 1.73


def creatinine_umol_to_mg_dl(umol_per_l: float) -> float:
    """Convert serum creatinine from µmol/L to mg/dL (divide by 88.42).

    Source: the molar mass of creatinine, 113.12 g/mol (see
    :data:`CREATININE_UMOL_PER_L_PER_MG_DL`); a test recomputes it with pint.

    >>> creatinine_umol_to_mg_dl(88.42)
    1.0
    """
    x = check_positive("serum creatinine", umol_per_l, "µmol/L")
    return float(x / CREATININE_UMOL_PER_L_PER_MG_DL)


def egfr_ckd_epi_2021(scr_mg_dl: float, age_years: float, sex: Sex) -> float:
    """eGFR (mL/min/1.73 m²) by the race-free 2021 CKD-EPI creatinine equation.

    ``142 · min(Scr/κ, 1)^α · max(Scr/κ, 1)^-1.200 · 0.9938^age · 1.012 [if female]`` with
    κ = 0.7 (female) / 0.9 (male) and α = -0.241 (female) / -0.302 (male), Scr in mg/dL.
    Source: Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin C-based
    equations to estimate GFR without race. N Engl J Med 2021;385(19):1737-49,
    doi:10.1056/NEJMoa2102953, PMID 34554658. Adults (≥ 18 years) only.
    """
    scr = check_positive("scr_mg_dl", scr_mg_dl, "mg/dL")
    age = check_adult(age_years, "CKD-EPI 2021")
    if sex is Sex.FEMALE:
        kappa, alpha, sex_factor = 0.7, -0.241, 1.012
    elif sex is Sex.MALE:
        kappa, alpha, sex_factor = 0.9, -0.302, 1.0
    else:
        raise ProfileError(f"sex must be a Sex, got {sex!r}", hint="use Sex.parse('female')")
    ratio = scr / kappa
    return float(
        142.0 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938**age * sex_factor
    )


def egfr_absolute(egfr: float, bsa: float) -> float:
    """De-index an eGFR: ``eGFR [mL/min/1.73 m²] · BSA [m²] / 1.73`` → mL/min.

    Source: the indexing convention of the CKD-EPI equations, which report GFR per 1.73 m² of
    body surface area (Inker LA et al. N Engl J Med 2021;385(19):1737-49,
    doi:10.1056/NEJMoa2102953, PMID 34554658); drug dosing needs the absolute value (KDIGO
    2012 CKD guideline, Kidney Int Suppl 2013;3(1):1-150).
    """
    gfr = check_positive("egfr", egfr, "mL/min/1.73 m²")
    area = check_positive("bsa", bsa, "m²")
    return float(gfr * area / _BSA_INDEX_M2)


def crcl_cockcroft_gault(scr_mg_dl: float, age_years: float, weight_kg: float, sex: Sex) -> float:
    """Creatinine clearance (mL/min) by Cockcroft-Gault: ``(140 - age) · W / (72 · Scr)``.

    Times 0.85 for women; W is the body weight in kg that the caller chooses (total, ideal or
    adjusted), Scr in mg/dL. Source: Cockcroft DW, Gault MH. Prediction of creatinine clearance
    from serum creatinine. Nephron 1976;16(1):31-41, doi:10.1159/000180580, PMID 1244564.
    Adults (≥ 18 years) only.
    """
    scr = check_positive("scr_mg_dl", scr_mg_dl, "mg/dL")
    age = check_adult(age_years, "Cockcroft-Gault")
    w = check_positive("weight_kg", weight_kg, "kg")
    if sex is Sex.FEMALE:
        sex_factor = 0.85
    elif sex is Sex.MALE:
        sex_factor = 1.0
    else:
        raise ProfileError(f"sex must be a Sex, got {sex!r}", hint="use Sex.parse('female')")
    return float((140.0 - age) * w / (72.0 * scr) * sex_factor)


def renal_function_factor(
    gfr_ml_min: float, *, reference_ml_min: float = REFERENCE_GFR_ML_MIN
) -> float:
    """Ratio of an individual's absolute GFR to a reference GFR (both mL/min), dimensionless.

    Multiply a renal (filtration-driven) clearance estimated in people of ``reference_ml_min``
    by this factor. Renal drug clearance proportional to GFR is the assumption behind renal dose
    adjustment by creatinine clearance (Cockcroft DW, Gault MH. Nephron 1976;16(1):31-41,
    doi:10.1159/000180580, PMID 1244564; FDA guidance "Pharmacokinetics in Patients with
    Impaired Renal Function", 2020 draft). It ignores tubular secretion and reabsorption. The
    default reference is :data:`REFERENCE_GFR_ML_MIN` (120 mL/min; see there why).

    >>> renal_function_factor(60.0)
    0.5
    """
    gfr = check_positive("gfr_ml_min", gfr_ml_min, "mL/min")
    ref = check_positive("reference_ml_min", reference_ml_min, "mL/min")
    return float(gfr / ref)


def estimate_gfr(cov: Covariates) -> float:
    """Absolute GFR (mL/min) of a person: CKD-EPI 2021 de-indexed with the DuBois BSA.

    Needs ``cov.serum_creatinine_mg_dl``. See :func:`egfr_ckd_epi_2021`,
    :func:`egfr_absolute` and :func:`~sbmltwin.physiology.body.bsa_dubois` for sources.
    """
    if cov.serum_creatinine_mg_dl is None:
        raise ProfileError(
            "serum_creatinine_mg_dl is needed to estimate GFR",
            where="covariates",
            hint="add a serum creatinine (mg/dL) to the profile's labs",
        )
    indexed = egfr_ckd_epi_2021(cov.serum_creatinine_mg_dl, cov.age_years, cov.sex)
    return egfr_absolute(indexed, bsa_dubois(cov.weight_kg, cov.height_cm))
