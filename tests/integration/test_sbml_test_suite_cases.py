"""A handful of SBML Test Suite semantic cases through sbmltwin's own path.

load → check → compile → simulate → compare with the case's ``results.csv`` using the case's own
absolute/relative tolerances (|sim − ref| ≤ abs + rel·|ref|, SEMANTIC_CASES_FORMAT.md). The
full-suite runner is a separate command; these cases cover events (with and without delay and
priority), assignment rules, rate rules, initial assignments, multiple compartments,
hasOnlySubstanceUnits and concentration outputs. Skipped when ../shared is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sbmltwin.engine import IntegratorSettings, compile_model, simulate
from sbmltwin.errors import UnsupportedSbmlFeatureError
from sbmltwin.model import load_model, require_simulatable

pytestmark = [pytest.mark.integration, pytest.mark.shared]

CASES = {
    "00001": "basic reaction, amounts",
    "00021": "non-unity compartment and stoichiometry",
    "00029": "assignment rule",
    "00031": "rate rule",
    "00037": "initial assignment",
    "00041": "event without delay",
    "00054": "multiple compartments",
    "00060": "hasOnlySubstanceUnits",
    "00072": "event with delay",
    "00930": "event priority",
    "01130": "concentrations, comp package",
}


def _settings(case_dir: Path) -> dict[str, str]:
    out = {}
    for line in (case_dir / f"{case_dir.name}-settings.txt").read_text().splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            out[key.strip()] = value.strip()
    return out


def _ids(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _case_file(shared_dir: Path, case: str) -> Path:
    case_dir = shared_dir / "sbml-test-suite" / "semantic" / case
    if not case_dir.is_dir():
        pytest.skip(f"case {case} not in ../shared")
    return next(case_dir.glob(f"{case}-sbml-l*.xml"))


@pytest.mark.parametrize("case", sorted(CASES), ids=[f"{c}-{d}" for c, d in sorted(CASES.items())])
def test_case_matches_expected_results(shared_dir: Path, case: str) -> None:
    sbml_file = _case_file(shared_dir, case)
    case_dir = sbml_file.parent
    s = _settings(case_dir)
    model = load_model(sbml_file)
    require_simulatable(model)
    concs = set(_ids(s.get("concentration", "")))  # the others are amounts or non-species
    variables = _ids(s["variables"])
    outputs = [f"[{v}]" if v in concs else v for v in variables]
    start, duration, steps = float(s["start"]), float(s["duration"]), int(s["steps"])
    atol, rtol = float(s["absolute"]), float(s["relative"])
    result = simulate(
        compile_model(model),
        start=start,
        end=start + duration,
        points=steps + 1,
        outputs=outputs,
        integrator=IntegratorSettings(
            absolute_tolerance=min(atol, 1e-12), relative_tolerance=min(rtol, 1e-6)
        ),
    )
    expected = pd.read_csv(case_dir / f"{case}-results.csv")
    expected.columns = [c.strip() for c in expected.columns]
    np.testing.assert_allclose(result.frame["time"], expected["time"], rtol=0, atol=1e-12)
    for var, out in zip(variables, outputs, strict=True):
        sim, ref = result.frame[out].to_numpy(), expected[var].to_numpy()
        err = np.abs(sim - ref) - (atol + rtol * np.abs(ref))
        worst = int(np.argmax(err))
        assert err[worst] <= 0, (
            f"{var} at t={expected['time'][worst]}: sim {sim[worst]} vs {ref[worst]}"
        )


@pytest.mark.parametrize(
    ("case", "feature"),
    [
        ("00039", "AlgebraicRule"),
        ("00937", "CSymbolDelay"),
        ("00870", "FastReaction"),
        ("00028", "VariableFactorial"),
    ],
)
def test_unsupported_features_are_refused_before_simulation(
    shared_dir: Path, case: str, feature: str
) -> None:
    model = load_model(_case_file(shared_dir, case))
    with pytest.raises(UnsupportedSbmlFeatureError) as info:
        require_simulatable(model)
    assert feature in {i.code for i in info.value.issues}
    assert str(model.source) in str(info.value)
