"""Summary-only fast path vs a dense 48,001-point reference."""

from __future__ import annotations

import pytest

from sbmltwin.cohort.fast import add_auc_states, summary_metrics
from sbmltwin.engine import DoseEvent, compile_model, simulate
from sbmltwin.model import parse_model
from sbmltwin.pk import nca

pytestmark = pytest.mark.integration

ANT = """
model oral1c
  compartment gut = 1, central = 40
  substanceOnly species A_gut in gut = 0
  species C in central = 0
  absorption: A_gut -> C; ka*A_gut
  elimination: C -> ; CL*C
  ka = 1; CL = 5
end
"""


@pytest.mark.parametrize(
    "params",
    [{}, {"ka": 0.3, "CL": 2.0}, {"ka": 4.0}, {"CL": 20.0}, {"central": 80.0}],
)
def test_summary_matches_dense_reference(params: dict[str, float]) -> None:
    model = parse_model(ANT, fmt="antimony")
    events = (DoseEvent(time=0.0, kind="bolus", target="A_gut", amount=100.0),)
    ref = simulate(compile_model(model), params, events, end=48, points=48_001, outputs=["[C]"])
    t, c = ref.frame["time"].to_numpy(), ref.frame["[C]"].to_numpy()
    dense = nca(t, c, adj_r2_factor=1e-9)
    fast = summary_metrics(
        compile_model(add_auc_states(model, ["[C]"])), params, events, ["[C]"], end=48
    )["[C]"]
    # AUC: integral state vs 48,001-point log-down trapezoid; the bound is 1e-4.
    assert fast.auc_0_t == pytest.approx(dense.auc_0_t, rel=1e-4)
    # Cmax: coarse grid + parabola around the refined peak; the bound is 0.5 %.
    assert fast.cmax == pytest.approx(dense.cmax, rel=5e-3)
    assert fast.tmax == pytest.approx(dense.tmax, abs=0.05)
    assert fast.half_life == pytest.approx(dense.half_life, rel=1e-2)
