"""Block sampling and the personalization plan give exactly what the per-twin functions give."""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from sbmltwin.cohort.plan import PersonalizationPlan
from sbmltwin.cohort.sampling import load_population, parse_population, sample_block, sample_twin
from sbmltwin.engine import compile_model
from sbmltwin.errors import SbmlTwinError
from sbmltwin.model import parse_model
from sbmltwin.personalize import load_bindings, parse_bindings, personalize

DATA = Path(__file__).resolve().parents[2] / "data" / "cohort"

BINDINGS = """schema_version = 1
[genes.CYP2D6]
parameter = "f_cyp2d6"
law = "activity_score_power"
exponent = 0.8
[[covariates.weight]]
parameter = "BW"
law = "value"
[[covariates.weight]]
parameter = "CL_other"
law = "allometric"
exponent = 0.75
reference = "70 kg"
[[covariates.egfr]]
parameter = "CL_other"
law = "ratio"
reference = "100 mL/min"
[[covariates.bsa]]
parameter = "CL_2d6"
law = "ratio"
reference = "1.73 m**2"
[conditions.child_pugh]
parameter = "ka"
law = "child_pugh"
apply = "scale"
factor = "CYP3A4"
"""


def _model():  # type: ignore[no-untyped-def]
    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    return parse_model(ant, fmt="antimony")


def test_block_is_sample_twin_for_every_index() -> None:
    spec = load_population(DATA / "european.toml")
    block = sample_block(spec, 11, 37, 337)
    for k, i in enumerate(range(37, 337)):
        assert block.twin(k) == sample_twin(spec, 11, i)


def test_allele_draws_equal_generator_choice() -> None:
    # sampling replaces rng.choice(len(p), size=2, p=p) by random(2) + a CDF search
    spec = load_population(DATA / "european.toml")
    names, probs = spec.frequencies["CYP2D6"]
    for i in range(500):
        rng = np.random.default_rng([3, i])
        chosen = rng.choice(len(names), size=2, p=probs)
        cdf = np.asarray(probs, dtype=float).cumsum()
        cdf /= cdf[-1]
        u = np.random.default_rng([3, i]).random(2)
        assert list(chosen) == list(np.searchsorted(cdf, u, side="right"))


@pytest.mark.parametrize("text", [None, BINDINGS])
def test_plan_values_equal_personalize_bit_for_bit(text: str | None) -> None:
    model = _model()
    bindings = (
        load_bindings(DATA / "bindings.toml")
        if text is None
        else parse_bindings(tomllib.loads(text), source="t")
    )
    spec = load_population(DATA / "european.toml")
    compiled = compile_model(model)
    plan = PersonalizationPlan.build(model, bindings, spec, compiled.initial_values)
    assert plan.steps is not None, plan.reason  # the fast path, not the fallback
    block = sample_block(spec, 5, 0, 400)
    ids, values, errors = plan.values(block)
    failures = 0
    for i in range(len(block)):
        twin = block.twin(i)
        try:
            want = personalize(model, twin.profile, bindings).as_dict()
        except SbmlTwinError as err:
            assert errors[i] == str(err)
            failures += 1
            continue
        for sid, factor in twin.iiv.items():
            want[sid] = want.get(sid, compiled.initial_values[sid]) * factor
        assert errors[i] is None
        assert dict(zip(ids, values[i].tolist(), strict=True)) == want
    assert 0 < failures < len(block)  # Indeterminate twins fail under an activity-score law


def test_plan_falls_back_and_still_agrees() -> None:
    model = _model()
    spec = parse_population({"population": "European", "genes": [], "iiv": {"ka": 20}})
    bindings = load_bindings(DATA / "bindings.toml")  # binds CYP2D6, which is not sampled
    compiled = compile_model(model)
    plan = PersonalizationPlan.build(model, bindings, spec, compiled.initial_values)
    assert plan.steps is None and "CYP2D6" in plan.reason
    block = sample_block(spec, 5, 0, 20)
    ids, values, errors = plan.values(block)
    for i in range(len(block)):
        with pytest.raises(SbmlTwinError) as info:
            personalize(model, block.twin(i).profile, bindings)
        assert errors[i] == str(info.value)
    assert not math.isnan(float(np.sum(values))) or ids == ()
