"""Figures for validation reports: time courses, predicted-vs-observed scatter, ratio limits.

Every function returns a :class:`matplotlib.figure.Figure` built without :mod:`matplotlib.pyplot`,
so no figure is registered globally and none can leak; callers render it (``figure_png``) and
drop it. Text taken from a manifest is passed through :func:`mpl_text` so that ``$`` cannot
start mathtext and a leading ``_`` cannot hide a legend entry.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sbmltwin.validate.results import GroupResult, SensitivityTable, ValidationCaseResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "figure_png",
    "format_number",
    "mpl_text",
    "quiet_glyphs",
    "ratio_figure",
    "scatter_figure",
    "sensitivity_note",
    "timecourse_figure",
]

#: how many of the ranked sensitivities the reports show
TOP_SENSITIVITIES = 10

# colour-blind-safe (Okabe–Ito); cycled per group / per case
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def format_number(value: Any, digits: int = 4) -> str:
    """``1.234e-05`` style with ``digits`` significant digits; ``—`` for missing, ``n/a`` for NaN.

    >>> format_number(1.59909403), format_number(None), format_number(True), format_number(3)
    ('1.599', '—', 'yes', '3')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.{digits}g}"
    return str(value)


def sensitivity_note(table: SensitivityTable) -> str:
    """What a sensitivity table shows and how it was computed (the same words in HTML and PDF)."""
    twin = (
        f"the twin of group {table.group}"
        if table.twin == table.group
        else f"group {table.group}'s most frequent class ({table.twin})"
    )
    return (
        f"S = (ΔY/Y)/(Δp/p), normalized local sensitivity of AUC(0–end) and Cmax of {table.output} "
        f"for {twin}: each constant parameter raised by +{100 * table.perturbation:g} % (one run "
        "per parameter); ranked by max(|S_AUC|, |S_Cmax|)."
    )


def mpl_text(value: Any) -> str:
    r"""Text safe for matplotlib: ``$`` escaped, no leading underscore (legend would hide it).

    >>> mpl_text("$x_1"), mpl_text("_hidden")
    ('\\$x_1', ' _hidden')
    """
    text = str(value).replace("$", r"\$")
    return " " + text if text.startswith("_") else text


@contextmanager
def quiet_glyphs() -> Iterator[None]:
    """Silence matplotlib's harmless 'Glyph … missing from font' warnings (e.g. CJK citations)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support")
        yield


def figure_png(fig: Figure, *, dpi: int = 100) -> bytes:
    """Render ``fig`` as PNG bytes (Agg canvas, no timestamp in the metadata)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with quiet_glyphs():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _positive(x: Sequence[float], y: Sequence[float]) -> tuple[list[float], list[float]]:
    pairs = [(a, b) for a, b in zip(x, y, strict=False) if math.isfinite(a) and b > 0]
    return [a for a, _ in pairs], [b for _, b in pairs]


def _observed_sd(
    t: Sequence[float], v: Sequence[float], sd: Sequence[float], log: bool
) -> tuple[list[float], list[float], list[float], list[float]] | None:
    """Observed points with their SD bars (times, values, lower, upper), or None when no point
    has a published SD. On a log axis the lower bar stops at a tenth of the value."""
    if not sd or not any(math.isfinite(x) and x > 0 for x in sd):
        return None
    rows = [
        (a, b, s if math.isfinite(s) else 0.0)
        for a, b, s in zip(t, v, sd, strict=False)
        if math.isfinite(a) and (b > 0 or not log)
    ]
    below = [min(s, 0.9 * b) if log else s for _, b, s in rows]
    return [r[0] for r in rows], [r[1] for r in rows], below, [r[2] for r in rows]


def timecourse_figure(case: ValidationCaseResult, output_name: str, log: bool) -> Figure:
    """Observed points (± SD where published) and predicted lines of one output, one colour
    per group; a virtual trial's line is its geometric mean, with its 5–95 % band. A case
    with arms gets one panel per arm (titled by the arm; a group keeps its colour in every
    panel)."""
    if case.arms:
        return _arm_panels(case, output_name, log)
    fig = _new_figure(6.4, 4.0)
    ax = fig.add_subplot()
    _timecourse_axes(ax, list(case.groups), output_name, log)
    ax.set_title(
        f"{mpl_text(case.id)}: {mpl_text(output_name)} ({'log' if log else 'linear'})", fontsize=10
    )
    return fig


