"""Issue 15 (several arms per case): studies that were one case per arm became one case with arms,
among them three training studies (omeprazole Andersson1990, glimepiride Badian1994, losartan
Lo1995). Their calibration specs now name the merged cases (Andersson1990 with its IV arms only, as
the protocol's amendment says). The SAME data must train: at the end values recorded in each
``calibration.json`` (fitted on the old one-arm cases, not re-fitted), every training series gives
the recorded RMS log residual and the objective is the recorded one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sbmltwin.validate.calibrate import (
    _groups,
    _residuals,
    _training_cases,
    load_calibration_spec,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("drug", ["omeprazole", "glimepiride", "losartan"])
def test_merged_training_cases_give_the_recorded_objective(drug: str) -> None:
    spec = load_calibration_spec(ROOT / "model_library" / drug / "calibration.toml")
    recorded = json.loads((spec.path.parent / "calibration.json").read_text(encoding="utf-8"))
    end = {p["name"]: p["end"] for p in recorded["parameters"]}
    end.update({t.name: t.factor * end[t.parameter] for t in spec.tied})
    groups = _groups(_training_cases(spec), spec)
    residuals = _residuals(groups, end)
    assert sum(residuals) == pytest.approx(recorded["objective"]["end"], rel=1e-9)
    series = [s for g in groups for s in g.series]  # in the order of the residuals
    new = sorted((s.output, len(s.t), r**0.5) for s, r in zip(series, residuals, strict=True))
    # per series (case ids changed: the old ones were one case per arm): output, n, RMS at end
    old = sorted((s["output"], s["n"], s["rms_log_end"]) for s in recorded["series"])
    assert [(o, n) for o, n, _ in new] == [(o, n) for o, n, _ in old]
    for (_, _, a), (_, _, b) in zip(new, old, strict=True):
        assert a == pytest.approx(b, rel=1e-9)
