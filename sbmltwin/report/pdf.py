"""Render a validation manifest as a PDF with matplotlib's PdfPages (no extra dependency).

Pages: a title page with the verdict and pooled metrics, the predicted-vs-observed and ratio
figures, per case its time courses (linear and log) and text tables, and a reproducibility page.
``CreationDate`` is left out so the same manifest gives the same bytes.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sbmltwin.report.plots import (
    format_number,
    mpl_text,
    quiet_glyphs,
    ratio_figure,
    scatter_figure,
    timecourse_figure,
    top_sensitivities,
)

if TYPE_CHECKING:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

__all__ = ["write_pdf"]

PAGE = (8.27, 11.69)  # A4 portrait, inches
LINES_PER_PAGE = 72
TITLE_LINES = 60  # below the verdict on the title page
WRAP = 100
FONT_SIZE = 7.5
POOLED = (("n", "n"), ("gmfe", "GMFE"), ("afe", "AFE"))
WITHIN = (("within_1.25", "≤1.25×"), ("within_1.5", "≤1.5×"), ("within_2", "≤2×"))


def _f(value: Any) -> str:
    return format_number(value)


def _verdict(passed: Any) -> str:
    return "PASS" if passed is True else "FAIL" if passed is False else "n/a"


def _columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A monospaced table: columns padded to their widest cell (cells truncated at 32 chars)."""
    cells = [[str(c) if len(str(c)) <= 32 else str(c)[:31] + "…" for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return out


def _pooled_lines(metrics: Mapping[str, Any]) -> list[str]:
    rows = []
    for name, m in metrics.items():
        if isinstance(m, Mapping) and "gmfe" in m:
            rows.append(
                [name]
                + [_f(m.get(k)) for k, _ in POOLED]
                + [f"{_f(m.get(k))} %" for k, _ in WITHIN]
            )
    if not rows:
        return ["(no pooled metrics)"]
    return _columns(["metric", *(h for _, h in POOLED), *(h for _, h in WITHIN)], rows)


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


def _title_page(
    pdf: PdfPages, manifest: Mapping[str, Any], cases: Sequence[Mapping[str, Any]]
) -> None:
    from matplotlib.figure import Figure

    overall = (manifest.get("results") or {}).get("overall") or {}
    n_cases = overall.get("cases", len(cases))
    n_passed = overall.get("cases_passed", sum(1 for c in cases if c.get("passed") is True))
    passed = isinstance(n_cases, int) and n_cases > 0 and n_passed == n_cases
    fig = Figure(figsize=PAGE)
    fig.text(
        0.06,
        0.95,
        f"{mpl_text(manifest.get('tool', 'sbmltwin'))} validation report",
        fontsize=20,
        weight="bold",
        va="top",
    )
    fig.text(
        0.06,
        0.91,
        mpl_text(f"created {manifest.get('created', '—')}"),
        fontsize=9,
        color="#555",
        va="top",
    )
    fig.text(
        0.06,
        0.89,
        mpl_text(f"command: {manifest.get('command', '—')}"),
        fontsize=9,
        color="#555",
        va="top",
    )
    fig.text(
        0.06,
        0.85,
        f"Overall verdict: {'PASS' if passed else 'FAIL'}   ({n_passed} of {n_cases} cases passed)",
        fontsize=14,
        weight="bold",
        color="#1a7f37" if passed else "#c62828",
        va="top",
    )
    lines = [
        f"Groups: {overall.get('groups', '—')}    groups within fold: "
        f"{_f(overall.get('groups_within_fold_percent'))} %",
        f"Ratios within Guest limits: {overall.get('ratios_within_guest', '—')} of "
        f"{overall.get('ratios', '—')}",
        *(
            [
                f"Validation cases only: {val.get('cases_passed', '—')} of {val.get('cases', '—')} "
                f"cases passed; groups within fold {_f(val.get('groups_within_fold_percent'))} % of "
                f"{val.get('groups', '—')}; ratios within Guest limits "
                f"{val.get('ratios_within_guest', '—')} of {val.get('ratios', '—')}"
            ]
            if isinstance(val := overall.get("validation_only"), Mapping)
            else []
        ),
        "",
        "Pooled metrics (GMFE: geometric mean fold error; AFE: average fold error)",
        *_pooled_lines(overall),
        "",
        "Cases",
        *_columns(
            ["case", "role", "model", "groups", "AUC GMFE", "Cmax GMFE", "verdict"],
            [
                [
                    str(c.get("id", "?")),
                    str(c.get("role", "—")),
                    str(c.get("model", "—")),
                    str(len(c.get("groups") or ())),
                    _f(((c.get("metrics") or {}).get("auc") or {}).get("gmfe")),
                    _f(((c.get("metrics") or {}).get("cmax") or {}).get("gmfe")),
                    _verdict(c.get("passed")),
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


def _case_lines(case: Mapping[str, Any]) -> list[str]:
    lines = [
        f"citation:  {case.get('citation', '—')}",
        f"source:    {case.get('source', '—')}",
        f"model:     {case.get('model', '—')}  (SHA-256 {case.get('model_sha256', '—')})",
        f"role:      {case.get('role', '—')}",
        f"doses:     {'; '.join(str(d) for d in case.get('doses') or ()) or '—'}",
        f"fold:      {_f(case.get('fold'))}        verdict: {_verdict(case.get('passed'))}",
    ]
    lines += [f"warning:   {w}" for w in case.get("warnings") or ()]
    lines += ["", "Groups"]
    rows = []
    for g in case.get("groups") or ():
        for name, o in (g.get("outputs") or {}).items():
            if isinstance(o, Mapping):
                rows.append(
                    [
                        str(g.get("name", "?")),
                        str(name),
                        _f(o.get("auc_observed")),
                        _f(o.get("auc_predicted")),
                        _f(o.get("auc_fold")),
                        _f(o.get("cmax_observed")),
                        _f(o.get("cmax_predicted")),
                        _f(o.get("cmax_fold")),
                        _verdict(o.get("within_fold")),
                    ]
                )
    headers = ["group", "output", "AUC obs", "AUC pred", "AUC fold", "Cmax obs", "Cmax pred"]
    lines += _columns([*headers, "Cmax fold", "within"], rows)
    lines += ["", "Group descriptions"]
    lines += [
        f"  {g.get('name', '?')}: {g.get('description', '')}" for g in case.get("groups") or ()
    ]
    if case.get("metrics"):
        lines += ["", "Case metrics", *_pooled_lines(case["metrics"])]
    ratios = case.get("ratios") or ()
    if ratios:
        lines += ["", "Group ratios (Guest et al. 2011 limits)"]
        lines += _columns(
            ["ratio", "metric", "observed", "predicted", "lower", "upper", "within"],
            [
                [
                    f"{r.get('numerator', '?')}/{r.get('denominator', '?')}",
                    str(r.get("metric", "?")),
                    _f(r.get("observed")),
                    _f(r.get("predicted")),
                    _f(r.get("guest_lower")),
                    _f(r.get("guest_upper")),
                    _verdict(r.get("within")),
                ]
                for r in ratios
            ],
        )
    top = top_sensitivities(case)
    if top:
        n_all = len(case.get("sensitivity") or ())
        lines += ["", f"Local sensitivity (top {len(top)} of {n_all})"]
        lines += _columns(
            ["parameter", "value", "unit", "S_AUC", "S_Cmax"],
            [
                [
                    str(s.get("parameter", "?")),
                    _f(s.get("value")),
                    str(s.get("unit", "")),
                    _f(s.get("s_auc")),
                    _f(s.get("s_cmax")),
                ]
                for s in top
            ],
        )
    lines += ["", "How this was computed (personalization reason chain per group)"]
    for g in case.get("groups") or ():
        lines += ["", f"[{g.get('name', '?')}]", str(g.get("explain", "(no reason chain)"))]
    return lines


def _dump(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _repro_lines(manifest: Mapping[str, Any], manifest_name: str) -> list[str]:
    lines = [
        f"{k}: {_dump(manifest[k])}"
        for k in ("tool", "schema_version", "command", "created", "seed")
        if k in manifest
    ]
    for title, key in (
        ("Inputs (SHA-256)", "inputs"),
        ("Software versions", "versions"),
        ("Platform", "platform"),
        ("Settings", "settings"),
        ("Environment", "environment"),
    ):
        section = manifest.get(key)
        if isinstance(section, Mapping) and section:
            lines += ["", title] + [f"  {k}: {_dump(v)}" for k, v in section.items()]
    lines += ["", "How to re-run", f"  sbmltwin reproduce {manifest_name}"]
    citations = manifest.get("citations") or ()
    if citations:
        lines += ["", "Citations"] + [f"  [{i}] {c}" for i, c in enumerate(citations, 1)]
    return lines


def write_pdf(manifest: Mapping[str, Any], path: str | Path) -> Path:
    """Write the report of ``manifest`` as a PDF; return its path."""
    from matplotlib.backends.backend_pdf import PdfPages

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    cases = [
        c for c in (manifest.get("results") or {}).get("cases") or () if isinstance(c, Mapping)
    ]
    metadata = {
        "Title": f"{manifest.get('tool', 'sbmltwin')} validation report",
        "Creator": "sbmltwin",
        "Producer": "sbmltwin (matplotlib)",
        "CreationDate": None,
    }
    with PdfPages(out, metadata=metadata) as pdf:
        _title_page(pdf, manifest, cases)
        if cases:
            _save(pdf, scatter_figure(cases))
            _save(pdf, ratio_figure(cases))
        for case in cases:
            outputs: list[str] = []
            for g in case.get("groups") or ():
                outputs += [str(n) for n in g.get("outputs") or {} if str(n) not in outputs]
            for name in outputs:
                _save(pdf, timecourse_figure(case, name, False))
                _save(pdf, timecourse_figure(case, name, True))
            _text_pages(pdf, f"Case {case.get('id', '?')}", _case_lines(case))
        _text_pages(pdf, "Reproducibility", _repro_lines(manifest, out.with_suffix(".json").name))
    return out
