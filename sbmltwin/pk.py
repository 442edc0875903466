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

__all__ = ["PKMetrics", "PKMetricsBatch", "auc_trapezoid", "clip_curve", "nca", "nca_batch"]

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
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # ln(c0/c1) as -log1p(-(c0 - c1)/c0): exact to an ulp when c1 ≈ c0, where
        # log(c0) - log(c1) cancels (hypothesis found 999982 → 999981 above the linear value)
        logarithmic = dt * (c0 - c1) / -np.log1p(-(c0 - c1) / c0)
    return float(np.sum(np.where(falling, logarithmic, linear)))


def clip_curve(t: npt.ArrayLike, c: npt.ArrayLike, start: float, end: float) -> tuple[Array, Array]:
    """The part of a sampled curve within [start, end], with points at ``start`` and ``end``
    interpolated the way :func:`auc_trapezoid` integrates (log-linear where the curve falls
    between two positive values, else linear), so that the AUC over the window of a sampled
    monoexponential is exact. ``end`` beyond the last sample is clipped to it.

    >>> tt, cc = clip_curve([0, 2, 4], [8.0, 2.0, 0.5], 0, 1)
    >>> tt.tolist(), cc.tolist()
    ([0.0, 1.0], [8.0, 4.0])
    """
    tt = np.asarray(t, dtype=float)
    cc = np.asarray(c, dtype=float)
    if tt.shape != cc.shape or tt.ndim != 1 or len(tt) == 0:
        raise ValueError("t and c must be non-empty 1-D arrays of the same length")
    start, end = max(start, float(tt[0])), min(end, float(tt[-1]))

    def at(x: float) -> float:
        i = int(np.searchsorted(tt, x, side="right")) - 1
        if i >= len(tt) - 1 or tt[i] == x:
            return float(cc[min(i, len(tt) - 1)])
        t0, t1, c0, c1 = tt[i], tt[i + 1], cc[i], cc[i + 1]
        w = (x - t0) / (t1 - t0)
        if c1 < c0 and c1 > 0 and c0 > 0:
            return float(c0 * (c1 / c0) ** w)
        return float(c0 + w * (c1 - c0))

    inside = (tt > start) & (tt < end)
    return (
        np.r_[start, tt[inside], end] if end > start else np.array([start]),
        np.r_[at(start), cc[inside], at(end)] if end > start else np.array([at(start)]),
    )


def nca(
    t: npt.ArrayLike, c: npt.ArrayLike, *, min_lambda_points: int = 3, adj_r2_factor: float = 1e-4
) -> PKMetrics:
    """Cmax, tmax, AUC(0–t), AUC(0–∞), λz, t½ of one concentration–time profile.

    ``adj_r2_factor`` = 1e-4 is PKNCA's default for measured data; noise-free simulated profiles
    on dense grids want a much smaller one (1e-9), or the fit reaches back into absorption.

    When no terminal phase can be fitted (too few falling points), λz, t½ and AUC(0–∞) are NaN:
    never a silent guess.
    """
    cc = np.asarray(c, dtype=float)
    if cc.ndim != 1:
        raise ValueError("need matching 1-D time and concentration arrays with ≥ 2 points")
    batch = nca_batch(
        t, cc[None, :], min_lambda_points=min_lambda_points, adj_r2_factor=adj_r2_factor
    )
    return batch.row(0)


@dataclass(frozen=True, slots=True)
class PKMetricsBatch:
    """:class:`PKMetrics` of many profiles on one time grid: one array entry per profile."""

    cmax: Array
    tmax: Array
    auc_0_t: Array
    auc_0_inf: Array
    lambda_z: Array
    half_life: Array
    r2_adj: Array
    n_lambda_z: npt.NDArray[np.int64]
    auc_extrapolated_percent: Array

    def row(self, i: int) -> PKMetrics:
        return PKMetrics(
            cmax=float(self.cmax[i]),
            tmax=float(self.tmax[i]),
            auc_0_t=float(self.auc_0_t[i]),
            auc_0_inf=float(self.auc_0_inf[i]),
            lambda_z=float(self.lambda_z[i]),
            half_life=float(self.half_life[i]),
            r2_adj=float(self.r2_adj[i]),
            n_lambda_z=int(self.n_lambda_z[i]),
            auc_extrapolated_percent=float(self.auc_extrapolated_percent[i]),
        )


