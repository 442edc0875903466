"""Render a validation manifest as a PDF with matplotlib's PdfPages (no extra dependency).

Pages: a title page with the verdict and pooled metrics, the predicted-vs-observed and ratio
figures, per case its time courses (linear and log) and text tables, and a reproducibility page.
``CreationDate`` is left out so the same manifest gives the same bytes.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sbmltwin.report.plots import (
    TOP_SENSITIVITIES,
    format_number,
    mpl_text,
    quiet_glyphs,
    ratio_figure,
    scatter_figure,
    sensitivity_note,
    timecourse_figure,
)
from sbmltwin.validate.results import FoldSummary, ValidationCaseResult

if TYPE_CHECKING:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from sbmltwin.report.manifest import Manifest

__all__ = ["write_pdf"]

PAGE = (8.27, 11.69)  # A4 portrait, inches
LINES_PER_PAGE = 72
TITLE_LINES = 60  # below the verdict on the title page
WRAP = 100
FONT_SIZE = 7.5
POOLED = ("n", "GMFE", "AFE")
WITHIN = ("≤1.25×", "≤1.5×", "≤2×")


def _f(value: Any) -> str:
    return format_number(value)


def _verdict(passed: Any) -> str:
    return "PASS" if passed is True else "FAIL" if passed is False else "n/a"


def _columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A monospaced table: columns padded to their widest cell (cells truncated at 32 chars)."""
    cells = [[str(c) if len(str(c)) <= 32 else str(c)[:31] + "…" for c in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return out


def _pooled_lines(named: Iterable[tuple[str, FoldSummary]]) -> list[str]:
    rows = [
        [
            name,
            _f(m.n),
            _f(m.gmfe),
            _f(m.afe),
            f"{_f(m.within_1_25)} %",
            f"{_f(m.within_1_5)} %",
            f"{_f(m.within_2)} %",
        ]
        for name, m in named
    ]
    return _columns(["metric", *POOLED, *WITHIN], rows)


def _wrap(lines: Iterable[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        for part in str(line).splitlines() or [""]:
            indent = len(part) - len(part.lstrip(" "))
            out += textwrap.wrap(
                part, WRAP, subsequent_indent=" " * (indent + 4), drop_whitespace=False
            ) or [""]
    return out


def _mono(fig: Figure, top: float, lines: Sequence[str], size: float) -> None:
    """One ``fig.text`` per line at a fixed pitch (multi-line text spaces lines unevenly)."""
    step = 1.25 * size / 72 / PAGE[1]
    for i, line in enumerate(lines):
        if line.strip():
            y = top - i * step
            fig.text(0.06, y, mpl_text(line), family="DejaVu Sans Mono", fontsize=size, va="top")


def _text_pages(pdf: PdfPages, title: str, lines: Iterable[str]) -> None:
    from matplotlib.figure import Figure

    wrapped = _wrap(lines)
    chunks = [wrapped[i : i + LINES_PER_PAGE] for i in range(0, len(wrapped), LINES_PER_PAGE)]
    for n, chunk in enumerate(chunks or [[]]):
        fig = Figure(figsize=PAGE)
        head = title if n == 0 else f"{title} (continued)"
        fig.text(0.06, 0.965, mpl_text(head), fontsize=13, weight="bold", va="top")
        _mono(fig, 0.93, chunk, FONT_SIZE)
        _save(pdf, fig)


def _save(pdf: PdfPages, fig: Figure | None) -> None:
    if fig is None:
        return
    with quiet_glyphs():
        pdf.savefig(fig)  # type: ignore[no-untyped-call]


def _title_page(pdf: PdfPages, manifest: Manifest) -> None:
    from matplotlib.figure import Figure

    overall = manifest.results.overall
    cases = manifest.results.cases
    passed = overall.cases > 0 and overall.cases_passed == overall.cases
    fig = Figure(figsize=PAGE)
    fig.text(
        0.06,
        0.95,
        f"{mpl_text(manifest.tool)} validation report",
        fontsize=20,
        weight="bold",
        va="top",
    )
    fig.text(
        0.06, 0.91, mpl_text(f"created {manifest.created}"), fontsize=9, color="#555", va="top"
    )
    fig.text(
        0.06, 0.89, mpl_text(f"command: {manifest.command}"), fontsize=9, color="#555", va="top"
    )
    fig.text(
        0.06,
        0.85,
        f"Overall verdict: {'PASS' if passed else 'FAIL'}   "
        f"({overall.cases_passed} of {overall.cases} cases passed)",
        fontsize=14,
        weight="bold",
        color="#1a7f37" if passed else "#c62828",
        va="top",
    )
    val = overall.validation_only
    pooled = [("auc", overall.auc), ("cmax", overall.cmax), ("auc and cmax", overall.auc_and_cmax)]
    lines = [
        f"Groups: {overall.groups}    groups within fold: "
        f"{_f(overall.groups_within_fold_percent)} %",
        f"Ratios within Guest limits: {overall.ratios_within_guest} of {overall.ratios}",
    ]
    if val is not None:
        lines.append(
            f"Validation cases only: {val.cases_passed} of {val.cases} cases passed; groups "
            f"within fold {_f(val.groups_within_fold_percent)} % of {val.groups}; ratios within "
            f"Guest limits {val.ratios_within_guest} of {val.ratios}"
        )
        pooled += [("validation only: auc and cmax", val.auc_and_cmax)]
    lib = manifest.results.library
    if lib is not None and lib.models:
        from sbmltwin.validate.library import figures_line

        lines += ["", "Library figures (validation cases only; mixture groups apart)"]
        lines += [figures_line(name, f) for name, f in lib.models.items()]
        lines.append(figures_line("whole library", lib.library))
    lines += [
        "",
        "Pooled metrics (GMFE: geometric mean fold error; AFE: average fold error)",
        *_pooled_lines(pooled),
        "",
        "Cases",
        *_columns(
            ["case", "role", "model", "groups", "AUC GMFE", "Cmax GMFE", "verdict"],
            [
                [
                    c.id,
                    c.role,
                    c.model,
                    str(len(c.groups)),
                    _f(c.metrics.auc.gmfe),
                    _f(c.metrics.cmax.gmfe),
                    _verdict(c.passed),
                ]
                for c in cases
            ],
        ),
    ]
    wrapped = _wrap(lines)
    _mono(fig, 0.80, wrapped[:TITLE_LINES], FONT_SIZE + 0.5)
    _save(pdf, fig)
    if len(wrapped) > TITLE_LINES:
        _text_pages(pdf, "Summary (continued)", wrapped[TITLE_LINES:])


def _case_lines(case: ValidationCaseResult) -> list[str]:
    lines = [
        f"citation:  {case.citation or '—'}",
        f"source:    {case.source}",
        f"model:     {case.model}  (SHA-256 {case.model_sha256})",
        f"role:      {case.role}",
        f"doses:     {'; '.join(case.doses) or '—'}",
        *(
            f"arm {a.name}: {'; '.join(a.doses)} (to {a.end})"
            + (f" — {a.description}" if a.description else "")
            for a in case.arms  # a case with arms: its groups are GROUP@ARM
        ),
        f"fold:      {_f(case.fold)}        verdict: {_verdict(case.passed)}",
    ]
    lines += [f"warning:   {w}" for w in case.warnings]
    lines += ["", "Groups"]
    rows = [
        [
            g.name,
            o.output,
            _f(o.auc_observed),
            _f(o.auc_predicted) + ("*" if o.trial else ""),
            _f(o.auc_fold),
            _f(o.cmax_observed),
            _f(o.cmax_predicted) + ("*" if o.trial else ""),
            _f(o.cmax_fold),
            _verdict(o.within_fold),
        ]
        for g, o in case.comparisons()
    ]
    headers = ["group", "output", "AUC obs", "AUC pred", "AUC fold", "Cmax obs", "Cmax pred"]
    lines += _columns([*headers, "Cmax fold", "within"], rows)
    lines += ["", "Group descriptions"]
    lines += [f"  {g.name}: {g.description}" for g in case.groups]
    trials = [(g, o) for g, o in case.comparisons() if g.trial is not None and o.trial]
    if trials:
        lines += ["", "Virtual trials (* = geometric mean over the twins; verdicts on it)"]
        lines += [f"  {g.name}: {g.trial.describe()}" for g in case.groups if g.trial]
        lines += _columns(
            ["group", "output", "AUC GM", "AUC 5-95 %", "Cmax GM", "Cmax 5-95 %"],
            [
                [
                    g.name,
                    o.output,
                    _f(o.auc_predicted),
                    f"{_f(o.trial.auc_p5)}-{_f(o.trial.auc_p95)}",
                    _f(o.cmax_predicted),
                    f"{_f(o.trial.cmax_p5)}-{_f(o.trial.cmax_p95)}",
                ]
                for g, o in trials
                if o.trial is not None
            ],
        )
    m = case.metrics
    lines += [
        "",
        "Case metrics",
        *_pooled_lines([("auc", m.auc), ("cmax", m.cmax), ("observations", m.observations)]),
    ]
    summaries = [(g.name, s) for g in case.groups for s in g.summary]
    if summaries:
        lines += ["", "Published summary statistics (predicted from the group's curve)"]
        lines += _columns(
            [
                "group",
                "output",
                "metric",
                "window",
                "observed",
                "SD",
                "n",
                "predicted",
                "unit",
                "fold",
            ],
            [
                [
                    name,
                    s.output,
                    s.metric,
                    s.window,
                    _f(s.observed),
                    _f(s.sd),
                    "" if s.n is None else str(s.n),
                    _f(s.predicted),
                    s.unit,
                    _f(s.fold),
                ]
                for name, s in summaries
            ],
        )
        notes = [f"  {name} {s.output} {s.metric}: {s.basis}" for name, s in summaries if s.basis]
        notes += [
            f"  {name} {s.output} {s.metric}: {s.excluded}" for name, s in summaries if s.excluded
        ]
        lines += notes
    if case.ratios:
        lines += ["", "Group ratios (Guest et al. 2011 limits)"]
        lines += _columns(
            ["ratio", "metric", "window", "observed", "predicted", "lower", "upper", "within"],
            [
                [
                    f"{r.numerator}/{r.denominator}",
                    r.metric,
                    r.window,
                    _f(r.observed),
                    _f(r.predicted),
                    _f(r.guest_lower),
                    _f(r.guest_upper),
                    _verdict(r.within),
                ]
                for r in case.ratios
            ],
        )
    table = case.sensitivity
    if table is not None:
        top = table.top(TOP_SENSITIVITIES)
        lines += [
            "",
            f"Local sensitivity, group {table.group} (top {len(top)} of {len(table.rows)})",
        ]
        lines += _columns(
            ["parameter", "value", "unit", "S_AUC", "S_Cmax"],
            [[s.parameter, _f(s.value), s.unit, _f(s.s_auc), _f(s.s_cmax)] for s in top],
        )
        lines.append(sensitivity_note(table))
    lines += ["", "How this was computed (personalization reason chain per group)"]
    for g in case.groups:
        lines += ["", f"[{g.name}]", g.explain]
    return lines


def _dump(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _repro_lines(manifest: Manifest, manifest_name: str) -> list[str]:
    lines = [
        f"tool: {manifest.tool}",
        f"schema_version: {manifest.schema_version}",
        f"command: {manifest.command}",
        f"created: {manifest.created}",
        f"seed: {_dump(manifest.seed)}",
        "",
        "Inputs (copied into the report folder; SHA-256)",
        *(f"  {f.path} ({f.kind}): {f.sha256}" for f in manifest.inputs),
    ]
    for title, section in (
        ("Software versions", manifest.versions),
        ("Platform", manifest.platform),
        ("Settings", manifest.settings),
        ("Environment", manifest.environment),
    ):
        if section:
            lines += ["", title] + [f"  {k}: {_dump(v)}" for k, v in section.items()]
    lines += ["", "How to re-run", f"  sbmltwin reproduce {manifest_name}"]
    if manifest.citations:
        lines += ["", "Citations"] + [f"  [{i}] {c}" for i, c in enumerate(manifest.citations, 1)]
    return lines


def write_pdf(manifest: Manifest, path: str | Path) -> Path:
    """Write the report of ``manifest`` as a PDF; return its path."""
    from matplotlib.backends.backend_pdf import PdfPages

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    cases = manifest.results.cases
    metadata = {
        "Title": f"{manifest.tool} validation report",
        "Creator": "sbmltwin",
        "Producer": "sbmltwin (matplotlib)",
        "CreationDate": None,
    }
    with PdfPages(out, metadata=metadata) as pdf:
        _title_page(pdf, manifest)
        if cases:
            _save(pdf, scatter_figure(cases))
            _save(pdf, ratio_figure(cases))
        for case in cases:
            for name in case.output_names():
                _save(pdf, timecourse_figure(case, name, False))
                _save(pdf, timecourse_figure(case, name, True))
            _text_pages(pdf, f"Case {case.id}", _case_lines(case))
        _text_pages(pdf, "Reproducibility", _repro_lines(manifest, out.with_suffix(".json").name))
    return out
