"""Report section for a fit (``sbmltwin fit``) and a dose recommendation (``sbmltwin dose``).

Writes ``report.json`` (a manifest of ``kind`` "fit" or "dose": the request with every input's
SHA-256, software versions, the numbers, the reason chain), ``report.html`` (self-contained,
escaped) and ``report.pdf`` (matplotlib), plus the plot as PNG. ``reproduce`` re-runs the
request and compares the numbers (:func:`reproduce_mipd`).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sbmltwin.mipd.run import DoseRequest, DoseRun, FitRequest, FitRun, run_dose, run_fit
from sbmltwin.pgx import inhibitor_table_version
from sbmltwin.provenance import sha256_bytes, software_versions
from sbmltwin.report.manifest import SCHEMA_VERSION, clean, write_manifest

__all__ = ["dose_results", "fit_results", "reproduce_mipd", "write_dose_report", "write_fit_report"]

CITATIONS = (
    "sbmltwin (see CITATION.cff)",
    "Beal SL. J Pharmacokinet Pharmacodyn 2001;28:481, doi:10.1023/A:1012299115260 (M3 for BLQ)",
    "FDA Drug Development and Drug Interactions tables (CYP inhibitors), "
    + inhibitor_table_version(),
    "Borges S et al. J Clin Pharmacol 2010;50:450, doi:10.1177/0091270009359182 (phenoconversion)",
    "Cicali EJ et al. Clin Pharmacol Ther 2021;110:677, doi:10.1002/cpt.2354 (phenoconversion)",
)


def fit_results(run: FitRun) -> dict[str, Any]:
    """The numbers of a fit (what ``reproduce`` compares)."""
    r = run.result
    out: dict[str, Any] = clean(
        {
            "estimates": [
                {
                    "id": e.sid,
                    "unit": e.unit,
                    "prior_median": e.typical,
                    "map": e.map,
                    "lower90": e.lower,
                    "upper90": e.upper,
                    "shrinkage": e.shrinkage,
                    "cv_percent": e.cv_percent,
                }
                for e in r.estimates
            ],
            "objective": r.objective,
            "prior_objective": r.prior_objective,
            "levels": [
                {
                    "line": lv.line,
                    "time": lv.time,
                    "output": lv.output,
                    "value": None if lv.blq else lv.value,
                    "blq": lv.blq,
                    "lloq": lv.lloq,
                    "individual": ipred,
                    "population": pred,
                }
                for lv, ipred, pred in zip(r.levels.rows, r.individual, r.population, strict=True)
            ],
            "twin": r.twin.to_dict(),
            "reasons": list(r.reasons),
            "warnings": list(r.warnings),
        }
    )
    return out


def dose_results(run: DoseRun) -> dict[str, Any]:
    """The numbers of a dose recommendation."""
    d = run.result
    out: dict[str, Any] = clean(
        {
            "target": d.target.text,
            "output": run.output,
            "twin_kind": d.twin_kind,
            "draws": d.draws,
            "recommended": d.recommended.regimen,
            "why": d.why,
            "candidates": [
                {
                    "regimen": c.regimen,
                    "dose": c.dose,
                    "interval": c.interval,
                    "count": c.count,
                    "pta": c.pta,
                    "p05": c.p05,
                    "p50": c.p50,
                    "p95": c.p95,
                    "failed": c.failed,
                }
                for c in d.candidates
            ],
            "reasons": list(run.twin.reasons),
            "notes": list(d.notes) + list(run.twin.notes),
        }
    )
    return out


def _manifest(
    kind: str, request: Mapping[str, Any], files: Mapping[str, Path], results: Any
) -> dict[str, Any]:
    inputs = {
        name: {"path": str(p.resolve()), "sha256": sha256_bytes(p.read_bytes())}
        for name, p in files.items()
    }
    out: dict[str, Any] = clean(
        {
            "schema_version": SCHEMA_VERSION,
            "tool": "sbmltwin",
            "kind": kind,
            "command": kind,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "request": dict(request),
            "inputs": inputs,
            "versions": software_versions(),
            "seed": request.get("seed"),
            "results": results,
            "citations": list(CITATIONS),
        }
    )
    return out


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


def _html(title: str, manifest: Mapping[str, Any], table: str, png: Path) -> str:
    img = base64.b64encode(png.read_bytes()).decode("ascii")
    res = manifest["results"]
    reasons = "".join(f"<li>{html.escape(str(x))}</li>" for x in res.get("reasons", []))
    notes = "".join(
        f"<li>{html.escape(str(x))}</li>" for x in res.get("warnings", []) + res.get("notes", [])
    )
    inputs = "".join(
        f"<li>{html.escape(k)}: {html.escape(v['path'])} (SHA-256 {html.escape(v['sha256'][:16])}…)</li>"
        for k, v in manifest["inputs"].items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        + html.escape(title)
        + "</title><style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "td,th{padding:2px 8px;text-align:right}th{background:#eee}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{table}"
        f"<img alt='plot' src='data:image/png;base64,{img}'>"
        f"<h2>How this was computed</h2><ul>{reasons}</ul>"
        + (f"<h2>Warnings and notes</h2><ul>{notes}</ul>" if notes else "")
        + f"<h2>Inputs</h2><ul>{inputs}</ul>"
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
    """fit.png, twin.json, report.json, report.html (and report.pdf) in ``out_dir``."""
    out = Path(out_dir)
    results = fit_results(run)
    manifest = _manifest("fit", run.request.to_dict(), run.files, results)
    written = {"json": write_manifest(manifest, out / "report.json")}
    png = plot_fit(run, out / "fit.png")
    written["png"] = png
    header = ["parameter", "unit", "prior median", "MAP", "90 % low", "90 % high", "shrinkage"]
    rows = [
        [
            e["id"],
            e["unit"],
            _g(e["prior_median"]),
            _g(e["map"]),
            _g(e["lower90"]),
            _g(e["upper90"]),
            _g(e["shrinkage"]),
        ]
        for e in results["estimates"]
    ]
    title = f"sbmltwin fit: twin {run.result.twin.twin_id}"
    (out / "report.html").write_text(_html(title, manifest, _rows(header, rows), png), "utf-8")
    written["html"] = out / "report.html"
    if pdf:
        lines = ["  ".join(header)] + ["  ".join(r) for r in rows] + [""] + results["reasons"]
        written["pdf"] = _pdf(out / "report.pdf", png, lines + results["warnings"], title)
    return written


def write_dose_report(run: DoseRun, out_dir: str | Path, *, pdf: bool = True) -> dict[str, Path]:
    """dose.png, report.json, report.html (and report.pdf) in ``out_dir``."""
    out = Path(out_dir)
    results = dose_results(run)
    manifest = _manifest("dose", run.request.to_dict(), run.files, results)
    written = {"json": write_manifest(manifest, out / "report.json")}
    png = plot_dose(run, out / "dose.png")
    written["png"] = png
    unit = run.result.target.unit
    header = ["regimen", "P(target)", f"median [{unit}]", "5 %", "95 %"]
    rows = [
        [c["regimen"], f"{c['pta']:.3f}", _g(c["p50"]), _g(c["p05"]), _g(c["p95"])]
        for c in results["candidates"]
    ]
    title = f"sbmltwin dose: {run.result.target.text}"
    table = f"<p><b>Recommended:</b> {html.escape(results['why'])}</p>" + _rows(header, rows)
    (out / "report.html").write_text(_html(title, manifest, table, png), "utf-8")
    written["html"] = out / "report.html"
    if pdf:
        lines = [results["why"], "", "  ".join(header)] + ["  ".join(r) for r in rows[:20]]
        written["pdf"] = _pdf(out / "report.pdf", png, lines + results["notes"], title)
    return written


def reproduce_mipd(manifest: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """(changed inputs, new results) of a fit or dose manifest, re-run from its request."""
    changed = []
    for name, entry in manifest.get("inputs", {}).items():
        p = Path(entry["path"])
        if not p.is_file():
            changed.append(f"{name} {p}: missing")
        elif sha256_bytes(p.read_bytes()) != entry["sha256"]:
            changed.append(f"{name} {p}: SHA-256 changed (was {entry['sha256'][:12]}…)")
    if manifest["kind"] == "fit":
        return changed, fit_results(run_fit(FitRequest.from_dict(manifest["request"])))
    return changed, dose_results(run_dose(DoseRequest.from_dict(manifest["request"])))
