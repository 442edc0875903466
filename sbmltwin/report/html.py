"""Render a validation manifest as one self-contained HTML file.

Plots are embedded as base64 PNG, CSS is inline, and there is no script: the file reads offline
and its Content-Security-Policy forbids anything else. Every string from the manifest goes
through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sbmltwin.report.plots import (
    TOP_SENSITIVITIES,
    figure_png,
    format_number,
    ratio_figure,
    scatter_figure,
    sensitivity_note,
    timecourse_figure,
)
from sbmltwin.validate.results import (
    ArmInfo,
    FoldSummary,
    OverallMetrics,
    ValidationCaseResult,
    ValidationRun,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sbmltwin.report.manifest import Manifest

__all__ = ["write_html"]

POOLED_HEADERS = ("n", "GMFE", "AFE", "% within 1.25-fold", "% within 1.5-fold", "% within 2-fold")

_CSS = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.4}
h1{border-bottom:3px solid #0072B2;padding-bottom:.2em}
h2{border-bottom:1px solid #bbb;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.2em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f0f4f8}
.pass{color:#fff;background:#1a7f37;padding:.1em .5em;border-radius:3px;font-weight:bold}
.fail{color:#fff;background:#c62828;padding:.1em .5em;border-radius:3px;font-weight:bold}
.na{color:#555;background:#ddd;padding:.1em .5em;border-radius:3px}
.verdict{font-size:1.3em;margin:.5em 0}
.plots{display:flex;flex-wrap:wrap;gap:.5em}
.plots img{max-width:49%;height:auto;border:1px solid #eee}
img.wide{max-width:100%;height:auto}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.6em;overflow-x:auto;white-space:pre-wrap}
code{background:#f6f8fa;padding:0 .2em}
.meta{color:#555}
section.case{border-top:2px solid #0072B2;margin-top:2.5em}
"""

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _num(value: Any) -> str:
    return f'<td class="num">{_e(format_number(value))}</td>'


def _badge(passed: Any) -> str:
    if passed is True:
        return '<span class="pass">PASS</span>'
    if passed is False:
        return '<span class="fail">FAIL</span>'
    return '<span class="na">n/a</span>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """``rows`` hold ready-made ``<td>`` cells (already escaped)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _td(value: Any) -> str:
    return f"<td>{_e(value)}</td>"


def _img(fig: Figure | None, alt: str, *, css: str = "") -> str:
    if fig is None:
        return ""
    data = base64.b64encode(figure_png(fig)).decode("ascii")
    cls = f' class="{css}"' if css else ""
    return f'<img{cls} alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _pooled_rows(named: Iterable[tuple[str, FoldSummary]]) -> str:
    rows = [
        [
            _td(name),
            _num(m.n),
            _num(m.gmfe),
            _num(m.afe),
            _num(m.within_1_25),
            _num(m.within_1_5),
            _num(m.within_2),
        ]
        for name, m in named
    ]
    return _table(["metric", *POOLED_HEADERS], rows)


def _pct(value: float) -> str:
    return f"{format_number(value)} %"


def _overview(overall: OverallMetrics) -> str:
    verdict = _badge(overall.cases > 0 and overall.cases_passed == overall.cases)
    facts = [
        ("Cases passed", f"{overall.cases_passed} of {overall.cases}"),
        ("Groups", overall.groups),
        ("Groups within fold", _pct(overall.groups_within_fold_percent)),
        ("Ratios within Guest limits", f"{overall.ratios_within_guest} of {overall.ratios}"),
    ]
    val = overall.validation_only
    if val is not None:
        facts += [
            ("Validation cases only: cases passed", f"{val.cases_passed} of {val.cases}"),
            (
                "Validation cases only: groups within fold",
                f"{_pct(val.groups_within_fold_percent)} of {val.groups}",
            ),
            (
                "Validation cases only: ratios within Guest limits",
                f"{val.ratios_within_guest} of {val.ratios}",
            ),
        ]
    rows = [[_td(k), f'<td class="num">{_e(v)}</td>'] for k, v in facts]
    pooled = [("auc", overall.auc), ("cmax", overall.cmax), ("auc and cmax", overall.auc_and_cmax)]
    if val is not None:
        pooled += [
            ("validation only: auc", val.auc),
            ("validation only: cmax", val.cmax),
            ("validation only: auc and cmax", val.auc_and_cmax),
        ]
    return (
        f'<p class="verdict">Overall verdict: {verdict} '
        f"({_e(overall.cases_passed)} of {_e(overall.cases)} cases passed)</p>"
        + _table(["quantity", "value"], rows)
        + "<h3>Pooled metrics</h3>"
        + _pooled_rows(pooled)
        + '<p class="meta">GMFE: geometric mean fold error; AFE: average fold error '
        "(bias, &gt;1 over-predicts); % within k-fold: share of predicted/observed ratios "
        "in [1/k, k].</p>"
    )


