"""Stage: twins that learn from the patient (model-informed precision dosing).

Bayesian individualization from measured levels (:func:`fit_twin`), and regimens ranked by the
probability of reaching a target under the twin's uncertainty (:func:`rank_regimens`).
"""

from sbmltwin.mipd.dose import Candidate, DoseResult, Target, parse_target, rank_regimens
from sbmltwin.mipd.fit import (
    Band,
    ErrorModel,
    Estimate,
    FitResult,
    fit_twin,
    parse_error_model,
    predict_band,
)
from sbmltwin.mipd.levels import Level, Levels, load_levels, parse_levels
from sbmltwin.mipd.twin import Prior, Twin, prior_twin

__all__ = [
    "Band",
    "Candidate",
    "DoseResult",
    "ErrorModel",
    "Estimate",
    "FitResult",
    "Level",
    "Levels",
    "Prior",
    "Target",
    "Twin",
    "fit_twin",
    "load_levels",
    "parse_error_model",
    "parse_levels",
    "parse_target",
    "predict_band",
    "prior_twin",
    "rank_regimens",
]
