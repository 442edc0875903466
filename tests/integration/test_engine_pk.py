"""The engine against closed-form pharmacokinetics (references the code did not compute).

One-compartment model, first-order absorption (Bateman function):
    C(t) = D·ka / (V·(ka − k)) · (e^{−k t} − e^{−ka t})
IV bolus: C(t) = D/V · e^{−k t}. Zero-order infusion of rate R for T: C = R/(kV)·(1 − e^{−k t})
while infusing, then decays with e^{−k (t − T)}. Repeated doses superpose (linear kinetics).
"""

from __future__ import annotations

import numpy as np
import pytest

from sbmltwin.engine import (
    IntegratorSettings,
    add_infusion_inputs,
    compile_model,
    parse_regimen,
    simulate,
)
from sbmltwin.errors import DosingError, SimulationError
from sbmltwin.model import parse_model

pytestmark = pytest.mark.integration

KA, K, V = 1.2, 0.15, 20.0  # 1/h, 1/h, L

ONE_CPT = f"""
model onecpt
  unit substance = 1e-3 gram
  unit extent = 1e-3 gram
  unit volume = litre
  unit time_unit = 3600 second
  compartment gut = 1
  compartment central = V
  substanceOnly species A_gut in gut = 0
  species C in central = 0
  absorption: A_gut -> C; ka * A_gut
  elimination: C -> ; k * C * central   // C is a concentration here (not amount-only)
  ka = {KA}; k = {K}; V = {V}
end
"""

TIGHT = IntegratorSettings(absolute_tolerance=1e-14, relative_tolerance=1e-10)


def bateman(t: np.ndarray, dose: float, t_dose: float = 0.0) -> np.ndarray:
    dt = np.clip(t - t_dose, 0.0, None)
    return np.where(
        t >= t_dose, dose * KA / (V * (KA - K)) * (np.exp(-K * dt) - np.exp(-KA * dt)), 0.0
    )


@pytest.fixture(scope="module")
def compiled():  # type: ignore[no-untyped-def]
    return compile_model(parse_model(ONE_CPT, fmt="antimony"))


def _rel_err(sim: np.ndarray, ref: np.ndarray) -> float:
    mask = ref > 1e-9 * ref.max()
    return float(np.max(np.abs(sim[mask] - ref[mask]) / ref[mask]))


def test_single_oral_dose_matches_bateman_tight(compiled) -> None:  # type: ignore[no-untyped-def]
    res = simulate(
        compiled,
        regimen=parse_regimen("100 mg oral into A_gut"),
        end=48,
        points=481,
        outputs=["[C]"],
        integrator=TIGHT,
    )
    t = res.frame["time"].to_numpy()
    # rtol 1e-10 / atol 1e-14 → within 1e-7 relative at every point above 1e-9·Cmax
    assert _rel_err(res.frame["[C]"].to_numpy(), bateman(t, 100.0)) < 1e-7
    assert res.units["[C]"] == "mg/l" and res.units["time"] == "h"


def test_single_oral_dose_matches_bateman_default_tolerances(compiled) -> None:  # type: ignore[no-untyped-def]
    res = simulate(
        compiled,
        regimen=parse_regimen("100 mg oral into A_gut"),
        end=48,
        points=481,
        outputs=["[C]"],
    )
    t = res.frame["time"].to_numpy()
    assert _rel_err(res.frame["[C]"].to_numpy(), bateman(t, 100.0)) < 1e-4  # CVODE defaults


def test_repeated_doses_superpose_and_land_off_grid(compiled) -> None:  # type: ignore[no-untyped-def]
    # 250 points over 24 h: a 0.0964 h grid that contains none of the dose times 1.3, 9.3, 17.3 h
    res = simulate(
        compiled,
        regimen=parse_regimen("100 mg oral into A_gut at 1.3 h every 8 h x3"),
        end=24,
        points=250,
        outputs=["[C]"],
        integrator=TIGHT,
    )
    t = res.frame["time"].to_numpy()
    ref = sum(bateman(t, 100.0, td) for td in (1.3, 9.3, 17.3))
    assert not np.isin([1.3, 9.3, 17.3], t).any()
    assert _rel_err(res.frame["[C]"].to_numpy(), ref) < 1e-7