def _library(run: ValidationRun) -> str:
    lib = run.library
    if lib is None or not lib.models:
        return ""

    def frac(k: int, n: int, pct: float) -> str:
        return f"{k} of {n} ({_pct(pct)})" if n else "none"

    rows = [
        [
            _td(name),
            _td(f.cases),
            _td(frac(f.genotype_ratios_within, f.genotype_ratios, f.genotype_ratios_percent)),
            _td(frac(f.genotype_groups_within, f.genotype_groups, f.genotype_groups_percent)),
            _num(f.genotype_gmfe),
            _num(f.gmfe),
            _td(frac(f.mixture_groups_within, f.mixture_groups, f.mixture_groups_percent)),
            _num(f.mixture_gmfe),
            _td(frac(f.mixture_ratios_within, f.mixture_ratios, f.mixture_ratios_percent)),
            _td(f"{f.genotype_trial_groups} / {f.mixture_trial_groups}"),
            f"<td>{_badge(f.meets_targets)}</td>",
        ]
        for name, f in [*lib.models.items(), ("whole library", lib.library)]
    ]
    headers = [
        "model",
        "validation cases",
        "genotype AUC ratios within Guest",
        "genotype-defined groups within 2-fold",
        "genotype GMFE",
        "AUC+Cmax GMFE",
        "mixture groups within 2-fold",
        "mixture GMFE",
        "mixture ratios within Guest",
        "virtual-trial groups (genotype / mixture)",
        "meets targets",
    ]
    t = lib.targets
    return (
        "<h3>Library figures (validation cases only)</h3>"
        f'<p class="meta">Targets: genotype AUC ratios within Guest ≥ '
        f"{format_number(t.get('ratios_percent', math.nan))} % (common or stated windows), "
        f"genotype-defined groups within 2-fold ≥ "
        f"{format_number(t.get('genotype_groups_percent', math.nan))} %, AUC+Cmax GMFE ≤ "
        f"{format_number(t.get('gmfe', math.nan))}. Mixture groups (phenotype-labelled or "
        "unselected populations) are counted apart.</p>" + _table(headers, rows)
    )


def _summary(cases: Sequence[ValidationCaseResult]) -> str:
    rows = [
        [
            f'<td><a href="#case-{i + 1}">{_e(c.id)}</a></td>',
            _td(c.role),
            _td(c.model),
            _num(len(c.groups)),
            _num(c.fold),
            _num(c.metrics.auc.gmfe),
            _num(c.metrics.cmax.gmfe),
            f"<td>{_badge(c.passed)}</td>",
        ]
        for i, c in enumerate(cases)
    ]
    headers = ["case", "role", "model", "groups", "fold limit", "AUC GMFE", "Cmax GMFE", "verdict"]
    return _table(headers, rows)


def _predicted(value: float, band: tuple[float, float] | None) -> str:
    """A predicted value; a virtual trial's GM with its 5–95 % band."""
    if band is None:
        return _num(value)
    return _td(f"{format_number(value)} ({format_number(band[0])}–{format_number(band[1])})")


def _trials(case: ValidationCaseResult) -> str:
    """What each virtual trial drew (sbmltwin.validate.trial)."""
    items = "".join(
        f"<li><b>{_e(g.name)}</b>: {_e(g.trial.describe())}</li>"
        for g in case.groups
        if g.trial is not None
    )
    if not items:
        return ""
    return (
        "<h4>Virtual trials</h4><p>Predicted AUC and Cmax of these groups are geometric means "
        "over their twins (5th–95th percentiles in brackets; the figures show the pointwise "
        "geometric mean and 5–95 % band against the observed mean ± SD); verdicts are on the "
        "geometric means. Twins are drawn from the model's population spec with the study's "
        "settings.</p><ul>" + items + "</ul>"
    )


def _group_table(case: ValidationCaseResult) -> str:
    rows = [
        [
            _td(g.name),
            _td(g.description),
            _td(f"{o.output} [{o.unit}]"),
            _num(o.auc_observed),
            _predicted(o.auc_predicted, (o.trial.auc_p5, o.trial.auc_p95) if o.trial else None),
            _num(o.auc_fold),
            _num(o.cmax_observed),
            _predicted(o.cmax_predicted, (o.trial.cmax_p5, o.trial.cmax_p95) if o.trial else None),
            _num(o.cmax_fold),
            f"<td>{_badge(o.within_fold)}</td>",
        ]
        for g, o in case.comparisons()
    ]
    headers = [
        "group",
        "description",
        "output",
        "AUC obs",
        "AUC pred",
        "AUC fold",
        "Cmax obs",
        "Cmax pred",
        "Cmax fold",
        f"within {format_number(case.fold)}-fold",
    ]
    return _table(headers, rows)


