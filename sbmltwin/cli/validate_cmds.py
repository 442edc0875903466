"""Clinical validation, reports, reproduce, OMEX export and the demo."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sbmltwin.cli._base import cli
from sbmltwin.errors import SbmlTwinError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sbmltwin.report.manifest import Manifest, SkippedCase


def _run_validation(
    paths: tuple[str, ...],
    out_dir: str,
    *,
    html: bool,
    pdf: bool,
    command: str,
    workers: int | None = None,
) -> tuple[Manifest, dict[str, Path]]:
    import sys

    from sbmltwin.engine.solver_log import SOLVER_PREFIX
    from sbmltwin.report import build_manifest, write_report
    from sbmltwin.report.manifest import SkippedCase
    from sbmltwin.validate.cases import find_cases, load_case, split_by_model, validation_dir
    from sbmltwin.validate.results import ValidationCaseResult, ValidationRun
    from sbmltwin.validate.run import run_cases

    roots = paths or (str(validation_dir()),)
    files = [f for root in roots for f in find_cases(root)]
    if not files:
        raise SbmlTwinError("no validation cases (*.toml) found", where=", ".join(roots))
    cases = [load_case(f) for f in files]
    skipped: list[SkippedCase] = []
    if not paths:  # the shipped library: cases of models still to be built are skipped, said so
        cases, missing = split_by_model(cases)
        skipped = [
            SkippedCase(str(c.path), c.model, f"model file missing: {c.model_path}")
            for c in missing
        ]
        if skipped:
            click.echo(_skipped_line(skipped), err=True)
        if not cases:
            raise SbmlTwinError("no validation case has its model", where=", ".join(roots))
    show = sys.stderr.isatty()

    def done(count: int, result: ValidationCaseResult) -> None:
        if show:
            click.echo(f"[{count}/{len(cases)}] {result.id} done", err=True)

    results = run_cases(cases, sensitivity=True, workers=workers, on_done=done)
    noisy = [r.id for r in results if any(w.startswith(SOLVER_PREFIX) for w in r.warnings)]
    if noisy:  # counted per case, one line per kind; said once here, not line by line
        named = ", ".join(noisy[:5]) + (f" and {len(noisy) - 5} more" if len(noisy) > 5 else "")
        click.echo(
            f"libroadrunner's CVODE printed solver messages in {len(noisy)} case(s) ({named}); "
            "they are counted, one line per kind, in each case's warnings in the report",
            err=True,
        )
    run = ValidationRun.of(results)
    manifest = build_manifest(cases, run, command=command, out_dir=out_dir, skipped=skipped)
    written = write_report(manifest, out_dir, html=html, pdf=pdf)
    return manifest, written


_WORKERS = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for the cases (default: all cores; 1 = serial, in this process). "
    "The report is the same for any number.",
)


def _skipped_line(skipped: Sequence[SkippedCase]) -> str:
    counts: dict[str, int] = {}
    for s in skipped:
        counts[s.model] = counts.get(s.model, 0) + 1
    models = ", ".join(f"{m} ({n})" for m, n in sorted(counts.items()))
    return (
        f"skipped {len(skipped)} case(s) whose model is not in the library yet "
        f"(model_library/<model>/model.xml missing): {models}"
    )


def _print_verdicts(manifest: Manifest) -> None:
    def fmt(x: float) -> str:
        return "—" if math.isnan(x) else f"{x:.3g}"

    click.echo(
        f"{'case':<16} {'role':<10} {'groups':>6} {'GMFE AUC':>9} {'GMFE Cmax':>9} {'ratios':>7}  verdict"
    )
    for c in manifest.results.cases:
        ratios = f"{sum(r.within for r in c.ratios)}/{len(c.ratios)}" if c.ratios else "—"
        click.echo(
            f"{c.id:<16} {c.role:<10} {len(c.groups):>6} {fmt(c.metrics.auc.gmfe):>9} "
            f"{fmt(c.metrics.cmax.gmfe):>9} {ratios:>7}  {'PASS' if c.passed else 'FAIL'}"
        )
    if manifest.skipped:
        click.echo(_skipped_line(manifest.skipped))
    library = manifest.results.library
    if library is not None and library.models:
        from sbmltwin.validate.library import figures_line

        click.echo(
            "per model, validation cases only (targets: genotype AUC ratios within Guest "
            "≥ 80 %, genotype-defined groups within 2-fold ≥ 70 %, AUC+Cmax GMFE ≤ 1.6):"
        )
        for name, f in library.models.items():
            click.echo("  " + figures_line(name, f))
        click.echo("  " + figures_line("library", library.library))
    o = manifest.results.overall
    for label, m in (("overall", o), ("validation cases only", o.validation_only)):
        if m is not None:
            click.echo(
                f"{label}: {m.cases_passed}/{m.cases} cases pass; AUC+Cmax GMFE "
                f"{fmt(m.auc_and_cmax.gmfe)}, {fmt(m.auc_and_cmax.within_2)}% within "
                f"2-fold; groups within fold {fmt(m.groups_within_fold_percent)}% "
                f"({m.groups} groups); ratios within Guest limits "
                f"{m.ratios_within_guest}/{m.ratios}"
            )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="report",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Report folder.",
)
@click.option("--no-pdf", is_flag=True, help="Skip report.pdf.")
@click.option("--no-html", is_flag=True, help="Skip report.html.")
@_WORKERS
def validate(
    paths: tuple[str, ...], out_dir: str, no_pdf: bool, no_html: bool, workers: int | None
) -> int:
    """Validate models against observed clinical data; write report.html/.pdf/.json.

    PATHS are case files or folders of them (default: the shipped validation/). Exits 3 when
    any case fails its acceptance criteria.

    \b
    Example:
      sbmltwin validate validation/ -o report/
    """
    manifest, written = _run_validation(
        paths,
        out_dir,
        html=not no_html,
        pdf=not no_pdf,
        command="sbmltwin validate " + " ".join(paths or ("<shipped validation>",)),
        workers=workers,
    )
    _print_verdicts(manifest)
    for path in written.values():
        click.echo(f"wrote {path}", err=True)
    o = manifest.results.overall
    return 0 if o.cases_passed == o.cases else 3


@cli.command()
@click.argument("manifest_path", metavar="REPORT", type=click.Path(dir_okay=False))
@_WORKERS
def reproduce(manifest_path: str, workers: int | None) -> int:
    """Re-run everything REPORT names and compare every number.

    REPORT is a report.json in its report folder, or a COMBINE archive written by export-omex.
    The inputs are the copies the report carries, so the original files are not needed.
    Exits 0 when all match (|new − old| ≤ 1e-12 + 1e-6·|old|), 3 when any input or number
    differs (listed), 2 on bad input.

    \b
    Example:
      sbmltwin reproduce sbmltwin-demo/report.json
      sbmltwin reproduce run.omex
    """
    from sbmltwin.report import reproduce as run_reproduce

    found = run_reproduce(manifest_path, workers=workers)
    for line in found.changed_inputs:
        click.echo(f"input changed: {line}")
    for line in found.differences[:50]:
        click.echo(f"differs: {line}")
    if len(found.differences) > 50:
        click.echo(f"… and {len(found.differences) - 50} more differences")
    click.echo(
        f"{found.compared} values compared: "
        + (
            "all match"
            if found.matches
            else f"{len(found.differences)} differ, {len(found.changed_inputs)} input(s) changed"
        )
    )
    return 0 if found.matches else 3


@cli.command("export-omex")
@click.argument("manifest_path", metavar="REPORT_JSON", type=click.Path(dir_okay=False))
@click.option(
    "-o", "--output", default="validation.omex", show_default=True, type=click.Path(dir_okay=False)
)
def export_omex_cmd(manifest_path: str, output: str) -> None:
    """Write a COMBINE archive (SBML, SED-ML, data, manifest) for a validation run.

    \b
    Example:
      sbmltwin export-omex sbmltwin-demo/report.json -o dextromethorphan.omex
    """
    from sbmltwin.report import export_omex

    click.echo(f"wrote {export_omex(manifest_path, output)}")


@cli.command()
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="sbmltwin-demo",
    show_default=True,
    type=click.Path(file_okay=False),
)
@_WORKERS
def demo(out_dir: str, workers: int | None) -> None:
    """The main job: validate the model library against the shipped clinical data.

    Writes report.html, report.pdf and report.json into sbmltwin-demo/ and prints the verdicts.

    \b
    Example:
      sbmltwin demo
    """
    manifest, written = _run_validation(
        (), out_dir, html=True, pdf=True, command="sbmltwin demo", workers=workers
    )
    _print_verdicts(manifest)
    click.echo(f"report: {written.get('html', written['json']).resolve()}")
