"""The typed validation results survive report.json exactly, and bad JSON is a located error."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.results import (
    CaseMetrics,
    FoldSummary,
    GroupResult,
    Member,
    MixtureInfo,
    OutputComparison,
    OverallMetrics,
    RatioResult,
    Sensitivity,
    SensitivityTable,
    Series,
    ValidationCaseResult,
    ValidationRun,
)

finite = st.floats(-1e12, 1e12, allow_nan=False)
number = st.one_of(finite, st.just(math.nan))  # NaN is written as null and read back as NaN
text = st.text(max_size=12)
floats = st.lists(number, max_size=4).map(tuple)

summaries = st.builds(
    FoldSummary,
    n=st.integers(0, 1000),
    gmfe=number,
    afe=number,
    within_1_25=number,
    within_1_5=number,
    within_2=number,
)
comparisons = st.builds(
    OutputComparison,
    output=text,
    sid=text,
    unit=text,
    time_unit=text,
    observed=st.builds(Series, time=floats, value=floats),
    predicted=st.builds(Series, time=floats, value=floats),
    predicted_at_observed=floats,
    point_fold_errors=floats,
    auc_observed=number,
    auc_predicted=number,
    auc_fold=number,
    cmax_observed=number,
    cmax_predicted=number,
    cmax_fold=number,
    within_fold=st.booleans(),
)
groups = st.builds(
    GroupResult,
    name=text,
    description=text,
    explain=text,
    members=st.lists(
        st.builds(Member, label=text, weight=finite, parameters=st.dictionaries(text, finite)),
        max_size=3,
    ).map(tuple),
    outputs=st.lists(comparisons, max_size=2).map(tuple),
    mixture=st.none()
    | st.builds(
        MixtureInfo,
        gene=text,
        population=text,
        exclude_phenotypes=st.lists(text, max_size=2).map(tuple),
    ),
)
cases = st.builds(
    ValidationCaseResult,
    id=text,
    source=text,
    citation=text,
    model=text,
    role=st.sampled_from(["training", "validation"]),
    doses=st.lists(text, max_size=2).map(tuple),
    fold=finite,
    groups=st.lists(groups, max_size=2).map(tuple),
    ratios=st.lists(
        st.builds(
            RatioResult,
            numerator=text,
            denominator=text,
            metric=text,
            output=text,
            observed=number,
            predicted=number,
            guest_lower=number,
            guest_upper=number,
            within=st.booleans(),
        ),
        max_size=2,
    ).map(tuple),
    metrics=st.builds(CaseMetrics, auc=summaries, cmax=summaries, observations=summaries),
    passed=st.booleans(),
    model_sha256=text,
    sensitivity=st.none()
    | st.builds(
        SensitivityTable,
        group=text,
        twin=text,
        output=text,
        perturbation=finite,
        rows=st.lists(
            st.builds(
                Sensitivity, parameter=text, value=finite, unit=text, s_auc=number, s_cmax=number
            ),
            max_size=3,
        ).map(tuple),
    ),
)


def _same(a: Any, b: Any) -> bool:
    """Equality with NaN == NaN (to_dict is compared, so nested NaNs count)."""
    return json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)


overalls = st.builds(
    OverallMetrics,
    cases=st.integers(0, 50),
    cases_passed=st.integers(0, 50),
    groups=st.integers(0, 50),
    groups_within_fold_percent=number,
    auc=summaries,
    cmax=summaries,
    auc_and_cmax=summaries,
    ratios_within_guest=st.integers(0, 9),
    ratios=st.integers(0, 9),
    validation_only=st.none()
    | st.builds(
        OverallMetrics,
        cases=st.integers(0, 50),
        cases_passed=st.integers(0, 50),
        groups=st.integers(0, 50),
        groups_within_fold_percent=number,
        auc=summaries,
        cmax=summaries,
        auc_and_cmax=summaries,
        ratios_within_guest=st.integers(0, 9),
        ratios=st.integers(0, 9),
    ),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(cases, max_size=2), overalls)
def test_run_round_trips_through_json(
    results: list[ValidationCaseResult], overall: OverallMetrics
) -> None:
    run = ValidationRun(tuple(results), overall)
    text_ = json.dumps(run.to_dict(), allow_nan=False)  # NaN/inf never reach the JSON
    again = ValidationRun.from_dict(json.loads(text_))
    assert _same(again, run)
    assert json.dumps(again.to_dict(), allow_nan=False) == text_


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | finite | text,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=12,
    )
)
def test_any_json_is_read_or_refused_with_a_located_error(data: Any) -> None:
    try:
        ValidationCaseResult.from_dict(data) if isinstance(data, dict) else None
    except ValidationDataError:
        pass


def test_errors_name_the_path_and_the_key() -> None:
    good = FoldSummary.of([1.0, 2.0]).to_dict()
    with pytest.raises(ValidationDataError, match=r"gmfe: expected a number"):
        FoldSummary.from_dict({**good, "gmfe": "1.5"})
    with pytest.raises(ValidationDataError, match=r"missing key 'n'"):
        FoldSummary.from_dict({k: v for k, v in good.items() if k != "n"})
    with pytest.raises(ValidationDataError, match=r"unknown key\(s\) \['x'\]"):
        FoldSummary.from_dict({**good, "x": 1})
    with pytest.raises(ValidationDataError, match=r"n: expected an integer"):
        FoldSummary.from_dict({**good, "n": True})
