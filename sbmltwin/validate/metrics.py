"""Prediction-versus-observation metrics used in PBPK qualification.

* fold error FE = predicted / observed;
* GMFE (geometric mean fold error; also called AAFE) = 10^mean|log10 FE|, ≥ 1;
* AFE (average fold error, the bias) = 10^mean(log10 FE);
* % within 1.25-, 1.5- and 2-fold;
* Guest limits for a ratio R of observed exposures (e.g. PM/NM AUC ratio): with δ = 1,
  limit = (δ + 2(R − 1)) / R for R ≥ 1 (use 1/R for R < 1), and a predicted ratio is acceptable
  within [R / limit, R · limit]. Guest EI et al., Drug Metab Dispos 2011;39:170–173,
  doi:10.1124/dmd.110.036103.

>>> round(gmfe([2.0, 0.5]), 12)
2.0
>>> guest_limits(5.0)
(2.7777777777777777, 9.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["afe", "fold_error", "gmfe", "guest_limits", "within_fold"]


def fold_error(predicted: float, observed: float) -> float:
    """predicted / observed (NaN when the observation is not positive)."""
    if not (observed > 0) or not math.isfinite(predicted):
        return math.nan
    return predicted / observed


def _logs(folds: Iterable[float]) -> npt.NDArray[np.float64]:
    values = np.array([f for f in folds if math.isfinite(f) and f > 0], dtype=float)
    logs: npt.NDArray[np.float64] = np.log10(values)
    return logs


def gmfe(folds: Iterable[float]) -> float:
    """Geometric mean fold error 10^mean|log10 FE| (NaN for no values)."""
    logs = _logs(folds)
    return float(10 ** np.mean(np.abs(logs))) if logs.size else math.nan


def afe(folds: Iterable[float]) -> float:
    """Average fold error (bias) 10^mean(log10 FE)."""
    logs = _logs(folds)
    return float(10 ** np.mean(logs)) if logs.size else math.nan


def within_fold(folds: Sequence[float], k: float) -> float:
    """Percentage of finite fold errors within [1/k, k]."""
    finite = [f for f in folds if math.isfinite(f) and f > 0]
    if not finite:
        return math.nan
    return 100.0 * sum(1 / k <= f <= k for f in finite) / len(finite)


def guest_limits(observed_ratio: float, delta: float = 1.0) -> tuple[float, float]:
    """Acceptance range of a predicted ratio given the observed one (Guest et al. 2011)."""
    if not (observed_ratio > 0):
        return math.nan, math.nan
    r = observed_ratio if observed_ratio >= 1 else 1 / observed_ratio
    limit = (delta + 2 * (r - 1)) / r
    return observed_ratio / limit, observed_ratio * limit
