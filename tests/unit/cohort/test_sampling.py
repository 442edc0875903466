"""Population sampling: CPIC frequencies, per-twin streams, spec validation."""

from __future__ import annotations

import collections
import pickle
from collections.abc import Callable

import pytest

from sbmltwin.cohort.sampling import (
    _cached_call,
    allele_frequencies,
    parse_population,
    sample_cohort,
    sample_twin,
)
from sbmltwin.errors import GenotypeError, ProfileError


def test_hardy_weinberg_product_reproduces_cpic_european_cyp2d6(
    cpic_phenotypes: Callable[[str, str], dict[str, float]],
) -> None:
    # CPIC's phenotype table is the HW product of its allele table: exact up to rounding.
    spec = parse_population({"population": "European", "genes": ["CYP2D6"], "uncertain": "fail"})
    names, probs = spec.frequencies["CYP2D6"]
    acc: collections.Counter[str] = collections.Counter()
    for a, pa in zip(names, probs, strict=True):
        for b, pb in zip(names, probs, strict=True):
            acc[_cached_call("CYP2D6", a, b).phenotype.value] += pa * pb
    for phenotype, freq in cpic_phenotypes("CYP2D6", "European").items():
        assert acc[phenotype] == pytest.approx(freq, abs=1e-6), phenotype


def test_20000_european_twins_match_cpic_cyp2d6_within_1_point(
    cpic_phenotypes: Callable[[str, str], dict[str, float]],
) -> None:
    # Binomial sd at n = 20,000 is ≤ 0.35 points, so 1 point is ~3 sd (seed fixed).
    spec = parse_population({"population": "European", "genes": ["CYP2D6"], "uncertain": "fail"})
    twins = sample_cohort(spec, 20_000, seed=2024)
    counts = collections.Counter(t.profile.genes["CYP2D6"].phenotype.value for t in twins)
    for phenotype, freq in cpic_phenotypes("CYP2D6", "European").items():
        assert abs(counts[phenotype] / 20_000 - freq) < 0.01, phenotype


def test_twin_depends_only_on_seed_and_index() -> None:
    spec = parse_population({"population": "East Asian", "genes": ["CYP2D6", "CYP2C19"]})
    a = sample_cohort(spec, 10, seed=3, start=100)
    b = [sample_twin(spec, 3, i) for i in (105, 100)]
    assert a[5] == b[0] and a[0] == b[1]
    assert sample_twin(spec, 4, 100) != a[0]
    assert pickle.loads(pickle.dumps(spec)) == spec


def test_overrides_truncation_and_iiv() -> None:
    spec = parse_population(
        {
            "population": "European",
            "covariates": {
                "female_fraction": 1.0,
                "age": {"dist": "uniform", "low": 30, "high": 31},
                "weight": {"female": {"median": 60, "cv": 0.5, "low": 55, "high": 65}},
            },
            "iiv": {"CL": 30},
        }
    )
    twins = sample_cohort(spec, 300, seed=1)
    assert all(t.profile.sex is not None and t.profile.sex.value == "female" for t in twins)
    assert all(30 <= (t.profile.age_years or 0) <= 31 for t in twins)
    assert all(55 <= (t.profile.weight_kg or 0) <= 65 for t in twins)
    factors = sorted(t.iiv["CL"] for t in twins)
    assert 0.9 < factors[150] < 1.1  # log-normal with median 1


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"population": "Atlantis"}, "Atlantis"),
        ({"population": "European", "colour": 1}, "colour"),
        ({"population": "European", "covariates": {"age": {"dist": "gamma"}}}, "gamma"),
        ({"population": "European", "iiv": {"CL": -3}}, "CL"),
    ],
)
def test_bad_specs_name_the_problem(data: dict[str, object], needle: str) -> None:
    with pytest.raises(ProfileError, match=needle):
        parse_population(data)


def test_unknown_gene_and_frequency_table() -> None:
    with pytest.raises(GenotypeError, match="NAT2"):
        allele_frequencies("NAT2", "European")
    assert sum(allele_frequencies("CYP2D6", "European").values()) == pytest.approx(1, abs=1e-3)
