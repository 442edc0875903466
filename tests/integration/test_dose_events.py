"""Doses written into the SBML (``add_dose_events``) give the curves of sbmltwin's own dosing.

Reference: the closed-form one-compartment oral solution of tests/data/omex/pk_minutes.ant
(README there), a model whose clock is in minutes, for three doses 8 h apart; and sbmltwin's
piecewise dosing of the same regimen on the undosed model.
"""

from __future__ import annotations

import math
from pathlib import Path

import libsbml
import numpy as np
import pytest

from sbmltwin.engine import (
    IntegratorSettings,
    add_dose_events,
    compile_model,
    parse_regimen,
    resolve_regimen,
    simulate,
)
from sbmltwin.model import load_model, parse_model

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "omex"
TIGHT = IntegratorSettings(absolute_tolerance=1e-12, relative_tolerance=1e-10)


def _closed_form(t_min: np.ndarray) -> np.ndarray:
    ka, v, cl = 0.02, 40.0, 0.05 + 0.1  # /min, L, L/min (f_cyp2d6 = 1)
    ke = cl / v
    out = np.zeros_like(t_min)
    for k in range(3):
        tau = t_min - 480.0 * k
        on = tau >= 0
        out[on] += 100 * ka / (v * (ka - ke)) * (np.exp(-ke * tau[on]) - np.exp(-ka * tau[on]))
    return out


def test_dose_events_match_closed_form_and_piecewise_dosing() -> None:
    model = load_model(DATA / "pk_minutes.ant")
    assert model.time_unit.text == "min"
    regimen = parse_regimen("100 mg oral into A_gut every 8 h x3")
    events = resolve_regimen(regimen, model)
    assert [e.time for e in events] == [0.0, 480.0, 960.0]  # hours → the model's minutes
    dosed = add_dose_events(model, events)
    doc = dosed.document()  # keep the document alive while its model is read
    m = doc.getModel()
    assert m.getNumEvents() == 2  # the dose at 0 is an initial assignment
    assert libsbml.formulaToL3String(m.getInitialAssignment("A_gut").getMath()) == "0 + 100"
    grid = dict(end=1440.0, points=1441, outputs=["[C]"], integrator=TIGHT)
    by_events = simulate(compile_model(dosed), {}, (), **grid).frame
    piecewise = simulate(compile_model(model), {}, regimen, **grid).frame
    t = by_events["time"].to_numpy()
    exact = _closed_form(t)
    mask = exact > 1e-6 * exact.max()
    for frame in (by_events, piecewise):
        c = frame["[C]"].to_numpy()
        # tolerance: CVODE at rtol 1e-10 against the exact solution
        assert np.max(np.abs(c[mask] - exact[mask]) / exact[mask]) < 1e-6
    # the two dosing mechanisms agree to integration noise at every output time, dose times
    # included (both show the state after the dose)
    c1, c2 = by_events["[C]"].to_numpy(), piecewise["[C]"].to_numpy()
    assert np.max(np.abs(c1 - c2)) <= 1e-9 * c2.max()


def test_doses_into_the_same_target_at_one_time_add_up() -> None:
    model = parse_model(
        "model m\n unit substance = 1e-3 gram\n unit volume = litre\n unit time_unit = 3600 second\n"
        " compartment V = 2; V has volume\n species C in V = 1\n J: C -> ; 0*C\nend",
        fmt="antimony",
    )
    regimen = parse_regimen(["3 mg iv into C at 1 h", "5 mg iv into C at 1 h"])
    dosed = add_dose_events(model, resolve_regimen(regimen, model))
    frame = simulate(compile_model(dosed), {}, (), end=2.0, points=3, outputs=["C"]).frame
    # amount 1 mg/L × 2 L = 2 mg, + 8 mg at 1 h (an event's assignments read the state before it)
    assert frame["C"].tolist() == pytest.approx([2.0, 10.0, 10.0], rel=1e-12)
    assert math.isclose(
        simulate(compile_model(model), {}, regimen, end=2.0, points=3, outputs=["C"])
        .frame["C"]
        .iloc[-1],
        10.0,
        rel_tol=1e-12,
    )
