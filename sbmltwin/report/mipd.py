"""Report section for a fit (``sbmltwin fit``) and a dose recommendation (``sbmltwin dose``).

Writes ``report.json`` (a typed :class:`FitReport` or :class:`DoseReport`, ``kind`` "fit" or
"dose", schema_version :data:`MIPD_SCHEMA_VERSION`: the request, software versions, the numbers,
the reason chain), ``report.html`` (self-contained, escaped) and ``report.pdf`` (matplotlib),
plus the plot as PNG. Like a validation report the folder is self-contained: the model,
bindings, profile, population spec, levels CSV (and the twin.json a dose used) are copied into
``inputs/`` with their SHA-256 (:class:`~sbmltwin.report.manifest.InputCopier`), and the stored
request names those copies by paths relative to report.json. ``reproduce`` re-runs the request
from the copies and compares the numbers (:func:`reproduce_mipd`).
"""

from __future__ import annotations

import base64
import dataclasses
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sbmltwin.mipd.run import DoseRequest, DoseRun, FitRequest, FitRun, run_dose, run_fit
from sbmltwin.pgx import inhibitor_table_version
from sbmltwin.provenance import software_versions
from sbmltwin.report.manifest import (
    MIPD_SCHEMA_VERSION,
    InputCopier,
    InputFile,
    check_inputs,
    check_schema_version,
    inside,
    read_record,
    write_manifest,
)
from sbmltwin.validate.results import JsonRecord

__all__ = [
    "DoseReport",
    "DoseResults",
    "FitReport",
    "FitResults",
    "dose_results",
    "fit_results",
    "read_mipd_report",
    "reproduce_mipd",
    "write_dose_report",
    "write_fit_report",
]

CITATIONS = (
    "sbmltwin (see CITATION.cff)",
    "Beal SL. J Pharmacokinet Pharmacodyn 2001;28:481, doi:10.1023/A:1012299115260 (M3 for BLQ)",
    "FDA Drug Development and Drug Interactions tables (CYP inhibitors), "
    + inhibitor_table_version(),
    "Borges S et al. J Clin Pharmacol 2010;50:450, doi:10.1177/0091270009359182 (phenoconversion)",
    "Cicali EJ et al. Clin Pharmacol Ther 2021;110:677, doi:10.1002/cpt.2354 (phenoconversion)",
)

#: request fields that name an input file, copied into the report folder (kind = field name)
_FILE_FIELDS = ("model", "bindings", "profile", "population", "levels", "twin")


@dataclass(frozen=True, slots=True)
class EstimateRow(JsonRecord):
    """One estimated parameter: prior median, MAP and its 90 % interval, shrinkage."""

    id: str
    unit: str
    prior_median: float
    map: float
    lower90: float
    upper90: float
    shrinkage: float
    cv_percent: float


@dataclass(frozen=True, slots=True)
class LevelRow(JsonRecord):
    """One measured level (model units) with the individual and population predictions."""

    line: int
    time: float
    output: str
    value: float | None  # None: below the LLOQ
    blq: bool
    lloq: float | None
    individual: float
    population: float


@dataclass(frozen=True, slots=True)
class FitResults(JsonRecord):
    """The numbers of a fit (what ``reproduce`` compares)."""

    estimates: tuple[EstimateRow, ...]
    objective: float
    prior_objective: float
    levels: tuple[LevelRow, ...]
    twin: Mapping[str, Any]  # twin.json's content (mipd.twin.Twin.to_dict)
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CandidateRow(JsonRecord):
    """One regimen of a dose recommendation: PTA and the 5/50/95 % of the target's metric."""

    regimen: str
    dose: str
    interval: str
    count: int
    pta: float
    p05: float
    p50: float
    p95: float
    failed: int


