"""Co-medication prevalence in a population spec phenoconverts the sampled twins."""

from __future__ import annotations

import pytest

from sbmltwin.cohort.sampling import parse_population, sample_block, sample_twin
from sbmltwin.errors import ProfileError

SPEC = {"population": "European", "genes": ["CYP2D6"]}


def test_prevalence_converts_about_that_share_and_says_why() -> None:
    spec = parse_population({**SPEC, "comedications": {"Paroxetine": 0.3}})
    twins = [sample_twin(spec, 3, i) for i in range(400)]
    calls = [t.profile.genes["CYP2D6"] for t in twins]
    on = [c for c in calls if "paroxetine" in c.reason()]
    assert 0.22 < len(on) / len(calls) < 0.38  # binomial(400, 0.3): ±4 SD
    assert all(c.activity_score in (0.0, None) for c in on)
    # block sampling gives the same twins as one by one
    block = sample_block(spec, 3, 0, 50)
    assert list(block.genes["CYP2D6"]) == calls[:50]


def test_a_spec_without_comedications_draws_the_same_twins() -> None:
    plain = parse_population(SPEC)
    zero = parse_population({**SPEC, "comedications": {"paroxetine": 0.0}})
    for i in range(20):
        a, b = sample_twin(plain, 9, i), sample_twin(zero, 9, i)
        assert a.profile.genes == b.profile.genes and a.profile.weight_kg == b.profile.weight_kg


def test_bad_prevalence_is_refused() -> None:
    with pytest.raises(ProfileError, match="prevalence"):
        parse_population({**SPEC, "comedications": {"paroxetine": 1.5}})
