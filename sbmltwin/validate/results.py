"""Typed, frozen results of a validation run: case → group → output comparison, ratios, metrics.

These are what crosses from ``validate`` to ``report``: the HTML/PDF report, ``reproduce`` and
the OMEX export read them, never a nested dict. ``to_dict``/``from_dict`` are for
serialization only (``report.json``): floats stay Python floats (NaN is ``null`` in JSON and
comes back as NaN), tuples become lists, and reading checks every field's type, naming the
path of the first bad value.

>>> s = FoldSummary.of([2.0, 0.5])
>>> (s.n, round(s.gmfe, 12), s.within_2)
(2, 2.0, 100.0)
>>> FoldSummary.from_dict(s.to_dict()) == s
True
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.metrics import afe, gmfe, within_fold

__all__ = [
    "TARGETS",
    "ArmInfo",
    "CaseMetrics",
    "FoldSummary",
    "GroupResult",
    "JsonRecord",
    "LibraryFigures",
    "Member",
    "MixtureInfo",
    "ModelFigures",
    "OutputComparison",
    "OverallMetrics",
    "RatioResult",
    "Sensitivity",
    "SensitivityTable",
    "Series",
    "SummaryComparison",
    "TrialBand",
    "TrialInfo",
    "ValidationCaseResult",
    "ValidationRun",
]

T = TypeVar("T")

#: summary metrics that enter the fold metrics and verdicts (AUC-like and Cmax)
JUDGED_METRICS = ("AUC", "AUC_inf", "Cmax")


# ---------------------------------------------------------------------------------------------
# serialization (one generic walk over the dataclass fields, so no type can drift from its JSON)


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _dump(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalar → Python number
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN/inf; read back as NaN
    return value


def _bad(where: str, expected: str, value: Any) -> ValidationDataError:
    return ValidationDataError(
        f"expected {expected}, found {type(value).__name__} {str(value)[:40]!r}",
        where=where,
        hint="the report.json was edited or written by another tool; re-run 'sbmltwin validate'",
    )


def _load(tp: Any, value: Any, where: str) -> Any:
    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None and type(None) in typing.get_args(tp):
            return None
        return _load(args[0], value, where)
    if tp is float:
        if value is None:
            return math.nan
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(where, "a number", value)
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(where, "an integer", value)
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise _bad(where, "true or false", value)
        return value
    if tp is str:
        if not isinstance(value, str):
            raise _bad(where, "a string", value)
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise _bad(where, "a list", value)
        (item,) = (a for a in typing.get_args(tp) if a is not Ellipsis)
        return tuple(_load(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin in (Mapping, dict) or tp is Mapping:
        if not isinstance(value, dict):
            raise _bad(where, "an object", value)
        _, item = typing.get_args(tp)
        return {str(k): _load(item, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    raise TypeError(f"no JSON reader for {tp!r}")  # a bug in this module, not the input


def _build(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, dict):
        raise _bad(where, "an object", data)
    hints = typing.get_type_hints(cls)
    kwargs = {}
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValidationDataError(
            f"unknown key(s) {unknown}",
            where=where,
            hint="the report.json was written by another version of sbmltwin",
        )
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        path = f"{where}.{f.name}" if where else f.name
        if f.name not in data:
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                continue
            raise ValidationDataError(f"missing key '{f.name}'", where=where or "report.json")
        kwargs[f.name] = _load(hints[f.name], data[f.name], path)
    return cls(**kwargs)


class JsonRecord:
    """``to_dict``/``from_dict`` for frozen dataclasses whose fields are numbers, strings,
    bools, tuples, string-keyed mappings, ``X | None`` and other such dataclasses."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _dump(self)
        return out

    @classmethod
    def from_dict(cls: type[T], data: Mapping[str, Any], *, where: str = "") -> T:
        return _build(cls, dict(data), where)


# ---------------------------------------------------------------------------------------------
# the result types


@dataclass(frozen=True, slots=True)
class FoldSummary(JsonRecord):
    """GMFE, AFE, count and % within 1.25/1.5/2-fold of a list of fold errors."""

    n: int
    gmfe: float
    afe: float
    within_1_25: float
    within_1_5: float
    within_2: float

    @classmethod
    def of(cls, folds: Sequence[float]) -> FoldSummary:
        return cls(
            n=int(sum(math.isfinite(f) and f > 0 for f in folds)),
            gmfe=gmfe(folds),
            afe=afe(folds),
            within_1_25=within_fold(folds, 1.25),
            within_1_5=within_fold(folds, 1.5),
            within_2=within_fold(folds, 2.0),
        )