def _ratio_table(case: ValidationCaseResult) -> str:
    if not case.ratios:
        return ""
    rows = [
        [
            _td(f"{r.numerator} / {r.denominator}"),
            _td(r.metric),
            _td(r.output),
            _td(r.window),
            _num(r.observed),
            _num(r.predicted),
            _num(r.guest_lower),
            _num(r.guest_upper),
            f"<td>{_badge(r.within)}</td>",
        ]
        for r in case.ratios
    ]
    headers = [
        "ratio",
        "metric",
        "output",
        "window",
        "observed",
        "predicted",
        "Guest lower",
        "Guest upper",
    ]
    return (
        "<h4>Group ratios (Guest et al. 2011 limits)</h4><p>Both groups, observed and predicted, "
        "over one window: the case's, else the common window (0 to the earlier of the two "
        "groups' last observations).</p>" + _table([*headers, "within"], rows)
    )


def _summary_table(case: ValidationCaseResult) -> str:
    rows = [
        [
            _td(g.name),
            _td(s.output),
            _td(s.metric),
            _td(s.window),
            _td(s.statistic),
            _num(s.observed),
            _num(s.sd),
            _num(s.cv),
            _td("" if s.n is None else s.n),
            _num(s.predicted),
            _td(s.unit),
            _num(s.fold),
            f"<td>{_badge(None if s.excluded else s.within_fold)}</td>",
            _td(s.source),
            _td("; ".join(x for x in (s.basis, s.excluded) if x)),
        ]
        for g in case.groups
        for s in g.summary
    ]
    if not rows:
        return ""
    headers = [
        "group",
        "output",
        "metric",
        "window",
        "statistic",
        "observed",
        "SD",
        "CV %",
        "n",
        "predicted",
        "unit",
        "fold",
        f"within {format_number(case.fold)}-fold",
        "source",
        "how predicted / note",
    ]
    return (
        "<h4>Published summary statistics</h4><p>Predicted from the group's curve (a mixture "
        "group's weighted mean curve). AUC, AUC_inf and Cmax count in the metrics and the "
        "verdict for an output without a time course; tmax, t½ and CL (dose/AUC) are shown. "
        "In a multiple-dose case a row counts from the dose it names. A value more than "
        "100-fold from the group's observed time course is marked implausible and left out "
        "(n/a).</p>" + _table(headers, rows)
    )


def _sensitivity_table(case: ValidationCaseResult) -> str:
    table = case.sensitivity
    if table is None:
        return ""
    top = table.top(TOP_SENSITIVITIES)
    rows = [
        [_td(s.parameter), _num(s.value), _td(s.unit), _num(s.s_auc), _num(s.s_cmax)] for s in top
    ]
    return (
        f"<h4>Local sensitivity: group {_e(table.group)}, {_e(table.output)} "
        f"(top {len(top)} of {len(table.rows)} parameters)</h4>"
        + _table(["parameter", "value", "unit", "S_AUC", "S_Cmax"], rows)
        + f'<p class="meta">{_e(sensitivity_note(table))}</p>'
    )


def _arm_text(arm: ArmInfo) -> str:
    text = f"{'; '.join(arm.doses)} (to {arm.end})"
    return f"{arm.description}: {text}" if arm.description else text


