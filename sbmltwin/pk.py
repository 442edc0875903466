"""Non-compartmental PK metrics on numpy arrays (stage 5; never imports libroadrunner).

Conventions (as in PKNCA/Phoenix WinNonlin "linear-up/log-down"): AUC by the linear trapezoid
where concentrations rise or stay, and by the log trapezoid where they fall; λz by least squares
on log C over the last ≥ 3 points after Cmax, choosing the point count with the best adjusted R²
(ties → more points); AUC(0–∞) = AUC(0–tlast) + Clast/λz. Tested against closed forms
(one-compartment IV and oral PK) in ``tests/unit/test_pk.py``.

>>> import numpy as np
>>> t = np.linspace(0, 48, 481); c = 10 * np.exp(-0.1 * t)
>>> round(nca(t, c).half_life, 6)
6.931472
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["PKMetrics", "auc_trapezoid", "nca"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PKMetrics:
    """NCA results in the units of the inputs (time, concentration, concentration·time)."""

    cmax: float
    tmax: float
    auc_0_t: float
    auc_0_inf: float
    lambda_z: float
    half_life: float
    r2_adj: float
    n_lambda_z: int
    auc_extrapolated_percent: float

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def auc_trapezoid(t: npt.ArrayLike, c: npt.ArrayLike, *, log_down: bool = True) -> float:
    """AUC by the linear trapezoid (rising) and, with ``log_down``, the log trapezoid (falling)."""
    tt = np.asarray(t, dtype=float)
    cc = np.asarray(c, dtype=float)
    if tt.shape != cc.shape or tt.ndim != 1:
        raise ValueError("t and c must be 1-D arrays of the same length")
    if len(tt) < 2:
        return 0.0
    dt = np.diff(tt)
    c0, c1 = cc[:-1], cc[1:]
    linear = dt * (c0 + c1) / 2
    if not log_down:
        return float(np.sum(linear))
    falling = (c1 < c0) & (c1 > 0) & (c0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logarithmic = dt * (c0 - c1) / (np.log(c0) - np.log(c1))
    return float(np.sum(np.where(falling, logarithmic, linear)))


def _lambda_z(
    t: Array, c: Array, start: int, min_points: int, factor: float
) -> tuple[float, float, int]:
    """(λz, adjusted R², points) from the terminal phase after index ``start``: the most points
    whose adjusted R² is within ``factor`` of the best (PKNCA's adj.r.squared.factor rule)."""
    keep = np.arange(len(t)) > start
    keep &= c > 0
    tt, lc = t[keep], np.log(c[keep])
    m = len(tt)
    if m < min_points:
        return math.nan, math.nan, 0
    # least squares of log C on t for the last n points, every n at once (cumulative sums)
    x, y = tt[::-1] - tt[-1], lc[::-1]
    n = np.arange(1, m + 1, dtype=float)
    sx, sy = np.cumsum(x), np.cumsum(y)
    sxx, sxy, syy = np.cumsum(x * x), np.cumsum(x * y), np.cumsum(y * y)
    vxx, vxy, vyy = sxx - sx * sx / n, sxy - sx * sy / n, syy - sy * sy / n
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = vxy / vxx
        r2 = vxy * vxy / (vxx * vyy)
        r2_adj = 1 - (1 - r2) * (n - 1) / (n - 2)
    idx = np.arange(m)
    ok = (idx >= min_points - 1) & np.isfinite(r2_adj) & (slope < 0) & (vyy > 0)
    if not ok.any():
        return math.nan, math.nan, 0
    top = float(np.max(r2_adj[ok]))
    best = int(np.max(idx[ok & (r2_adj >= top - factor)]))  # most points within the factor
    return -float(slope[best]), float(r2_adj[best]), best + 1


def nca(
    t: npt.ArrayLike, c: npt.ArrayLike, *, min_lambda_points: int = 3, adj_r2_factor: float = 1e-4
) -> PKMetrics:
    """Cmax, tmax, AUC(0–t), AUC(0–∞), λz, t½ of one concentration–time profile.

    ``adj_r2_factor`` = 1e-4 is PKNCA's default for measured data; noise-free simulated profiles
    on dense grids want a much smaller one (1e-9), or the fit reaches back into absorption.

    When no terminal phase can be fitted (too few falling points), λz, t½ and AUC(0–∞) are NaN:
    never a silent guess.
    """
    tt = np.asarray(t, dtype=float)
    cc = np.asarray(c, dtype=float)
    if tt.ndim != 1 or tt.shape != cc.shape or len(tt) < 2:
        raise ValueError("need matching 1-D time and concentration arrays with ≥ 2 points")
    if np.any(np.diff(tt) <= 0):
        raise ValueError("times must increase strictly")
    if not np.all(np.isfinite(cc)):
        raise ValueError("concentrations must be finite")
    k = int(np.argmax(cc))
    auc_t = auc_trapezoid(tt, cc)
    lz, r2, n = _lambda_z(tt, cc, k, min_lambda_points, adj_r2_factor)
    if n and lz > 0:
        clast = float(cc[-1])
        auc_inf = auc_t + clast / lz
        half = math.log(2) / lz
        extra = 100 * (auc_inf - auc_t) / auc_inf if auc_inf > 0 else math.nan
    else:
        lz = r2 = auc_inf = half = extra = math.nan
    return PKMetrics(
        cmax=float(cc[k]),
        tmax=float(tt[k]),
        auc_0_t=auc_t,
        auc_0_inf=auc_inf,
        lambda_z=lz,
        half_life=half,
        r2_adj=r2,
        n_lambda_z=n,
        auc_extrapolated_percent=extra,
    )