@dataclass(frozen=True, slots=True)
class Series(JsonRecord):
    """A curve: times (model time unit) and values (the output's unit)."""

    time: tuple[float, ...]
    value: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class TrialBand(JsonRecord):
    """The spread of a virtual trial's twins for one output (see
    :mod:`sbmltwin.validate.trial`): ``n`` twins; the 5th and 95th percentiles of their AUCs
    and Cmax values (same interval as the comparison); ``low``/``high`` the pointwise 5th and
    95th percentile curves on the prediction's times. The comparison's ``auc_predicted`` and
    ``cmax_predicted`` are the geometric means and its ``predicted`` curve the pointwise
    geometric mean."""

    n: int
    auc_p5: float
    auc_p95: float
    cmax_p5: float
    cmax_p95: float
    low: tuple[float, ...]
    high: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class OutputComparison(JsonRecord):
    """One output of one group: observed vs predicted, with AUC(auc_start–tlast), Cmax and every point,
    in ``unit`` (the case's ``[outputs] unit``, else the model's); ``unit_factor`` converts the
    model's unit of ``sid`` to it."""

    output: str
    sid: str
    unit: str
    time_unit: str
    observed: Series
    predicted: Series
    predicted_at_observed: tuple[float, ...]
    point_fold_errors: tuple[float, ...]
    auc_observed: float
    auc_predicted: float
    auc_fold: float
    cmax_observed: float
    cmax_predicted: float
    cmax_fold: float
    within_fold: bool
    unit_factor: float = 1.0
    #: where both AUCs start: 0 (C(0) = 0 known) or the first sample (IV bolus, repeated doses)
    auc_start: float = 0.0
    #: the observed SD of each point (NaN where none is published), in ``unit``
    observed_sd: tuple[float, ...] = ()
    #: a virtual trial's spread (None: one twin or a mixture's weighted mean)
    trial: TrialBand | None = None


@dataclass(frozen=True, slots=True)
class SummaryComparison(JsonRecord):
    """One published statistic of a group (``<Study>.summary.csv``) vs the same statistic of
    the group's predicted curve, both in the published ``unit``. ``window``: the AUC window as
    written ("0–24 h"; "0–inf h" for AUC_inf). AUC, AUC_inf and Cmax count in the case's
    metrics and verdict for a (group, output) without a time course; tmax and t½ are shown."""

    output: str
    metric: str
    statistic: str
    window: str
    unit: str
    observed: float
    sd: float
    cv: float
    n: int | None
    predicted: float
    fold: float
    within_fold: bool
    source: str  # file name:line (source table)
    #: how the prediction was formed when it is not the plain statistic of the whole curve
    #: (e.g. "after dose 7 of 7 at 144 h", "4 mg / AUC 0–∞")
    basis: str = ""
    #: why the row is left out of the metrics and verdicts although compared (the plausibility
    #: guard: the published value disagrees with the same group's time course > 100-fold)
    excluded: str = ""


@dataclass(frozen=True, slots=True)
class Member(JsonRecord):
    """One twin whose curve enters a group's prediction with ``weight``, and its values (model
    units; species values are amounts)."""

    label: str
    weight: float
    parameters: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class MixtureInfo(JsonRecord):
    gene: str
    population: str
    exclude_phenotypes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrialInfo(JsonRecord):
    """How a group's virtual trial was drawn: ``n`` twins asked for, ``simulated`` of them ran
    (``failed``: the others, with the reason); the seed; the population spec (``spec``) with the
    study's settings (``population``, ``female_fraction``, ``age``, ``weight`` as text, "spec" when
    the spec decides); its IIV (SBML id → CV %); ``kind`` "genotype-defined" or "mixture";
    ``rejected`` draws set aside (a mixture's excluded or Indeterminate phenotypes)."""

    n: int
    simulated: int
    seed: int
    population: str
    female_fraction: float
    age: str
    weight: str
    iiv: Mapping[str, float]
    spec: str
    kind: str
    rejected: int = 0
    failed: tuple[str, ...] = ()

    def describe(self) -> str:
        iiv = ", ".join(f"{k} {v:g} %" for k, v in self.iiv.items()) or "none"
        text = (
            f"virtual trial ({self.kind}): {self.simulated} of {self.n} twins, seed {self.seed}, "
            f"{self.population}, {100 * self.female_fraction:.3g} % women, age {self.age}, "
            f"weight {self.weight}, IIV (CV) {iiv}"
        )
        if self.rejected:
            text += f"; {self.rejected} draws of an excluded phenotype set aside"
        return text


