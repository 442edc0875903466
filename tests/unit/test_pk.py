"""NCA against closed forms (references the code did not compute)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sbmltwin.pk import auc_trapezoid, nca

D, V, KA, K = 100.0, 20.0, 1.2, 0.15


def bateman(t: np.ndarray) -> np.ndarray:
    return D * KA / (V * (KA - K)) * (np.exp(-K * t) - np.exp(-KA * t))


def test_iv_bolus_exact_with_log_trapezoid() -> None:
    # C = D/V e^{-kt}: the log trapezoid is exact for a mono-exponential, so AUC(0–∞) = D/(V k)
    t = np.linspace(0, 24, 25)
    m = nca(t, D / V * np.exp(-K * t))
    assert m.auc_0_inf == pytest.approx(D / (V * K), rel=1e-12)
    assert m.half_life == pytest.approx(math.log(2) / K, rel=1e-12)
    assert (m.cmax, m.tmax) == (D / V, 0.0)


def test_oral_dense_grid_matches_bateman() -> None:
    t = np.linspace(0, 96, 9601)
    m = nca(t, bateman(t), adj_r2_factor=1e-9)  # noise-free profile
    assert m.auc_0_inf == pytest.approx(
        D / (V * K), rel=1e-5
    )  # AUC = F·D/CL; trapezoid error O(dt²)
    tmax = math.log(KA / K) / (KA - K)
    assert m.tmax == pytest.approx(tmax, abs=0.01)
    assert m.cmax == pytest.approx(float(bateman(np.array([tmax]))[0]), rel=1e-6)
    assert m.half_life == pytest.approx(math.log(2) / K, rel=1e-6)


def test_no_terminal_phase_gives_nan_not_a_guess() -> None:
    m = nca(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]))
    assert math.isnan(m.auc_0_inf) and math.isnan(m.half_life)
    assert m.auc_0_t == pytest.approx(2.0)


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        nca(np.array([0.0, 0.0]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError):
        nca(np.array([0.0, 1.0]), np.array([1.0, np.nan]))


@given(st.lists(st.floats(0, 1e6), min_size=2, max_size=30), st.floats(1e-3, 10))
@example([999982.0, 999981.0], 1.0)  # regression: log(c0) - log(c1) cancelled
def test_linear_auc_scales_and_bounds(values: list[float], dt: float) -> None:
    t = np.arange(len(values)) * dt
    c = np.array(values)
    a = auc_trapezoid(t, c, log_down=False)
    assert auc_trapezoid(t, 2 * c, log_down=False) == pytest.approx(2 * a, rel=1e-12, abs=1e-9)
    assert 0 <= auc_trapezoid(t, c) <= a * (1 + 1e-12) + 1e-9  # log-down never exceeds linear
