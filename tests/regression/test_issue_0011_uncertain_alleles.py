"""Issue 11, "uncertain-function alleles": default cohorts lost twins to "Indeterminate" calls,
not at random (CYP2D6: 3.4 % European, 6.1 % East Asian, 8.3 % Sub-Saharan African), and the
message said "given as a phenotype" although a diplotype was drawn.

A population spec now names its policy (``uncertain = "exclude"``, the default, renormalizing;
``"as_reference"``; ``"fail"``), the run record stores it, and messages name the diplotype.

Reference the code did not compute: CPIC's own phenotype frequency table
(``../shared/pgx/derived/phenotype_frequency_by_population.tsv``). Dropping the alleles of
uncertain function and renormalizing is, under Hardy–Weinberg, conditioning on diplotypes
without them, so the phenotype fractions must be CPIC's with "Indeterminate" removed and the
rest renormalized.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from sbmltwin.cohort.run import run_cohort, run_record
from sbmltwin.cohort.sampling import _cached_call, parse_population, sample_cohort
from sbmltwin.engine import parse_regimen
from sbmltwin.errors import BindingError, ProfileError
from sbmltwin.model import parse_model
from sbmltwin.personalize import parse_bindings, personalize
from sbmltwin.personalize.profile import TwinProfile

POPULATIONS = ("European", "East Asian", "Sub-Saharan African")


@pytest.mark.parametrize("population", POPULATIONS)
def test_exclude_gives_cpic_fractions_renormalized(
    population: str, cpic_phenotypes: Callable[[str, str], dict[str, float]]
) -> None:
    spec = parse_population({"population": population, "genes": ["CYP2D6"]})
    assert spec.uncertain == "exclude"
    names, probs = spec.frequencies["CYP2D6"]
    acc: collections.Counter[str] = collections.Counter()
    for a, pa in zip(names, probs, strict=True):
        for b, pb in zip(names, probs, strict=True):
            acc[_cached_call("CYP2D6", a, b).phenotype.value] += pa * pb
    cpic = cpic_phenotypes("CYP2D6", population)
    callable_ = 1.0 - cpic.get("Indeterminate", 0.0)
    assert acc["Indeterminate"] == 0
    for phenotype, freq in cpic.items():
        if phenotype != "Indeterminate":
            # CPIC's table rounds its frequencies; 1e-4 is far inside the 1-point acceptance
            assert acc[phenotype] == pytest.approx(freq / callable_, abs=1e-4), phenotype
    excluded, share = spec.excluded["CYP2D6"]
    assert excluded
    # the share set aside is what CPIC's Indeterminate fraction implies: 1 - (1 - s)^2
    assert 1 - (1 - share) ** 2 == pytest.approx(cpic["Indeterminate"], abs=1e-3)


def test_20000_sampled_twins_within_1_point_and_none_indeterminate(
    cpic_phenotypes: Callable[[str, str], dict[str, float]],
) -> None:
    # Binomial sd at n = 20,000 is ≤ 0.35 points, so 1 point is ~3 sd (seed fixed).
    spec = parse_population({"population": "Sub-Saharan African", "genes": ["CYP2D6"]})
    twins = sample_cohort(spec, 20_000, seed=11)
    counts = collections.Counter(t.profile.genes["CYP2D6"].phenotype.value for t in twins)
    cpic = cpic_phenotypes("CYP2D6", "Sub-Saharan African")
    callable_ = 1.0 - cpic["Indeterminate"]
    assert counts["Indeterminate"] == 0
    for phenotype, freq in cpic.items():
        if phenotype != "Indeterminate":
            assert abs(counts[phenotype] / 20_000 - freq / callable_) < 0.01, phenotype


def test_as_reference_scores_the_allele_as_star1_and_says_so() -> None:
    call = _cached_call("CYP2D6", "*1", "*22", "as_reference")
    assert call.diplotype == "*1/*22"  # the drawn diplotype stays
    assert call.activity_score == 2.0 and call.phenotype.short == "NM"
    assert "*22 (uncertain function) scored as *1" in call.reason()


def test_fail_names_the_drawn_diplotype() -> None:
    call = _cached_call("CYP2D6", "*1", "*22", "fail")
    bindings = parse_bindings(
        {"genes": {"CYP2D6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"}}}
    )
    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    with pytest.raises(BindingError) as err:
        personalize(
            parse_model(ant, fmt="antimony"), TwinProfile("t", genes={"CYP2D6": call}), bindings
        )
    assert "CYP2D6 *1/*22" in str(err.value)
    assert "given as a phenotype" not in str(err.value)


def test_bad_policy_is_refused() -> None:
    with pytest.raises(ProfileError, match="as_reference"):
        parse_population({"population": "European", "genes": ["CYP2D6"], "uncertain": "drop"})


@pytest.mark.integration
def test_run_record_names_the_policy_and_no_twin_fails(tmp_path: Path) -> None:
    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    bindings = parse_bindings(
        {
            "genes": {"CYP2D6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"}},
            "dosing": {"oral": {"target": "A_gut"}},
        }
    )
    spec = parse_population({"population": "Sub-Saharan African", "genes": ["CYP2D6"]})
    run = run_cohort(
        parse_model(ant, fmt="antimony"),
        bindings,
        spec,
        parse_regimen("100 mg oral"),
        n=300,
        seed=1,
        output=tmp_path / "c.parquet",
        outputs=["[C_plasma]"],
        summary_only=True,
    )
    assert run.failed == 0
    record = run_record(tmp_path / "c.parquet")
    assert record["uncertain_alleles"]["policy"] == "exclude"
    assert record["uncertain_alleles"]["excluded"]["CYP2D6"]["alleles"]  # e.g. *43
    # sampled covariates no binding reads are recorded
    assert "weight" in record["unused_profile_items"]