@dataclass(frozen=True, slots=True)
class GroupResult(JsonRecord):
    """A study group: its twins (one, one per mixture class, or a virtual trial's), reason
    chain and outputs. In a case with arms, a group in one arm: ``name`` is ``GROUP@ARM`` and
    ``arm`` the arm."""

    name: str
    description: str
    explain: str
    members: tuple[Member, ...]
    outputs: tuple[OutputComparison, ...]
    mixture: MixtureInfo | None = None
    summary: tuple[SummaryComparison, ...] = ()
    trial: TrialInfo | None = None
    arm: str | None = None

    @property
    def group(self) -> str:
        """The case's group (``name`` without ``@ARM``)."""
        return self.name.removesuffix(f"@{self.arm}") if self.arm else self.name

    def output(self, name: str) -> OutputComparison | None:
        return next((o for o in self.outputs if o.output == name), None)

    def summary_judged(self) -> tuple[tuple[str, list[float], list[float], bool], ...]:
        """(output, AUC folds, Cmax folds, all within fold) for each output judged on its
        published summary statistics: those without a time course in this group."""
        timed = {o.output for o in self.outputs}
        out = []
        for name in dict.fromkeys(s.output for s in self.summary if s.output not in timed):
            rows = [
                s
                for s in self.summary
                if s.output == name and s.metric in JUDGED_METRICS and not s.excluded
            ]
            if rows:
                out.append(
                    (
                        name,
                        [s.fold for s in rows if s.metric != "Cmax"],
                        [s.fold for s in rows if s.metric == "Cmax"],
                        all(s.within_fold for s in rows),
                    )
                )
        return tuple(out)


@dataclass(frozen=True, slots=True)
class RatioResult(JsonRecord):
    """Predicted vs observed exposure ratio of two groups, with the Guest et al. (2011) limits,
    over one window for both groups and both sides: [``window_start``, ``window_end``] in
    ``time_unit`` (the model's), ``window_source`` "common" (0 to the earlier of the two groups'
    last observations) or "case" (stated in the case)."""

    numerator: str
    denominator: str
    metric: str
    output: str
    observed: float
    predicted: float
    guest_lower: float
    guest_upper: float
    within: bool
    window_start: float = 0.0
    window_end: float = math.nan
    time_unit: str = ""
    window_source: str = ""

    @property
    def window(self) -> str:
        """e.g. "0–24 h (common)"; "" for a result without a window."""
        if not math.isfinite(self.window_end):
            return ""
        return (
            f"{self.window_start:.4g}–{self.window_end:.4g} {self.time_unit} ({self.window_source})"
        ).replace(" ()", "")


@dataclass(frozen=True, slots=True)
class CaseMetrics(JsonRecord):
    auc: FoldSummary
    cmax: FoldSummary
    observations: FoldSummary


@dataclass(frozen=True, slots=True)
class Sensitivity(JsonRecord):
    """Normalized local sensitivities S = (ΔY/Y)/(Δp/p) of AUC and Cmax to one parameter."""

    parameter: str
    value: float
    unit: str
    s_auc: float
    s_cmax: float

    @property
    def size(self) -> float:
        """max(|S_AUC|, |S_Cmax|) over the finite ones (0 when neither is)."""
        return max((abs(v) for v in (self.s_auc, self.s_cmax) if math.isfinite(v)), default=0.0)


@dataclass(frozen=True, slots=True)
class SensitivityTable(JsonRecord):
    """Sensitivities of AUC(0–end) and Cmax of one output to every non-zero constant
    parameter, each raised by ``perturbation`` (relative, e.g. 0.01 = +1 %), ranked by
    max(|S_AUC|, |S_Cmax|), for one twin (``twin``: its label) of group ``group``."""

    group: str
    twin: str
    output: str
    perturbation: float
    rows: tuple[Sensitivity, ...]

    def top(self, n: int = 10) -> tuple[Sensitivity, ...]:
        return self.rows[:n]


