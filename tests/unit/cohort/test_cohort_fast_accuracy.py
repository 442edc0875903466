"""Summary-only metrics vs dense 48,001-point references: random twins, several regimens,
dose jumps and the zoom run. References come from simulate() + nca() on the original model,
independently of the summary path (other model, grid, peak finder and AUC method)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sbmltwin.cohort.fast as fast
from sbmltwin.cohort.fast import add_auc_states, summary_metrics
from sbmltwin.engine import DoseEvent, compile_model, simulate
from sbmltwin.engine.dosing import infusion_parameter
from sbmltwin.model import load_model, parse_model
from sbmltwin.pk import nca

pytestmark = pytest.mark.integration

ANT = """
model two
  compartment gut = 1, central = 40, periph = 60
  substanceOnly species A_gut in gut = 0
  species C in central = 0
  species P in periph = 0
  absorption: A_gut -> C; ka*A_gut
  elimination: C -> ; CL*C
  distribution: C -> P; Q*C - Q*P
  ka = 1; CL = 5; Q = 8
end
"""

REGIMENS = {
    "oral once": (DoseEvent(0.0, "bolus", "A_gut", 100.0),),
    "oral q12h x4": tuple(DoseEvent(t, "bolus", "A_gut", 100.0) for t in (0.0, 12.0, 24.0, 36.0)),
    "iv then oral": (DoseEvent(0.0, "bolus", "C", 4000.0), DoseEvent(6.5, "bolus", "A_gut", 100.0)),
    "late iv": (DoseEvent(30.0, "bolus", "C", 400.0),),
}


@pytest.mark.parametrize("regimen", list(REGIMENS))
def test_auc_and_cmax_within_the_issue_bounds(regimen: str) -> None:
    model = parse_model(ANT, fmt="antimony")
    plain, summary = compile_model(model), compile_model(add_auc_states(model, ["[C]"]))
    events = REGIMENS[regimen]
    rng = np.random.default_rng(9)
    for _ in range(8):
        params = {
            "ka": float(np.exp(rng.normal(0, 0.8))),
            "CL": 5 * float(np.exp(rng.normal(0, 0.5))),
            "Q": 8 * float(np.exp(rng.normal(0, 0.5))),
        }
        ref = simulate(plain, params, events, end=48, points=48_001, outputs=["[C]"]).frame
        t, c = ref["time"].to_numpy(), ref["[C]"].to_numpy()
        dense = nca(t, c, adj_r2_factor=1e-9)
        # the grid's trapezoid spans each IV jump after t = 0 (the row at a dose time is the
        # post-dose value): take off that spurious half-jump × dt (pre-dose value extrapolated)
        auc_ref = dense.auc_0_t
        for e in events:
            if e.target == "C" and e.time > 0:
                k = int(np.searchsorted(t, e.time))
                jump = c[k] - (2 * c[k - 1] - c[k - 2])
                auc_ref -= (t[k] - t[k - 1]) * jump / 2
        got = summary_metrics(summary, params, events, ["[C]"], end=48)["[C]"]
        assert got.auc_0_t == pytest.approx(auc_ref, rel=1e-4)
        assert got.cmax == pytest.approx(dense.cmax, rel=5e-3)


def test_zoom_run_when_the_parabola_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    model = parse_model(ANT, fmt="antimony")
    plain, summary = compile_model(model), compile_model(add_auc_states(model, ["[C]"]))
    events = REGIMENS["oral once"]
    ref = simulate(plain, {}, events, end=48, points=48_001, outputs=["[C]"]).frame
    dense = nca(ref["time"].to_numpy(), ref["[C]"].to_numpy(), adj_r2_factor=1e-9)
    calls: list[object] = []
    zoom = fast.SummaryRunner._zoom

    def counted(self: fast.SummaryRunner, *args: object) -> tuple[float, float]:
        calls.append(args)
        return zoom(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(fast, "PEAK_TRUST", 0.0)  # trust no parabola: always zoom
    monkeypatch.setattr(fast.SummaryRunner, "_zoom", counted)
    got = summary_metrics(summary, {}, events, ["[C]"], end=48)["[C]"]
    assert len(calls) == 1
    assert got.cmax == pytest.approx(dense.cmax, rel=5e-4)
    assert got.tmax == pytest.approx(dense.tmax, abs=0.02)


LIBRARY = Path(__file__).resolve().parents[3] / "model_library" / "dextromethorphan" / "model.xml"
DXM_OUTPUTS = ["[C_ven_dxm]", "[C_dxo]", "[C_dxog]"]


@pytest.mark.parametrize(("f_cyp2d6", "bw"), [(0.01, 50.0), (0.3, 90.0), (2.5, 70.0)])
def test_whole_body_pbpk_parent_and_metabolites(f_cyp2d6: float, bw: float) -> None:
    # The library's whole-body PBPK model, with two metabolites whose plasma levels lie 10–100× below the
    # regimen's concentration scale (dose / total volume), the scale the summary's absolute
    # tolerance is a fraction of: the bounds must still hold for every output.
    model = load_model(LIBRARY)
    plain, summary = compile_model(model), compile_model(add_auc_states(model, DXM_OUTPUTS))
    events = (DoseEvent(0.0, "bolus", "A_lumen", 30e3 / 271.4),)  # 30 mg as µmol
    params = {"f_cyp2d6": f_cyp2d6, "BW": bw}
    ref = simulate(plain, params, events, end=48, points=48_001, outputs=DXM_OUTPUTS).frame
    got = summary_metrics(summary, params, events, DXM_OUTPUTS, end=48)
    for out in DXM_OUTPUTS:
        dense = nca(ref["time"].to_numpy(), ref[out].to_numpy(), adj_r2_factor=1e-9)
        assert got[out].auc_0_t == pytest.approx(dense.auc_0_t, rel=1e-4), out
        assert got[out].cmax == pytest.approx(dense.cmax, rel=5e-3), out


def test_dose_scale_counts_boluses_and_infusions_into_species() -> None:
    compiled = compile_model(parse_model(ANT, fmt="antimony"))  # volumes 1 + 40 + 60 = 101
    bolus = DoseEvent(0.0, "bolus", "A_gut", 101.0)
    assert fast.dose_scale(compiled, [bolus], 48.0) == pytest.approx(1.0, rel=1e-15)
    # 20/h from 2 h to 7 h (100) and 10/h from 40 h cut at the end, 48 h (80): 281 in all
    rate = infusion_parameter("C")
    infusions = [
        DoseEvent(2.0, "rate", rate, 20.0),
        DoseEvent(7.0, "rate", rate, -20.0),
        DoseEvent(40.0, "rate", rate, 10.0),
    ]
    scale = fast.dose_scale(compiled, [bolus, *infusions], 48.0)
    assert scale == pytest.approx(281.0 / 101.0, rel=1e-12)
    # a dose into a parameter has no concentration scale: libroadrunner's default stays
    to_param = DoseEvent(0.0, "bolus", "CL", 1.0)
    assert fast.dose_scale(compiled, [to_param], 48.0) is None
    settings = fast.summary_integrator(compiled, [to_param], 48.0)
    assert settings.absolute_tolerance is None
    assert settings.relative_tolerance == fast.SUMMARY_RTOL
    settings = fast.summary_integrator(compiled, [bolus], 48.0)
    assert settings.absolute_tolerance == pytest.approx(fast.ATOL_FRACTION, rel=1e-15)