@dataclass(frozen=True, slots=True)
class DoseResults(JsonRecord):
    """The numbers of a dose recommendation, candidates best first."""

    target: str
    output: str
    twin_kind: str
    draws: int
    recommended: str
    why: str
    candidates: tuple[CandidateRow, ...]
    reasons: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FitReport(JsonRecord):
    """report.json of ``sbmltwin fit``: the request (input paths relative to report.json),
    the copied inputs and the typed results."""

    schema_version: int
    tool: str
    kind: str
    command: str
    created: str
    request: Mapping[str, Any]
    inputs: tuple[InputFile, ...]
    versions: Mapping[str, str]
    seed: int | None
    results: FitResults
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DoseReport(JsonRecord):
    """report.json of ``sbmltwin dose`` (as :class:`FitReport`)."""

    schema_version: int
    tool: str
    kind: str
    command: str
    created: str
    request: Mapping[str, Any]
    inputs: tuple[InputFile, ...]
    versions: Mapping[str, str]
    seed: int | None
    results: DoseResults
    citations: tuple[str, ...]


def fit_results(run: FitRun) -> FitResults:
    """The numbers of a fit (what ``reproduce`` compares)."""
    r = run.result
    return FitResults(
        estimates=tuple(
            EstimateRow(
                id=e.sid,
                unit=e.unit,
                prior_median=float(e.typical),
                map=float(e.map),
                lower90=float(e.lower),
                upper90=float(e.upper),
                shrinkage=float(e.shrinkage),
                cv_percent=float(e.cv_percent),
            )
            for e in r.estimates
        ),
        objective=float(r.objective),
        prior_objective=float(r.prior_objective),
        levels=tuple(
            LevelRow(
                line=lv.line,
                time=float(lv.time),
                output=lv.output,
                value=None if lv.blq else float(lv.value),
                blq=lv.blq,
                lloq=None if lv.lloq is None else float(lv.lloq),
                individual=float(ipred),
                population=float(pred),
            )
            for lv, ipred, pred in zip(r.levels.rows, r.individual, r.population, strict=True)
        ),
        twin=r.twin.to_dict(),
        reasons=tuple(r.reasons),
        warnings=tuple(r.warnings),
    )


def dose_results(run: DoseRun) -> DoseResults:
    """The numbers of a dose recommendation."""
    d = run.result
    return DoseResults(
        target=d.target.text,
        output=run.output,
        twin_kind=d.twin_kind,
        draws=d.draws,
        recommended=d.recommended.regimen,
        why=d.why,
        candidates=tuple(
            CandidateRow(
                regimen=c.regimen,
                dose=c.dose,
                interval=c.interval,
                count=c.count,
                pta=float(c.pta),
                p05=float(c.p05),
                p50=float(c.p50),
                p95=float(c.p95),
                failed=c.failed,
            )
            for c in d.candidates
        ),
        reasons=tuple(run.twin.reasons),
        notes=tuple(d.notes) + tuple(run.twin.notes),
    )


def _copy_inputs(
    request: FitRequest | DoseRequest, files: Mapping[str, Path], out: Path
) -> tuple[dict[str, Any], tuple[InputFile, ...]]:
    """Copy the request's input files into ``out/inputs/`` and return the request naming the
    copies (relative to report.json) with the list of copies."""
    copier = InputCopier(out)
    moved: dict[str, Any] = {
        name: copier.put(path, name, name) for name, path in files.items() if name in _FILE_FIELDS
    }
    return dataclasses.replace(request, **moved).to_dict(), copier.files


def _header(kind: str, request: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": MIPD_SCHEMA_VERSION,
        "tool": "sbmltwin",
        "kind": kind,
        "command": kind,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "request": dict(request),
        "versions": software_versions(),
        "seed": request.get("seed"),
        "citations": CITATIONS,
    }


