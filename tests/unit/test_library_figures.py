"""Issue 15's per-model figures (sbmltwin.validate.library) on hand-made typed results."""

from __future__ import annotations

import math

import pytest

from sbmltwin.validate.library import figures_line, library_figures
from sbmltwin.validate.results import (
    CaseMetrics,
    FoldSummary,
    GroupResult,
    MixtureInfo,
    OutputComparison,
    RatioResult,
    Series,
    SummaryComparison,
    ValidationCaseResult,
    ValidationRun,
)

NO = FoldSummary.of([])


def _out(auc: float, cmax: float) -> OutputComparison:
    s = Series((0.0,), (1.0,))
    return OutputComparison(
        "x", "C", "mg/L", "h", s, s, (1.0,), (1.0,), 1.0, auc, auc, 1.0, cmax, cmax,
        0.5 <= auc <= 2 and 0.5 <= cmax <= 2,
    )  # fmt: skip


def _sum(metric: str, fold: float) -> SummaryComparison:
    return SummaryComparison(
        "x", metric, "mean", "", "mg/L", 1.0, math.nan, math.nan, 6, fold, fold,
        0.5 <= fold <= 2, "s.csv:2",
    )  # fmt: skip


def _case(
    model: str,
    role: str,
    groups: list[tuple[str, bool, float, float]],
    ratios: tuple[tuple[str, str, bool], ...] = (),
    tables: tuple[tuple[str, bool, float, float], ...] = (),
) -> ValidationCaseResult:
    mix = MixtureInfo("CYP2D6", "European", ())
    gs = [
        GroupResult(name, "", "", (), (_out(auc, cmax),), mix if mixed else None)
        for name, mixed, auc, cmax in groups
    ] + [  # groups known from a published table only
        GroupResult(
            name, "", "", (), (), mix if mixed else None, (_sum("AUC", auc), _sum("Cmax", cmax))
        )
        for name, mixed, auc, cmax in tables
    ]
    rs = tuple(
        RatioResult(n, d, "AUC", "x", 1.0, 1.0, 0.5, 2.0, w, 0.0, 12.0, "h", "common")
        for n, d, w in ratios
    )
    return ValidationCaseResult(
        "c", "s", "", model, role, (), 2.0, tuple(gs), rs, CaseMetrics(NO, NO, NO), True, ""
    )


def test_counts_genotype_and_mixture_groups_apart_and_ignores_training() -> None:
    results = [
        _case("a", "training", [("G", False, 10.0, 10.0)], (("G", "G", False),)),
        _case(
            "a",
            "validation",
            [("PM", False, 1.0, 2.5), ("NM", False, 1.0, 1.0), ("EM", True, 4.0, 1.0)],
            (("PM", "NM", True), ("PM", "EM", False)),
        ),
        _case("b", "validation", [("X", False, 1.0, 1.0)], tables=(("T", False, 3.0, 1.0),)),
    ]
    f = library_figures(results)
    a = f.models["a"]
    assert a.cases == 1
    assert (a.genotype_groups, a.genotype_groups_within, a.genotype_groups_percent) == (2, 1, 50.0)
    assert (a.genotype_ratios, a.genotype_ratios_within) == (1, 1)
    assert (a.mixture_ratios, a.mixture_ratios_within, a.mixture_groups_percent) == (1, 0, 0.0)
    # GMFE over genotype groups: folds 1, 2.5, 1, 1 → 10^(log10 2.5 / 4)
    assert a.genotype_gmfe == pytest.approx(2.5**0.25)
    # all groups: 1, 2.5, 1, 1, 4, 1 → 10^((log10 2.5 + log10 4) / 6) = 10^(1/6)
    assert a.gmfe == pytest.approx(10 ** (1 / 6))
    assert not a.meets_targets  # 50 % of genotype groups < 70 %
    # a group judged on its published table counts: T's AUC is 3-fold off
    b = f.models["b"]
    assert (b.genotype_groups, b.genotype_groups_within) == (2, 1)
    assert b.gmfe == pytest.approx(3**0.25)
    assert math.isnan(b.genotype_ratios_percent) and not b.meets_targets
    assert f.library.genotype_groups == 4
    assert "BELOW TARGET" in figures_line("a", a)
    good = library_figures([_case("c", "validation", [("X", False, 1.0, 1.0)])]).models["c"]
    assert good.meets_targets and "meets targets" in figures_line("c", good)
    # in every run, and through report.json
    run = ValidationRun.of(results)
    assert run.library == f
    assert ValidationRun.from_dict(run.to_dict()) == run
