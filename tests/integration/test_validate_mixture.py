"""Mixture groups: phenotype-only study groups predicted as population mixtures of genotypes.

The weights are checked against CPIC's own European phenotype frequencies (../shared), and the
mixture prediction against the closed-form one-compartment IV solution of the test model,
C(t) = Σ w_AS · D/V · exp(−(5 + 10·AS)/V · t), V = 56 L (CL_other 5 L/h, CL_2d6 20 L/h · AS/2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from sbmltwin.errors import ValidationDataError
from sbmltwin.personalize import parse_profile
from sbmltwin.validate.cases import load_case
from sbmltwin.validate.mixture import Mixture, mixture_components, parse_mixture
from sbmltwin.validate.run import run_case

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data"


def test_non_pm_mixture_weights_match_cpic_european_frequencies(
    cpic_phenotypes: Callable[[str, str], dict[str, float]],
) -> None:
    cpic = cpic_phenotypes("CYP2D6", "European")
    callable_ = sum(f for p, f in cpic.items() if p != "Indeterminate")
    non_pm = callable_ - cpic["Poor Metabolizer"]
    comps = mixture_components(Mixture("CYP2D6", "European", ("PM",)))
    assert sum(c.weight for c in comps) == pytest.approx(1.0, abs=1e-12)
    scores = {float(c.genotype["activity_score"]): c.weight for c in comps}
    assert 0.0 not in scores and all(s > 0 for s in scores)
    # CPIC: NM = AS 1.25–2.25, IM = AS 0.25–1, UM > 2.25 (activity_score_to_phenotype)
    nm = sum(w for s, w in scores.items() if 1.25 <= s <= 2.25)
    im = sum(w for s, w in scores.items() if 0 < s <= 1.0)
    um = sum(w for s, w in scores.items() if s > 2.25)
    assert nm == pytest.approx(cpic["Normal Metabolizer"] / non_pm, abs=1e-3)
    assert im == pytest.approx(cpic["Intermediate Metabolizer"] / non_pm, abs=1e-3)
    assert um == pytest.approx(cpic["Ultrarapid Metabolizer"] / non_pm, abs=1e-3)


def test_mixture_group_equals_weighted_analytic_curves(tmp_path: Path) -> None:
    src = (DATA / "validation" / "analytic_iv.toml").read_text()
    text = src.replace('model_path = "../personalize/', f'model_path = "{DATA}/personalize/')
    text = text.replace('bindings = "../personalize/', f'bindings = "{DATA}/personalize/')
    text = text.replace('file = "analytic_iv.csv"', f'file = "{tmp_path}/obs.csv"')
    text = text.replace(
        '[groups.PM]\ndescription = "AS 0"\nprofile = { weight = "70 kg", genotype = { CYP2D6 = "*4/*4" } }',
        '[groups.PM]\ndescription = "European non-PM mixture"\nprofile = { weight = "70 kg" }\n'
        'mixture = { gene = "CYP2D6", population = "European", exclude_phenotypes = ["PM"] }',
    )
    text = text.replace("ratios = [", "# ratios = [")
    assert "mixture" in text
    weights = {
        float(c.genotype["activity_score"]): c.weight
        for c in mixture_components(Mixture("CYP2D6", "European", ("PM",)))
    }
    times = [0.5, 1, 2, 4, 8, 12, 24]

    def analytic(t: float, scores: dict[float, float]) -> float:  # mg/L → ng/mL
        return 1000 * sum(
            w * 100 / 56 * math.exp(-(5 + 10 * s) / 56 * t) for s, w in scores.items()
        )

    rows = ["group,output,time,time_unit,value,value_unit"]
    for g, scores in (("NM", {2.0: 1.0}), ("PM", weights)):
        rows += [f"{g},plasma,{t},h,{analytic(t, scores)!r},ng/ml" for t in times]
    (tmp_path / "obs.csv").write_text("\n".join(rows) + "\n")
    case_path = tmp_path / "mix.toml"
    case_path.write_text(text)
    result = run_case(load_case(case_path), sensitivity=False)
    mix = result.group("PM")
    assert mix is not None and mix.mixture is not None
    out = mix.output("plasma")
    assert out is not None
    assert max(abs(f - 1) for f in out.point_fold_errors) < 1e-5
    assert len(mix.members) == len(weights) and mix.mixture.population == "European"
    assert "European" in mix.explain and "AS 2" in mix.explain
    # convexity: the mixture's AUC is above the AUC of one twin with the mean activity score
    mean_as = sum(s * w for s, w in weights.items())
    # (an IV bolus sampled from 0.5 h: both AUCs run from the first sample, 0.5–24 h)
    assert out.auc_start == 0.5
    k = (5 + 10 * mean_as) / 56
    auc_mean_twin = 100 / (5 + 10 * mean_as) * (math.exp(-k * 0.5) - math.exp(-k * 24))
    assert out.auc_predicted > auc_mean_twin


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"gene": "CYP2D6"}, "population"),
        ({"gene": "CYP2D6", "population": "Atlantis"}, "Atlantis"),
        ({"gene": "CYP2D6", "population": "European", "colour": 1}, "colour"),
        ({"gene": "CYP2D6", "population": "European", "exclude_phenotypes": ["XX"]}, "XX"),
        ({"gene": "NOPE1", "population": "European"}, "NOPE1"),
    ],
)
def test_bad_mixture_is_a_located_error(data: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationDataError) as info:
        parse_mixture(data, "case.toml [groups.EM]")
    assert needle in str(info.value) and "case.toml" in str(info.value)


def test_phenotype_mixture_profiles_parse_to_their_class(tmp_path: Path) -> None:
    # CYP2C19 has no activity scores: its classes are CPIC phenotypes, given as profile phenotypes
    case_path = tmp_path / "c.toml"
    case_path.write_text(
        'source = "test"\nmodel = "m"\nmodel_path = "m.xml"\n[regimen]\ndoses = ["1 mg oral"]\n'
        '[groups.EM]\nprofile = { weight = "70 kg" }\n'
        'mixture = { gene = "CYP2C19", population = "European", exclude_phenotypes = ["PM"] }\n'
        '[observed]\nfile = "o.csv"\n[outputs]\nplasma = "[C]"\n'
    )
    case = load_case(case_path)
    members = case.group_profiles("EM")
    assert sum(w for _, w, _ in members) == pytest.approx(1.0)
    for profile_data, _, label in members:
        call = parse_profile(profile_data).genes["CYP2C19"]
        assert call.phenotype.short == label and call.phenotype.short != "PM"
    bad = case_path.read_text().replace(
        'profile = { weight = "70 kg" }', 'profile = { phenotype = { CYP2C19 = "IM" } }'
    )
    case_path.write_text(bad)
    with pytest.raises(ValidationDataError, match="CYP2C19"):
        load_case(case_path)