def test_iv_bolus_row_at_dose_time_is_post_dose(compiled) -> None:  # type: ignore[no-untyped-def]
    res = simulate(
        compiled,
        regimen=parse_regimen("50 mg iv into C at 2 h"),
        end=10,
        points=11,
        outputs=["[C]", "C"],
        integrator=TIGHT,
    )
    f = res.frame.set_index("time")
    assert f.loc[1.0, "[C]"] == 0.0
    assert f.loc[2.0, "[C]"] == pytest.approx(50.0 / V, rel=1e-9)
    assert f.loc[7.0, "[C]"] == pytest.approx(50.0 / V * np.exp(-K * 5.0), rel=1e-7)
    assert f.loc[2.0, "C"] == pytest.approx(50.0, rel=1e-9)  # amount column, mg
    assert res.units["C"] == "mg"


def test_zero_order_infusion_matches_closed_form() -> None:
    model = add_infusion_inputs(parse_model(ONE_CPT, fmt="antimony"), ["C"])
    compiled = compile_model(model)
    res = simulate(
        compiled,
        regimen=parse_regimen("60 mg infusion into C over 2 h at 1 h"),
        end=12,
        points=121,
        outputs=["[C]"],
        integrator=TIGHT,
    )
    t = res.frame["time"].to_numpy()
    rate, t0, t1 = 30.0, 1.0, 3.0
    during = rate / (K * V) * (1 - np.exp(-K * np.clip(t - t0, 0, t1 - t0)))
    ref = np.where(t < t0, 0.0, np.where(t <= t1, during, during * np.exp(-K * (t - t1))))
    assert _rel_err(res.frame["[C]"].to_numpy(), ref) < 1e-7


def test_dose_in_mmol_converts_with_molecular_weight(compiled) -> None:  # type: ignore[no-untyped-def]
    mw = 180.16  # g/mol
    res = simulate(
        compiled,
        regimen=parse_regimen("0.5 mmol iv into C"),
        end=1,
        points=2,
        outputs=["C"],
        molecular_weight=f"{mw} g/mol",
        integrator=TIGHT,
    )
    assert res.frame["C"].iloc[0] == pytest.approx(0.5 * mw, rel=1e-12)  # mg


def test_parameters_reset_between_runs_and_initial_assignments_follow(compiled) -> None:  # type: ignore[no-untyped-def]
    regimen = parse_regimen("50 mg iv into C")
    base = simulate(
        compiled, regimen=regimen, end=4, points=5, outputs=["[C]", "central"], integrator=TIGHT
    )
    bigger = simulate(
        compiled,
        {"V": 2 * V},
        regimen,
        end=4,
        points=5,
        outputs=["[C]", "central"],
        integrator=TIGHT,
    )
    again = simulate(
        compiled, regimen=regimen, end=4, points=5, outputs=["[C]", "central"], integrator=TIGHT
    )
    # central = V is an initial assignment: setting V must move the compartment, halving [C]
    assert bigger.frame["central"].iloc[0] == pytest.approx(2 * V)
    np.testing.assert_allclose(bigger.frame["[C]"], base.frame["[C]"] / 2, rtol=1e-9)
    # the next run without parameters is back to the compiled values, bit for bit
    assert again.frame.equals(base.frame)
    assert compile_model(compiled.model) is compiled  # cached: no recompilation


def test_unknown_output_and_parameter_ids_are_named(compiled) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SimulationError, match=r"'Cx' is not an id.*did you mean C"):
        simulate(compiled, end=1, points=2, outputs=["Cx"])
    with pytest.raises(SimulationError, match="'kk' is not a settable"):
        simulate(compiled, {"kk": 1.0}, end=1, points=2)
    with pytest.raises(SimulationError, match="not a species"):
        simulate(compiled, end=1, points=2, outputs=["[k]"])


def test_infusion_without_prepared_input_is_refused(compiled) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DosingError, match="no infusion input for 'C'"):
        simulate(compiled, regimen=parse_regimen("1 mg infusion into C over 1 h"), end=2, points=3)


