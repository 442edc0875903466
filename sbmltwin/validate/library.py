"""The library's acceptance figures per model (issue 15), over validation-role cases only.

For each model and for the whole library (:class:`~sbmltwin.validate.results.ModelFigures`):
genotype AUC ratios within the Guest limits (both groups genotype-defined, over their common
or stated window); genotype-defined groups with AUC and Cmax within the case's fold (2-fold by
default), per (group, output); the AUC+Cmax GMFE; mixture groups (phenotype-labelled or
unselected populations) and ratios involving them reported separately. Targets (issue 15):
≥ 80 % of genotype ratios within Guest, ≥ 70 % of genotype-defined groups within 2-fold,
AUC+Cmax GMFE ≤ 1.6.
"""

from __future__ import annotations

from collections.abc import Sequence

from sbmltwin.validate.results import (
    TARGETS,
    LibraryFigures,
    ModelFigures,
    ValidationCaseResult,
)

__all__ = ["TARGETS", "LibraryFigures", "ModelFigures", "figures_line", "library_figures"]


def library_figures(results: Sequence[ValidationCaseResult]) -> LibraryFigures:
    """Figures per model and for the library, over the validation-role cases of ``results``."""
    return LibraryFigures.of(results)


def figures_line(name: str, f: ModelFigures) -> str:
    """One printed line of a model's figures (the demo's and validate's per-model section)."""

    def pct(value: float, n: int) -> str:
        return f"{value:.0f}% of {n}" if n else "none"

    verdict = "meets targets" if f.meets_targets else "BELOW TARGET"
    trials = ""
    if f.genotype_trial_groups or f.mixture_trial_groups:
        trials = (
            f"; judged on virtual-trial GMs: {f.genotype_trial_groups} genotype-defined, "
            f"{f.mixture_trial_groups} mixture"
        )
    return (
        f"{name}: {f.cases} validation case(s); genotype AUC ratios within Guest "
        f"{pct(f.genotype_ratios_percent, f.genotype_ratios)}; genotype-defined groups within "
        f"2-fold {pct(f.genotype_groups_percent, f.genotype_groups)} (GMFE "
        f"{f.genotype_gmfe:.3g}); AUC+Cmax GMFE {f.gmfe:.3g}; mixture groups within 2-fold "
        f"{pct(f.mixture_groups_percent, f.mixture_groups)} (GMFE {f.mixture_gmfe:.3g}), "
        f"mixture ratios {pct(f.mixture_ratios_percent, f.mixture_ratios)}{trials} → {verdict}"
    )