def _arm_panels(case: ValidationCaseResult, output_name: str, log: bool) -> Figure:
    # the arms with data of this output (an arm dosing only a metabolite may have none)
    arms = [
        a.name
        for a in case.arms
        if any(g.arm == a.name and g.output(output_name) for g in case.groups)
    ]
    cols = min(3, len(arms))
    rows = -(-len(arms) // cols)
    fig = _new_figure(4.2 * cols, 3.4 * rows)
    colours = {g: k for k, g in enumerate(dict.fromkeys(g.group for g in case.groups))}
    for k, arm in enumerate(arms):
        ax = fig.add_subplot(rows, cols, k + 1)
        groups = [g for g in case.groups if g.arm == arm]
        _timecourse_axes(ax, groups, output_name, log, [colours[g.group] for g in groups])
        ax.set_title(f"arm {mpl_text(arm)}", fontsize=9)
    fig.suptitle(
        f"{mpl_text(case.id)}: {mpl_text(output_name)} ({'log' if log else 'linear'})", fontsize=10
    )
    return fig


def _timecourse_axes(
    ax: Axes,
    groups: list[GroupResult],
    output_name: str,
    log: bool,
    colour_index: list[int] | None = None,
) -> None:
    unit = time_unit = "?"
    any_positive = False
    for i, group in enumerate(groups):
        out = group.output(output_name)
        if out is None:
            continue
        unit, time_unit = out.unit, out.time_unit
        colour = PALETTE[(colour_index[i] if colour_index else i) % len(PALETTE)]
        name = mpl_text(group.name)
        pt, pv = list(out.predicted.time), list(out.predicted.value)
        ot, ov = list(out.observed.time), list(out.observed.value)
        if log:
            pt, pv = _positive(pt, pv)
            ot, ov = _positive(ot, ov)
        any_positive = any_positive or bool(pv) or bool(ov)
        trial = out.trial
        if trial is not None:  # a virtual trial: pointwise GM and 5–95 % band
            times = list(out.predicted.time)
            lo, hi = list(trial.low), list(trial.high)
            if log:
                keep = [k for k, v in enumerate(lo) if v > 0 and math.isfinite(times[k])]
                times, lo, hi = (
                    [times[k] for k in keep],
                    [lo[k] for k in keep],
                    [hi[k] for k in keep],
                )
            ax.fill_between(times, lo, hi, color=colour, alpha=0.18, lw=0, label=f"{name} 5–95 %")
        label = f"{name} predicted" + (f" (GM of {trial.n} twins)" if trial is not None else "")
        ax.plot(pt, pv, "-", color=colour, lw=1.6, label=label)
        sd = _observed_sd(out.observed.time, out.observed.value, out.observed_sd, log)
        if sd is None:
            ax.plot(ot, ov, "o", color=colour, ms=5, mfc="white", mew=1.5, label=f"{name} observed")
        else:
            st, sv, below, above = sd
            ax.errorbar(
                st,
                sv,
                yerr=[below, above],
                fmt="o",
                color=colour,
                ms=5,
                mfc="white",
                mew=1.5,
                capsize=2,
                elinewidth=0.8,
                label=f"{name} observed ± SD",
            )
    if log and any_positive:
        ax.set_yscale("log")
    ax.set_xlabel(f"time [{mpl_text(time_unit)}]")
    ax.set_ylabel(f"{mpl_text(output_name)} [{mpl_text(unit)}]")
    ax.grid(alpha=0.3, which="both" if log else "major")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="x-small", loc="best", ncols=2 if len(groups) > 3 else 1)


def _fold_lines(ax: Axes, lo: float, hi: float) -> None:
    ax.plot([lo, hi], [lo, hi], "-", color="black", lw=1, label="identity")
    for fold, style, label in ((1.25, ":", "1.25-fold"), (2.0, "--", "2-fold")):
        ax.plot([lo, hi], [lo * fold, hi * fold], style, color="grey", lw=1, label=label)
        ax.plot([lo, hi], [lo / fold, hi / fold], style, color="grey", lw=1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)