def test_failed_run_reports_status_instead_of_nan(compiled) -> None:  # type: ignore[no-untyped-def]
    from sbmltwin.engine import Status

    res = simulate(
        compiled,
        {"k": -50.0, "ka": 80.0},
        parse_regimen("1e300 mg iv into C"),
        end=48,
        points=5,
        outputs=["[C]"],
        throw=False,
    )
    assert res.status is Status.FAILED and res.message
    with pytest.raises(SimulationError):
        simulate(
            compiled,
            {"k": -50.0, "ka": 80.0},
            parse_regimen("1e300 mg iv into C"),
            end=48,
            points=5,
            outputs=["[C]"],
        )


def test_bolus_into_a_parameter_with_a_rate_rule() -> None:
    # dA/dt = -k·A as a rate rule on a parameter: a 10-unit bolus at t=1 decays as 10·e^{-k(t-1)}
    model = parse_model(
        "model p\n  A = 0\n  A' = -k * A\n  k = 0.5\nend",
        fmt="antimony",
    )
    res = simulate(
        compile_model(model),
        regimen=parse_regimen("10 iv into A at 1"),
        end=5,
        points=6,
        outputs=["A"],
        integrator=TIGHT,
    )
    expected = np.where(res.frame["time"] < 1, 0.0, 10 * np.exp(-0.5 * (res.frame["time"] - 1)))
    np.testing.assert_allclose(res.frame["A"], expected, rtol=1e-8, atol=1e-12)


def test_dose_after_start_only_and_start_offset(compiled) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SimulationError, match="before the simulation start"):
        simulate(compiled, regimen=parse_regimen("1 mg iv into C at 1 h"), start=2, end=4, points=3)
    res = simulate(
        compiled,
        regimen=parse_regimen("50 mg iv into C at 2 h"),
        start=2,
        end=4,
        points=3,
        outputs=["[C]"],
        integrator=TIGHT,
    )
    np.testing.assert_allclose(
        res.frame["[C]"], 50 / V * np.exp(-K * np.array([0.0, 1.0, 2.0])), rtol=1e-8
    )


def test_delayed_t0_events_fire_once_per_run() -> None:
    # libroadrunner 2.10 fires such an event once more after every reset; sbmltwin must not
    model = parse_model(
        "model d\n  P1 = 5\n  E1: at 1 after (time >= 0), t0=false, fromTrigger=false: P1 = P1 * P1\nend",
        fmt="antimony",
    )
    compiled = compile_model(model)
    runs = [
        simulate(compiled, end=3, points=4, outputs=["P1"]).frame["P1"].tolist() for _ in range(3)
    ]
    assert runs == [[5.0, 25.0, 25.0, 25.0]] * 3
    assert simulate(compiled, {"P1": 3.0}, end=3, points=4, outputs=["P1"]).frame[
        "P1"
    ].tolist() == [3.0, 9.0, 9.0, 9.0]
    assert simulate(compiled, end=3, points=4, outputs=["P1"]).frame["P1"].tolist() == [
        5.0,
        25.0,
        25.0,
        25.0,
    ]


def test_fast_initial_values_match_roadrunners_own_setter() -> None:
    # a species given by initial concentration in a compartment whose size depends on a parameter:
    # changing the parameter must keep the concentration and scale the amount (as
    # RoadRunner.setValue("init(BW)") does), run after run
    import roadrunner

    text = "model m\n compartment c = V\n species C in c = 5\n J: C -> ; k*C*c\n k = 0.1; BW = 70; Vw = 0.8; V = Vw*BW\nend"
    model = parse_model(text, fmt="antimony")
    compiled = compile_model(model)
    ours = [
        simulate(compiled, {"BW": bw}, end=2, points=3, outputs=["C", "[C]", "c"]).frame
        for bw in (100.0, 70.0, 40.0)
    ]
    for frame, bw in zip(ours, (100.0, 70.0, 40.0), strict=True):
        rr = roadrunner.RoadRunner(model.sbml)
        rr.setValue("init(BW)", bw)
        rr.resetAll()
        plain = np.asarray(rr.simulate(0, 2, 3, ["time", "C", "[C]", "c"]))
        np.testing.assert_allclose(frame.to_numpy(), plain, rtol=1e-9)
        assert frame["[C]"].iloc[0] == pytest.approx(5.0) and frame["c"].iloc[0] == pytest.approx(
            0.8 * bw
        )