def _case_section(i: int, case: ValidationCaseResult) -> str:
    parts = [
        f'<section class="case" id="case-{i + 1}">',
        f"<h2>Case {_e(case.id)} {_badge(case.passed)}</h2>",
        "<table><tbody>",
        f"<tr><th>citation</th>{_td(case.citation or '—')}</tr>",
        f"<tr><th>source</th>{_td(case.source)}</tr>",
        f"<tr><th>model</th>{_td(case.model)}</tr>",
        f"<tr><th>model SHA-256</th><td><code>{_e(case.model_sha256)}</code></td></tr>",
        f"<tr><th>role</th>{_td(case.role)}</tr>",
        f"<tr><th>doses</th>{_td('; '.join(case.doses) or '—')}</tr>",
        *(
            f"<tr><th>arm {_e(a.name)}</th>{_td(_arm_text(a))}</tr>"
            for a in case.arms  # a case with arms: its groups are GROUP@ARM
        ),
        f"<tr><th>fold limit</th>{_num(case.fold)}</tr>",
        "</tbody></table>",
    ]
    for name in case.output_names():
        parts.append(f'<h3>Time course: {_e(name)}</h3><div class="plots">')
        for log in (False, True):
            scale = "log" if log else "linear"
            alt = f"{case.id}: {name}, {scale} axis"
            parts.append(_img(timecourse_figure(case, name, log), alt))
        parts.append("</div>")
    if case.warnings:
        items = "".join(f"<li>{_e(w)}</li>" for w in case.warnings)
        parts.append(f'<h3>Warnings</h3><ul class="warnings">{items}</ul>')
    parts.append("<h3>Groups</h3>" + _group_table(case) + _trials(case))
    m = case.metrics
    parts.append(
        "<h4>Case metrics</h4>"
        + _pooled_rows([("auc", m.auc), ("cmax", m.cmax), ("observations", m.observations)])
    )
    parts.append(_summary_table(case))
    parts.append(_ratio_table(case))
    parts.append(_sensitivity_table(case))
    parts.append("<h3>How this was computed</h3>")
    for g in case.groups:
        parts.append(f"<h4>{_e(f'{g.name}: {g.description}')}</h4><pre>{_e(g.explain)}</pre>")
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def _kv_table(mapping: Mapping[str, Any], *, code: bool = False) -> str:
    rows = []
    for k, v in mapping.items():
        shown = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
        cell = f"<td><code>{_e(shown)}</code></td>" if code else _td(shown)
        rows.append([_td(k), cell])
    return _table(["name", "value"], rows) if rows else "<p>—</p>"


def _reproducibility(manifest: Manifest, manifest_name: str) -> str:
    parts = ["<h2>Reproducibility</h2>"]
    facts = {
        "tool": manifest.tool,
        "schema_version": manifest.schema_version,
        "command": manifest.command,
        "created": manifest.created,
        "seed": manifest.seed,
    }
    parts.append(_kv_table(facts))
    inputs = [
        [_td(f.path), _td(f.kind), f"<td><code>{_e(f.sha256)}</code></td>"] for f in manifest.inputs
    ]
    parts.append(
        "<h3>Inputs (copied into this report folder; SHA-256)</h3>"
        + _table(["path", "kind", "SHA-256"], inputs)
    )
    parts.append("<h3>Software versions</h3>" + _kv_table(manifest.versions))
    parts.append("<h3>Platform</h3>" + _kv_table(manifest.platform))
    parts.append("<h3>Settings</h3>" + _kv_table(manifest.settings))
    parts.append("<h3>Environment</h3>" + _kv_table(manifest.environment))
    parts.append(
        "<h3>How to re-run</h3><p>Re-run every case from the inputs in this folder and compare "
        "the numbers with this report:</p>"
        f"<pre>sbmltwin reproduce {_e(manifest_name)}</pre>"
    )
    if manifest.citations:
        items = "".join(f"<li>{_e(c)}</li>" for c in manifest.citations)
        parts.append(f"<h2>Citations</h2><ol>{items}</ol>")
    return "\n".join(parts)


def _skipped(manifest: Manifest) -> str:
    """A line naming the cases the run skipped because their model is not built yet."""
    if not manifest.skipped:
        return ""
    models = sorted({s.model for s in manifest.skipped})
    return (
        f'<p class="meta">Skipped {len(manifest.skipped)} case(s) whose model is not in the '
        f"library yet (model file missing): {_e(', '.join(models))}.</p>"
    )


def render_html(manifest: Manifest, *, manifest_name: str = "report.json") -> str:
    """The report as an HTML string (see :func:`write_html`)."""
    cases = manifest.results.cases
    title = f"{manifest.tool} validation report"
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">created {_e(manifest.created)} · '
        f"command <code>{_e(manifest.command)}</code></p>",
        "<h2>Overall</h2>",
        _overview(manifest.results.overall),
        _library(manifest.results),
        _skipped(manifest),
        "<h2>Cases</h2>",
        _summary(cases),
    ]
    if cases:
        body.append("<h2>Predicted vs observed</h2>")
        body.append(_img(scatter_figure(cases), "predicted vs observed AUC and Cmax", css="wide"))
        body.append(_img(ratio_figure(cases), "group ratios against Guest limits", css="wide"))
    body += [_case_section(i, c) for i, c in enumerate(cases)]
    body.append(_reproducibility(manifest, manifest_name))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(p for p in body if p)
        + "\n</body></html>\n"
    )


def write_html(manifest: Manifest, path: str | Path) -> Path:
    """Write the report of ``manifest`` as one self-contained HTML file; return its path.

    The re-run hint names ``<stem>.json`` next to the HTML, where ``write_report`` puts the manifest.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(manifest, manifest_name=out.with_suffix(".json").name)
    out.write_text(text, encoding="utf-8")
    return out