def nca_batch(
    t: npt.ArrayLike, c: npt.ArrayLike, *, min_lambda_points: int = 3, adj_r2_factor: float = 1e-4
) -> PKMetricsBatch:
    """:func:`nca` of every row of ``c`` (profiles × times) on the time grid ``t``, at once.

    Row ``i`` gives exactly (bit for bit) what :func:`nca` gives for ``c[i]``: :func:`nca` is
    this function on one row. Every step is elementwise or a per-row reduction, so a profile's
    metrics do not depend on the other rows.
    """
    tt = np.asarray(t, dtype=float)
    cc = np.asarray(c, dtype=float)
    if tt.ndim != 1 or cc.ndim != 2 or cc.shape[1] != len(tt) or len(tt) < 2:
        raise ValueError("need a 1-D time grid with ≥ 2 points and a 2-D (profiles × times) array")
    if np.any(np.diff(tt) <= 0):
        raise ValueError("times must increase strictly")
    if not np.all(np.isfinite(cc)):
        raise ValueError("concentrations must be finite")
    cc = np.ascontiguousarray(cc)
    rows = np.arange(cc.shape[0])
    k = np.argmax(cc, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        logc = np.log(cc)
    auc_t = _auc_rows(tt, cc, logc)
    lz, r2, n = _lambda_z_rows(tt, cc, logc, k, min_lambda_points, adj_r2_factor)
    fitted = (n > 0) & (lz > 0)
    nan = np.full(cc.shape[0], math.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc_inf = np.where(fitted, auc_t + cc[:, -1] / lz, nan)
        half = np.where(fitted, math.log(2) / lz, nan)
        extra = np.where(fitted & (auc_inf > 0), 100 * (auc_inf - auc_t) / auc_inf, nan)
    return PKMetricsBatch(
        cmax=cc[rows, k],
        tmax=tt[k],
        auc_0_t=auc_t,
        auc_0_inf=auc_inf,
        lambda_z=np.where(fitted, lz, nan),
        half_life=half,
        r2_adj=np.where(fitted, r2, nan),
        n_lambda_z=np.where(fitted, n, 0).astype(np.int64),
        auc_extrapolated_percent=extra,
    )


def _auc_rows(t: Array, c: Array, logc: Array) -> Array:
    """:func:`auc_trapezoid` (log-down) of every row; ``logc`` is ``log(c)``."""
    dt = np.diff(t)
    c0, c1 = c[:, :-1], c[:, 1:]
    linear = dt * (c0 + c1) / 2
    falling = (c1 < c0) & (c1 > 0) & (c0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logarithmic = dt * (c0 - c1) / (logc[:, :-1] - logc[:, 1:])
    out: Array = np.sum(np.where(falling, logarithmic, linear), axis=1)
    return out


def _lambda_z_rows(
    t: Array, c: Array, logc: Array, start: npt.NDArray[np.intp], min_points: int, factor: float
) -> tuple[Array, Array, npt.NDArray[np.int64]]:
    """(λz, adjusted R², points) of every row from its terminal phase after index ``start``:
    the most points whose adjusted R² is within ``factor`` of the best (PKNCA's
    adj.r.squared.factor rule). Rows without a fit get (NaN, NaN, 0).

    Least squares of log C on t for the last n kept points, every n at once (cumulative sums
    from the end). Points that are not kept (before the peak, or C ≤ 0) add exact zeros, so each
    kept point's sums equal those over the kept points alone.
    """
    n_rows, m = c.shape
    keep = (np.arange(m)[None, :] > start[:, None]) & (c > 0)
    keep_r = keep[:, ::-1]
    any_kept = keep_r.any(axis=1)
    last = np.where(any_kept, np.argmax(keep_r, axis=1), 0)  # the last kept point, reversed
    t_r = t[::-1]
    x = np.where(keep_r, t_r[None, :] - t_r[last][:, None], 0.0)
    y = np.where(keep_r, logc[:, ::-1], 0.0)
    count = np.cumsum(keep_r, axis=1)
    n = count.astype(float)
    sx, sy = np.cumsum(x, axis=1), np.cumsum(y, axis=1)
    sxx, sxy, syy = np.cumsum(x * x, axis=1), np.cumsum(x * y, axis=1), np.cumsum(y * y, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        vxx, vxy, vyy = sxx - sx * sx / n, sxy - sx * sy / n, syy - sy * sy / n
        slope = vxy / vxx
        r2 = vxy * vxy / (vxx * vyy)
        r2_adj = 1 - (1 - r2) * (n - 1) / (n - 2)
    ok = keep_r & (count >= min_points) & np.isfinite(r2_adj) & (slope < 0) & (vyy > 0)
    fit = ok.any(axis=1)
    top = np.max(np.where(ok, r2_adj, -np.inf), axis=1)
    near = ok & (r2_adj >= (top - factor)[:, None])
    best = (m - 1) - np.argmax(near[:, ::-1], axis=1)  # the most points within the factor
    rows = np.arange(n_rows)
    lz = np.where(fit, -slope[rows, best], math.nan)
    r2a = np.where(fit, r2_adj[rows, best], math.nan)
    points = np.where(fit, count[rows, best], 0).astype(np.int64)
    return lz, r2a, points