#: above this many cases the scatter's legend names models instead of cases
_LEGEND_CASES = 12


def scatter_figure(cases: Sequence[ValidationCaseResult]) -> Figure:
    """Predicted vs observed AUC and Cmax of every group and output: log–log, 1.25- and 2-fold lines."""
    fig = _new_figure(9.0, 4.4)
    axes = fig.subplots(1, 2)
    # one legend entry per case, or per model when there are too many cases for a legend
    by_model = len(cases) > _LEGEND_CASES
    keys = list(dict.fromkeys(c.model if by_model else c.id for c in cases))
    for ax, metric in zip(axes, ("AUC", "Cmax"), strict=True):
        xs: list[float] = []
        ys: list[float] = []
        points: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in keys}
        for case in cases:
            cx, cy = points[case.model if by_model else case.id]
            for _, out in case.comparisons():
                o, p = (
                    (out.auc_observed, out.auc_predicted)
                    if metric == "AUC"
                    else (out.cmax_observed, out.cmax_predicted)
                )
                if o > 0 and p > 0:
                    cx.append(o)
                    cy.append(p)
        for i, (key, (cx, cy)) in enumerate(points.items()):
            if cx:
                ax.plot(
                    cx,
                    cy,
                    "os^Dv<>"[i % 7],
                    color=PALETTE[i % len(PALETTE)],
                    ms=4 if by_model else 6,
                    ls="none",
                    label=mpl_text(key),
                )
                xs += cx
                ys += cy
        if xs:
            lo = min(*xs, *ys) / 3.0
            hi = max(*xs, *ys) * 3.0
            _fold_lines(ax, lo, hi)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.legend(fontsize="x-small", loc="upper left")
        else:
            ax.text(
                0.5, 0.5, "no positive values", ha="center", va="center", transform=ax.transAxes
            )
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel(f"observed {metric}")
        ax.set_ylabel(f"predicted {metric}")
        ax.set_title(f"{metric}: predicted vs observed", fontsize=10)
        ax.grid(alpha=0.3, which="both")
    return fig


def ratio_figure(cases: Sequence[ValidationCaseResult]) -> Figure | None:
    """Observed and predicted group ratios against the Guest et al. (2011) limits; None if no ratios."""
    rows: list[tuple[str, float, float, float, float]] = []
    for case in cases:
        for r in case.ratios:
            label = f"{case.id}: {r.metric} {r.numerator}/{r.denominator}"
            if r.window:
                label += f" [{r.window_start:.4g}–{r.window_end:.4g} {r.time_unit}]"
            rows.append((mpl_text(label), r.observed, r.predicted, r.guest_lower, r.guest_upper))
    if not rows:
        return None
    fig = _new_figure(8.0, 1.2 + 0.45 * len(rows))
    ax = fig.add_subplot()
    for y, (_, obs, pred, lo, hi) in enumerate(rows):
        if lo > 0 and hi > 0:
            ax.plot([lo, hi], [y, y], "-", color="#56B4E9", lw=6, alpha=0.6, solid_capstyle="butt")
        if obs > 0:
            ax.plot([obs], [y], "|", color="black", ms=14, mew=2)
        if pred > 0:
            ax.plot([pred], [y], "o", color="#D55E00", ms=7)
    ax.plot([], [], "-", color="#56B4E9", lw=6, alpha=0.6, label="Guest limits")
    ax.plot([], [], "|", color="black", ms=10, mew=2, label="observed")
    ax.plot([], [], "o", color="#D55E00", ms=7, label="predicted")
    values = [v for row in rows for v in row[1:] if v > 0]
    if values:
        from matplotlib.ticker import LogLocator, NullFormatter, StrMethodFormatter

        ax.set_xscale("log")
        ax.set_xlim(min(values) / 1.5, max(values) * 1.5)
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(range(len(rows)), [row[0] for row in rows], fontsize="small")
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel("ratio (numerator / denominator)")
    ax.set_title("Group ratios within Guest et al. (2011) limits", fontsize=10)
    ax.grid(alpha=0.3, axis="x", which="both")
    ax.legend(fontsize="x-small", loc="best")
    return fig