@dataclass(frozen=True, slots=True)
class ArmInfo(JsonRecord):
    """One arm of a case with arms: its doses and end time as the case writes them."""

    name: str
    doses: tuple[str, ...]
    end: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class ValidationCaseResult(JsonRecord):
    """One case: its groups, ratios, pooled metrics, verdict and local sensitivities."""

    id: str
    source: str
    citation: str
    model: str
    role: str
    doses: tuple[str, ...]
    fold: float
    groups: tuple[GroupResult, ...]
    ratios: tuple[RatioResult, ...]
    metrics: CaseMetrics
    passed: bool
    model_sha256: str
    sensitivity: SensitivityTable | None = None
    warnings: tuple[str, ...] = ()  # e.g. doses or gene bindings that cannot move the outputs
    arms: tuple[ArmInfo, ...] = ()  # a case with arms (then ``doses`` is empty)

    def group(self, name: str) -> GroupResult | None:
        return next((g for g in self.groups if g.name == name), None)

    def comparisons(self) -> Iterator[tuple[GroupResult, OutputComparison]]:
        for g in self.groups:
            for o in g.outputs:
                yield g, o

    def output_names(self) -> list[str]:
        names: list[str] = []
        for _, o in self.comparisons():
            if o.output not in names:
                names.append(o.output)
        return names


@dataclass(frozen=True, slots=True)
class OverallMetrics(JsonRecord):
    """Pooled over cases; ``validation_only`` leaves out ``role = "training"`` cases."""

    cases: int
    cases_passed: int
    groups: int
    groups_within_fold_percent: float
    auc: FoldSummary
    cmax: FoldSummary
    auc_and_cmax: FoldSummary
    ratios_within_guest: int
    ratios: int
    validation_only: OverallMetrics | None = None

    @classmethod
    def of(cls, results: Sequence[ValidationCaseResult]) -> OverallMetrics:
        comps = [o for r in results for _, o in r.comparisons()]
        tables = [j for r in results for g in r.groups for j in g.summary_judged()]
        auc = [o.auc_fold for o in comps] + [f for j in tables for f in j[1]]
        cmax = [o.cmax_fold for o in comps] + [f for j in tables for f in j[2]]
        within = [o.within_fold for o in comps] + [j[3] for j in tables]
        ratios = [x for r in results for x in r.ratios]
        validation = [r for r in results if r.role != "training"]
        return cls(
            cases=len(results),
            cases_passed=sum(r.passed for r in results),
            groups=len(within),
            groups_within_fold_percent=100.0 * sum(within) / len(within) if within else math.nan,
            auc=FoldSummary.of(auc),
            cmax=FoldSummary.of(cmax),
            auc_and_cmax=FoldSummary.of(auc + cmax),
            ratios_within_guest=sum(x.within for x in ratios),
            ratios=len(ratios),
            validation_only=cls.of(validation)
            if validation and len(validation) < len(results)
            else None,
        )


#: issue 15's acceptance targets of the library figures
TARGETS = {"ratios_percent": 80.0, "genotype_groups_percent": 70.0, "gmfe": 1.6}


def _pct(k: int, n: int) -> float:
    return 100.0 * k / n if n else math.nan


