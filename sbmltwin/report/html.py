"""Render a validation manifest as one self-contained HTML file.

Plots are embedded as base64 PNG, CSS is inline, and there is no script: the file reads offline
and its Content-Security-Policy forbids anything else. Every string from the manifest goes
through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sbmltwin.report.plots import (
    figure_png,
    format_number,
    ratio_figure,
    scatter_figure,
    timecourse_figure,
    top_sensitivities,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["write_html"]

POOLED_COLUMNS = ("n", "gmfe", "afe", "within_1.25", "within_1.5", "within_2")
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


def _pooled_table(metrics: Mapping[str, Any]) -> str:
    rows = []
    for name, m in metrics.items():
        if isinstance(m, Mapping) and "gmfe" in m:
            rows.append([_td(name.replace("_", " ")), *(_num(m.get(c)) for c in POOLED_COLUMNS)])
    return _table(["metric", *POOLED_HEADERS], rows) if rows else "<p>No pooled metrics.</p>"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{format_number(value)} %"


def _overview(manifest: Mapping[str, Any], cases: Sequence[Mapping[str, Any]]) -> str:
    overall = (manifest.get("results") or {}).get("overall") or {}
    n_cases = overall.get("cases", len(cases))
    n_passed = overall.get("cases_passed", sum(1 for c in cases if c.get("passed") is True))
    verdict = _badge(n_cases > 0 and n_passed == n_cases) if isinstance(n_cases, int) else ""
    facts = [
        ("Cases passed", f"{n_passed} of {n_cases}"),
        ("Groups", overall.get("groups", "—")),
        ("Groups within fold", _pct(overall.get("groups_within_fold_percent"))),
        (
            "Ratios within Guest limits",
            f"{overall.get('ratios_within_guest', '—')} of {overall.get('ratios', '—')}",
        ),
    ]
    val = overall.get("validation_only")
    if isinstance(val, Mapping):
        facts += [
            (
                "Validation cases only: cases passed",
                f"{val.get('cases_passed', '—')} of {val.get('cases', '—')}",
            ),
            (
                "Validation cases only: groups within fold",
                f"{_pct(val.get('groups_within_fold_percent'))} of {val.get('groups', '—')}",
            ),
            (
                "Validation cases only: ratios within Guest limits",
                f"{val.get('ratios_within_guest', '—')} of {val.get('ratios', '—')}",
            ),
        ]
    rows = [[_td(k), f'<td class="num">{_e(v)}</td>'] for k, v in facts]
    return (
        f'<p class="verdict">Overall verdict: {verdict} '
        f"({_e(n_passed)} of {_e(n_cases)} cases passed)</p>"
        + _table(["quantity", "value"], rows)
        + "<h3>Pooled metrics</h3>"
        + _pooled_table(overall)
        + '<p class="meta">GMFE: geometric mean fold error; AFE: average fold error '
        "(bias, &gt;1 over-predicts); % within k-fold: share of predicted/observed ratios "
        "in [1/k, k].</p>"
    )


def _summary(cases: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for i, c in enumerate(cases):
        gm = (c.get("metrics") or {}).get("auc") or {}
        cm = (c.get("metrics") or {}).get("cmax") or {}
        rows.append(
            [
                f'<td><a href="#case-{i + 1}">{_e(c.get("id", "?"))}</a></td>',
                _td(c.get("role", "—")),
                _td(c.get("model", "—")),
                _num(len(c.get("groups") or ())),
                _num(c.get("fold")),
                _num(gm.get("gmfe")),
                _num(cm.get("gmfe")),
                f"<td>{_badge(c.get('passed'))}</td>",
            ]
        )
    headers = ["case", "role", "model", "groups", "fold limit", "AUC GMFE", "Cmax GMFE", "verdict"]
    return _table(headers, rows)


def _group_table(case: Mapping[str, Any]) -> str:
    rows = []
    for g in case.get("groups") or ():
        for out_name, o in (g.get("outputs") or {}).items():
            if not isinstance(o, Mapping):
                continue
            rows.append(
                [
                    _td(g.get("name", "?")),
                    _td(g.get("description", "")),
                    _td(f"{out_name} [{o.get('unit', '?')}]"),
                    _num(o.get("auc_observed")),
                    _num(o.get("auc_predicted")),
                    _num(o.get("auc_fold")),
                    _num(o.get("cmax_observed")),
                    _num(o.get("cmax_predicted")),
                    _num(o.get("cmax_fold")),
                    f"<td>{_badge(o.get('within_fold'))}</td>",
                ]
            )
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
        f"within {format_number(case.get('fold'))}-fold",
    ]
    return _table(headers, rows)


def _ratio_table(case: Mapping[str, Any]) -> str:
    ratios = case.get("ratios") or ()
    if not ratios:
        return ""
    rows = [
        [
            _td(f"{r.get('numerator', '?')} / {r.get('denominator', '?')}"),
            _td(r.get("metric", "?")),
            _td(r.get("output", "?")),
            _num(r.get("observed")),
            _num(r.get("predicted")),
            _num(r.get("guest_lower")),
            _num(r.get("guest_upper")),
            f"<td>{_badge(r.get('within'))}</td>",
        ]
        for r in ratios
    ]
    headers = ["ratio", "metric", "output", "observed", "predicted", "Guest lower", "Guest upper"]
    return "<h4>Group ratios (Guest et al. 2011 limits)</h4>" + _table([*headers, "within"], rows)


def _sensitivity_table(case: Mapping[str, Any]) -> str:
    top = top_sensitivities(case)
    if not top:
        return ""
    n_all = len(case.get("sensitivity") or ())
    rows = [
        [
            _td(s.get("parameter", "?")),
            _num(s.get("value")),
            _td(s.get("unit", "")),
            _num(s.get("s_auc")),
            _num(s.get("s_cmax")),
        ]
        for s in top
    ]
    return (
        f"<h4>Local sensitivity (top {len(top)} of {n_all} parameters)</h4>"
        + _table(["parameter", "value", "unit", "S_AUC", "S_Cmax"], rows)
        + '<p class="meta">S = (ΔY/Y)/(Δp/p), normalized local sensitivity.</p>'
    )


def _case_section(i: int, case: Mapping[str, Any]) -> str:
    cid = case.get("id", f"case {i + 1}")
    doses = case.get("doses") or ()
    parts = [
        f'<section class="case" id="case-{i + 1}">',
        f"<h2>Case {_e(cid)} {_badge(case.get('passed'))}</h2>",
        "<table><tbody>",
        f"<tr><th>citation</th>{_td(case.get('citation', '—'))}</tr>",
        f"<tr><th>source</th>{_td(case.get('source', '—'))}</tr>",
        f"<tr><th>model</th>{_td(case.get('model', '—'))}</tr>",
        f"<tr><th>model SHA-256</th><td><code>{_e(case.get('model_sha256', '—'))}</code></td></tr>",
        f"<tr><th>role</th>{_td(case.get('role', '—'))}</tr>",
        f"<tr><th>doses</th>{_td('; '.join(str(d) for d in doses) or '—')}</tr>",
        f"<tr><th>fold limit</th>{_num(case.get('fold'))}</tr>",
        "</tbody></table>",
    ]
    outputs: list[str] = []
    for g in case.get("groups") or ():
        for name in g.get("outputs") or {}:
            if name not in outputs:
                outputs.append(str(name))
    for name in outputs:
        parts.append(f'<h3>Time course: {_e(name)}</h3><div class="plots">')
        for log in (False, True):
            scale = "log" if log else "linear"
            alt = f"{cid}: {name}, {scale} axis"
            parts.append(_img(timecourse_figure(case, name, log), alt))
        parts.append("</div>")
    warnings = case.get("warnings") or ()
    if warnings:
        items = "".join(f"<li>{_e(w)}</li>" for w in warnings)
        parts.append(f'<h3>Warnings</h3><ul class="warnings">{items}</ul>')
    parts.append("<h3>Groups</h3>" + _group_table(case))
    metrics = case.get("metrics") or {}
    if metrics:
        parts.append("<h4>Case metrics</h4>" + _pooled_table(metrics))
    parts.append(_ratio_table(case))
    parts.append(_sensitivity_table(case))
    parts.append("<h3>How this was computed</h3>")
    for g in case.get("groups") or ():
        head = f"{g.get('name', '?')}: {g.get('description', '')}"
        parts.append(f"<h4>{_e(head)}</h4><pre>{_e(g.get('explain', '(no reason chain)'))}</pre>")
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def _kv_table(mapping: Mapping[str, Any], *, code: bool = False) -> str:
    rows = []
    for k, v in mapping.items():
        shown = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
        cell = f"<td><code>{_e(shown)}</code></td>" if code else _td(shown)
        rows.append([_td(k), cell])
    return _table(["name", "value"], rows) if rows else "<p>—</p>"


def _reproducibility(manifest: Mapping[str, Any], manifest_name: str) -> str:
    parts = ["<h2>Reproducibility</h2>"]
    facts = {
        k: manifest[k]
        for k in ("tool", "schema_version", "command", "created", "seed")
        if k in manifest
    }
    parts.append(_kv_table(facts))
    parts.append("<h3>Inputs (SHA-256)</h3>" + _kv_table(manifest.get("inputs") or {}, code=True))
    parts.append("<h3>Software versions</h3>" + _kv_table(manifest.get("versions") or {}))
    if manifest.get("platform"):
        parts.append("<h3>Platform</h3>" + _kv_table(manifest["platform"]))
    parts.append("<h3>Settings</h3>" + _kv_table(manifest.get("settings") or {}))
    if manifest.get("environment"):
        parts.append("<h3>Environment</h3>" + _kv_table(manifest["environment"]))
    parts.append(
        "<h3>How to re-run</h3><p>Re-run every case from the recorded inputs and compare the "
        "numbers with this report:</p>"
        f"<pre>sbmltwin reproduce {_e(manifest_name)}</pre>"
    )
    citations = manifest.get("citations") or ()
    if citations:
        items = "".join(f"<li>{_e(c)}</li>" for c in citations)
        parts.append(f"<h2>Citations</h2><ol>{items}</ol>")
    return "\n".join(parts)


def _skipped(manifest: Mapping[str, Any]) -> str:
    """A line naming the cases the run skipped because their model is not built yet."""
    skipped = [s for s in manifest.get("skipped") or () if isinstance(s, Mapping)]
    if not skipped:
        return ""
    models = sorted({str(s.get("model", "?")) for s in skipped})
    return (
        f'<p class="meta">Skipped {len(skipped)} case(s) whose model is not in the library yet '
        f"(model file missing): {_e(', '.join(models))}.</p>"
    )


def render_html(manifest: Mapping[str, Any], *, manifest_name: str = "report.json") -> str:
    """The report as an HTML string (see :func:`write_html`)."""
    results = manifest.get("results") or {}
    cases: Sequence[Mapping[str, Any]] = [
        c for c in results.get("cases") or () if isinstance(c, Mapping)
    ]
    tool = manifest.get("tool", "sbmltwin")
    title = f"{tool} validation report"
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">created {_e(manifest.get("created", "—"))} · '
        f"command <code>{_e(manifest.get('command', '—'))}</code></p>",
        "<h2>Overall</h2>",
        _overview(manifest, cases),
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


def write_html(manifest: Mapping[str, Any], path: str | Path) -> Path:
    """Write the report of ``manifest`` as one self-contained HTML file; return its path.

    The re-run hint names ``<stem>.json`` next to the HTML, where ``write_report`` puts the manifest.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(manifest, manifest_name=out.with_suffix(".json").name)
    out.write_text(text, encoding="utf-8")
    return out
