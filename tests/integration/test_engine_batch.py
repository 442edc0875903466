"""BatchSimulator and the segment plan give exactly what simulate() gives, run by run."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sbmltwin.engine import DoseEvent, compile_model, simulate
from sbmltwin.engine.batch import BatchSimulator
from sbmltwin.engine.simulate import IntegratorSettings, _configure, _integrate, _ready_instance
from sbmltwin.model import parse_model

pytestmark = pytest.mark.integration

# a compartment sized by an initial assignment and a species given by a non-zero initial
# concentration: the case _reset_with has to repair after the reset
ANT = """
model m
  compartment gut = 1, central = V
  substanceOnly species A_gut in gut = 0
  species C in central = 0.5
  species M in central = 0
  absorption: A_gut -> C; ka*A_gut
  metabolism: C -> M; CLm*C
  elimination: M -> ; CL*M
  ka = 1; CL = 5; CLm = 2; BW = 70; V = 0.6*BW
end
"""

DELAYED = """
model d
  species S = 10
  J: S -> ; k*S
  k = 0.3; x = 0
  E1: at 0.5 after time > 1: x = x + 1
end
"""


@pytest.mark.parametrize(
    "events",
    [
        (DoseEvent(0.0, "bolus", "A_gut", 100.0),),
        tuple(DoseEvent(t, "bolus", "A_gut", 50.0) for t in (0.0, 7.3, 12.0, 24.0)),
        (DoseEvent(2.05, "bolus", "A_gut", 10.0), DoseEvent(48.0, "bolus", "A_gut", 1.0)),
    ],
)
def test_runs_equal_simulate_bit_for_bit(events: tuple[DoseEvent, ...]) -> None:
    model = parse_model(ANT, fmt="antimony")
    compiled = compile_model(model)
    ids = ["BW", "CL", "ka"]
    rng = np.random.default_rng(2)
    sets = rng.uniform(0.5, 2.0, (6, 3)) * np.array([70.0, 5.0, 1.0])
    grids = [np.linspace(0, 48, 97), np.array([0.0, 0.01, 2.05, 3.0, 30.0, 48.0])]
    for grid in grids:
        want = []
        for row in sets:
            params = dict(zip(ids, row.tolist(), strict=True))
            if len(grid) == 97:  # an even grid: simulate() itself
                frame = simulate(
                    compiled, params, events, end=48.0, points=97, outputs=["[C]", "M"]
                ).frame
                want.append(frame.to_numpy())
            else:  # any grid: what simulate() runs inside
                rr = _ready_instance(compiled, params)
                _configure(rr, IntegratorSettings())
                want.append(_integrate(rr, ["time", "[C]", "M"], grid, events))
        with BatchSimulator(compiled, ids, events, grid=grid, outputs=["[C]", "M"]) as batch:
            got = [batch.run(row) for row in sets]
        for w, (data, message) in zip(want, got, strict=True):
            assert message == ""
            assert np.array_equal(data, w)


def test_batch_then_simulate_restores_untouched_values() -> None:
    model = parse_model(ANT, fmt="antimony")
    compiled = compile_model(model)
    events = (DoseEvent(0.0, "bolus", "A_gut", 100.0),)
    base = simulate(compiled, {}, events, end=24, points=25, outputs=["[C]"]).frame
    with BatchSimulator(
        compiled, ["BW"], events, grid=np.linspace(0, 24, 25), outputs=["[C]"]
    ) as batch:
        batch.run(np.array([35.0]))
    again = simulate(compiled, {}, events, end=24, points=25, outputs=["[C]"]).frame
    assert again.equals(base)


def test_delayed_events_take_the_fresh_instance_path() -> None:
    compiled = compile_model(parse_model(DELAYED, fmt="antimony"))
    assert compiled.has_delayed_events
    grid = np.linspace(0, 4, 9)
    with BatchSimulator(compiled, ["k"], (), grid=grid, outputs=["x", "S"]) as batch:
        runs = [batch.run(np.array([k]))[0] for k in (0.3, 0.3, 0.6)]
    want = simulate(compiled, {"k": 0.6}, (), end=4, points=9, outputs=["x", "S"]).frame
    assert np.array_equal(runs[0], runs[1])
    assert np.array_equal(runs[2], want.to_numpy())
    assert runs[0][-1, 1] == 1.0  # the delayed event fired once, not once per reset


def test_non_finite_value_is_refused_like_simulate() -> None:
    compiled = compile_model(parse_model(ANT, fmt="antimony"))
    with BatchSimulator(compiled, ["CL"], (), grid=np.linspace(0, 1, 3), outputs=["M"]) as b:
        with pytest.raises(Exception, match="is not finite"):
            b.run(np.array([float("nan")]))


def test_segment_plan_matches_per_point_masks() -> None:
    from sbmltwin.engine.simulate import _segments

    rng = np.random.default_rng(0)
    for _ in range(200):
        grid = np.unique(np.round(rng.uniform(0, 10, int(rng.integers(2, 30))), 1))
        if len(grid) < 2:
            continue
        times = sorted(set(np.round(rng.uniform(grid[0], 12, int(rng.integers(0, 4))), 1)))
        events = tuple(DoseEvent(float(t), "bolus", "A", 1.0) for t in times)
        segments, _ = _segments(grid, events)
        covered = np.zeros(len(grid), dtype=int)
        stops = sorted({grid[0], grid[-1]} | {t for t in times if t <= grid[-1]})
        for seg, (a, b) in zip(segments, itertools.pairwise(stops), strict=True):
            covered[seg.mask] += 1
            rows = np.arange(len(seg.times))[seg.rows]
            assert np.array_equal(seg.times[rows], grid[seg.mask])
            assert seg.times[0] == a and seg.times[-1] == b
        assert np.all(covered == 1)