@dataclass(frozen=True, slots=True)
class ModelFigures(JsonRecord):
    """Issue 15's acceptance figures over a set of validation-role cases (one model, or the
    library). A group is genotype-defined when one twin predicts it (no ``mixture``); counts are
    per (group, output) judged (on its time course, else on its published AUC/Cmax). Genotype
    AUC ratios are those whose two groups are genotype-defined (their common or stated window);
    ratios involving a mixture group are counted apart; a ratio between two arms of a case
    (e.g. oral/IV) compares regimens, not genotypes, and is in neither count (it still counts
    in its case's verdict). ``gmfe``: AUC+Cmax over all groups."""

    cases: int
    genotype_groups: int
    genotype_groups_within: int
    genotype_groups_percent: float
    genotype_gmfe: float
    genotype_ratios: int
    genotype_ratios_within: int
    genotype_ratios_percent: float
    mixture_groups: int
    mixture_groups_within: int
    mixture_groups_percent: float
    mixture_gmfe: float
    mixture_ratios: int
    mixture_ratios_within: int
    mixture_ratios_percent: float
    gmfe: float
    meets_targets: bool
    #: of the groups counted above, those predicted by a virtual trial (geometric mean)
    genotype_trial_groups: int = 0
    mixture_trial_groups: int = 0

    @classmethod
    def of(cls, results: Sequence[ValidationCaseResult]) -> ModelFigures:
        within: dict[bool, list[bool]] = {False: [], True: []}  # key: mixture group?
        folds: dict[bool, list[float]] = {False: [], True: []}
        ratios: dict[bool, list[bool]] = {False: [], True: []}
        trials: dict[bool, int] = {False: 0, True: 0}
        for r in results:
            mixed = {g.name for g in r.groups if g.mixture is not None}
            arm = {g.name: g.arm for g in r.groups}
            for g in r.groups:
                m = g.mixture is not None
                for o in g.outputs:
                    within[m].append(o.within_fold)
                    folds[m] += [o.auc_fold, o.cmax_fold]
                    trials[m] += o.trial is not None
                for _, auc, cmax, ok in g.summary_judged():
                    within[m].append(ok)
                    folds[m] += auc + cmax
            for x in r.ratios:
                if x.metric == "AUC" and arm.get(x.numerator) == arm.get(x.denominator):
                    ratios[bool({x.numerator, x.denominator} & mixed)].append(x.within)
        g_pct = _pct(sum(within[False]), len(within[False]))
        r_pct = _pct(sum(ratios[False]), len(ratios[False]))
        total = gmfe(folds[False] + folds[True])
        checks = [
            r_pct >= TARGETS["ratios_percent"] if ratios[False] else None,
            g_pct >= TARGETS["genotype_groups_percent"] if within[False] else None,
            total <= TARGETS["gmfe"] if math.isfinite(total) else None,
        ]
        return cls(
            cases=len(results),
            genotype_groups=len(within[False]),
            genotype_groups_within=sum(within[False]),
            genotype_groups_percent=g_pct,
            genotype_gmfe=gmfe(folds[False]),
            genotype_ratios=len(ratios[False]),
            genotype_ratios_within=sum(ratios[False]),
            genotype_ratios_percent=r_pct,
            mixture_groups=len(within[True]),
            mixture_groups_within=sum(within[True]),
            mixture_groups_percent=_pct(sum(within[True]), len(within[True])),
            mixture_gmfe=gmfe(folds[True]),
            mixture_ratios=len(ratios[True]),
            mixture_ratios_within=sum(ratios[True]),
            mixture_ratios_percent=_pct(sum(ratios[True]), len(ratios[True])),
            gmfe=total,
            meets_targets=all(c is not False for c in checks) and any(c for c in checks),
            genotype_trial_groups=trials[False],
            mixture_trial_groups=trials[True],
        )


@dataclass(frozen=True, slots=True)
class LibraryFigures(JsonRecord):
    """:class:`ModelFigures` per model and for the whole library, validation-role cases only."""

    targets: Mapping[str, float]
    models: Mapping[str, ModelFigures]
    library: ModelFigures

    @classmethod
    def of(cls, results: Sequence[ValidationCaseResult]) -> LibraryFigures:
        validation = [r for r in results if r.role != "training"]
        models = sorted({r.model for r in results})
        return cls(
            targets=dict(TARGETS),
            models={m: ModelFigures.of([r for r in validation if r.model == m]) for m in models},
            library=ModelFigures.of(validation),
        )


@dataclass(frozen=True, slots=True)
class ValidationRun(JsonRecord):
    """Every case's result, the pooled metrics and issue 15's figures per model."""

    cases: tuple[ValidationCaseResult, ...]
    overall: OverallMetrics
    library: LibraryFigures | None = None

    @classmethod
    def of(cls, cases: Sequence[ValidationCaseResult]) -> ValidationRun:
        return cls(tuple(cases), OverallMetrics.of(cases), LibraryFigures.of(cases))

    def case(self, case_id: str) -> ValidationCaseResult | None:
        return next((c for c in self.cases if c.id == case_id), None)