def plot_fit(run: FitRun, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r, band = run.result, run.band
    outs = list(r.levels.outputs)
    fig, axes = plt.subplots(len(outs), 1, figsize=(7, 3.2 * len(outs)), squeeze=False)
    for ax, out in zip(axes[:, 0], outs, strict=True):
        rows = [lv for lv in r.levels.rows if lv.output == out]
        sel = rows[0].selection
        ax.fill_between(band.time, band.p05[sel], band.p95[sel], alpha=0.25, label="90 % band")
        ax.plot(band.time, band.point[sel], label="individual (MAP)")
        obs = [(lv.time, lv.value) for lv in rows if not lv.blq]
        blq = [(lv.time, lv.lloq) for lv in rows if lv.blq]
        if obs:
            ax.plot(*zip(*obs, strict=True), "ko", label="measured")
        if blq:
            ax.plot(*zip(*blq, strict=True), "kv", mfc="none", label="BLQ (at LLOQ)")
        ax.set_ylabel(f"{out} [{r.levels.units[out]}]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    axes[-1, 0].set_xlabel(f"time [{run.time_unit}]")
    axes[0, 0].set_title(f"twin {r.twin.twin_id}: levels vs individual prediction")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_dose(run: DoseRun, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = run.result
    cands = d.candidates[:15]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(cands) + 1.6))
    y = np.arange(len(cands))[::-1]
    ax.barh(y, [c.pta for c in cands], color=["C2" if i == 0 else "C0" for i in range(len(cands))])
    ax.set_yticks(y, [f"{c.dose} q{c.interval}" for c in cands], fontsize="small")
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"P(target): {d.target.text}")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"recommended: {d.recommended.dose} every {d.recommended.interval}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _html(
    title: str,
    inputs: Sequence[InputFile],
    reasons: Sequence[str],
    notes: Sequence[str],
    table: str,
    png: Path,
) -> str:
    img = base64.b64encode(png.read_bytes()).decode("ascii")
    reason_items = "".join(f"<li>{html.escape(x)}</li>" for x in reasons)
    note_items = "".join(f"<li>{html.escape(x)}</li>" for x in notes)
    input_items = "".join(
        f"<li>{html.escape(f.kind)}: {html.escape(f.path)} (SHA-256 {html.escape(f.sha256[:16])}…)</li>"
        for f in inputs
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        + html.escape(title)
        + "</title><style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "td,th{padding:2px 8px;text-align:right}th{background:#eee}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{table}"
        f"<img alt='plot' src='data:image/png;base64,{img}'>"
        f"<h2>How this was computed</h2><ul>{reason_items}</ul>"
        + (f"<h2>Warnings and notes</h2><ul>{note_items}</ul>" if notes else "")
        + f"<h2>Inputs (copied into this folder)</h2><ul>{input_items}</ul>"
        + "<p>Re-run: <code>sbmltwin reproduce report.json</code></p></body></html>"
    )


def _rows(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _pdf(path: Path, png: Path, lines: list[str], title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        fig.text(0.05, 0.97, title, fontsize=13, va="top")
        ax = fig.add_axes((0.05, 0.45, 0.9, 0.48))
        ax.imshow(plt.imread(png))
        ax.axis("off")
        text = "\n".join(_wrap(x) for x in lines)
        fig.text(0.05, 0.42, text, fontsize=6.5, va="top", family="monospace")
        pdf.savefig(fig)
        plt.close(fig)
    return path


def _wrap(line: str, width: int = 120) -> str:
    return "\n  ".join(line[i : i + width] for i in range(0, max(len(line), 1), width))


def _g(x: Any) -> str:
    return "—" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.4g}"


def write_fit_report(run: FitRun, out_dir: str | Path, *, pdf: bool = True) -> dict[str, Path]:
    """fit.png, twin.json, report.json, report.html (and report.pdf) in ``out_dir``; the
    inputs are copied into ``out_dir/inputs/``."""
    out = Path(out_dir)
    results = fit_results(run)
    request, inputs = _copy_inputs(run.request, run.files, out)
    report = FitReport(**_header("fit", request), inputs=inputs, results=results)
    written = {"json": write_manifest(report, out / "report.json")}
    png = plot_fit(run, out / "fit.png")
    written["png"] = png
    header = ["parameter", "unit", "prior median", "MAP", "90 % low", "90 % high", "shrinkage"]
    rows = [
        [
            e.id,
            e.unit,
            _g(e.prior_median),
            _g(e.map),
            _g(e.lower90),
            _g(e.upper90),
            _g(e.shrinkage),
        ]
        for e in results.estimates
    ]
    title = f"sbmltwin fit: twin {run.result.twin.twin_id}"
    page = _html(title, inputs, results.reasons, results.warnings, _rows(header, rows), png)
    (out / "report.html").write_text(page, "utf-8")
    written["html"] = out / "report.html"
    if pdf:
        lines = ["  ".join(header)] + ["  ".join(r) for r in rows] + [""] + list(results.reasons)
        written["pdf"] = _pdf(out / "report.pdf", png, lines + list(results.warnings), title)
    return written


def write_dose_report(run: DoseRun, out_dir: str | Path, *, pdf: bool = True) -> dict[str, Path]:
    """dose.png, report.json, report.html (and report.pdf) in ``out_dir``; the inputs are
    copied into ``out_dir/inputs/``."""
    out = Path(out_dir)
    results = dose_results(run)
    request, inputs = _copy_inputs(run.request, run.files, out)
    report = DoseReport(**_header("dose", request), inputs=inputs, results=results)
    written = {"json": write_manifest(report, out / "report.json")}
    png = plot_dose(run, out / "dose.png")
    written["png"] = png
    unit = run.result.target.unit
    header = ["regimen", "P(target)", f"median [{unit}]", "5 %", "95 %"]
    rows = [
        [c.regimen, f"{c.pta:.3f}", _g(c.p50), _g(c.p05), _g(c.p95)] for c in results.candidates
    ]
    title = f"sbmltwin dose: {run.result.target.text}"
    table = f"<p><b>Recommended:</b> {html.escape(results.why)}</p>" + _rows(header, rows)
    page = _html(title, inputs, results.reasons, results.notes, table, png)
    (out / "report.html").write_text(page, "utf-8")
    written["html"] = out / "report.html"
    if pdf:
        lines = [results.why, "", "  ".join(header)] + ["  ".join(r) for r in rows[:20]]
        written["pdf"] = _pdf(out / "report.pdf", png, lines + list(results.notes), title)
    return written


def read_mipd_report(data: Mapping[str, Any], *, where: str) -> FitReport | DoseReport:
    """The typed fit or dose report of a report.json's content; another schema version (e.g.
    a report of an sbmltwin whose fit reports pinned absolute input paths) is refused."""
    kind = data.get("kind")
    check_schema_version(data, MIPD_SCHEMA_VERSION, where=where, rerun=f"sbmltwin {kind}")
    if kind == "fit":
        return read_record(FitReport, data, where=where)
    return read_record(DoseReport, data, where=where)


def reproduce_mipd(
    report: FitReport | DoseReport, base: Path
) -> tuple[list[str], FitResults | DoseResults | None]:
    """(changed inputs, new results; None when an input is missing) of a fit or dose report in
    the folder ``base``, re-run from the inputs copied there."""
    changed, missing = check_inputs(report.inputs, base)
    if missing:
        return changed, None
    if isinstance(report, FitReport):
        fit = FitRequest.from_dict(report.request)
        return changed, fit_results(run_fit(dataclasses.replace(fit, **_rebased(fit, base))))
    dose = DoseRequest.from_dict(report.request)
    return changed, dose_results(run_dose(dataclasses.replace(dose, **_rebased(dose, base))))


def _rebased(request: FitRequest | DoseRequest, base: Path) -> dict[str, Any]:
    """The request's file fields pointed at the copies in the report folder ``base``."""
    out: dict[str, Any] = {}
    for name in _FILE_FIELDS:
        rel = getattr(request, name, None)
        if rel is not None:
            out[name] = str(inside(base, rel))
    return out
