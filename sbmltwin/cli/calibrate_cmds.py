"""Calibration: ``sbmltwin calibrate SPEC.toml`` (fit named parameters on training cases)."""

from __future__ import annotations

import sys

import click

from sbmltwin.cli._base import cli


@cli.command()
@click.argument("spec_file", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    default=None,
    help="Result JSON (default: the spec's output, calibration.json).",
)
@click.option("--max-evaluations", type=int, default=None, help="Override the spec's limit.")
@click.option("--max-seconds", type=float, default=None, help="Override the spec's time limit.")
def calibrate(
    spec_file: str, output: str | None, max_evaluations: int | None, max_seconds: float | None
) -> None:
    """Fit the parameters SPEC_FILE names to its TRAINING cases (log scale, bounded).

    Every case must have role = "training"; a validation case is refused (exit 2). The
    objective is the sum over (case, group, output) of the mean squared log residual; the
    result (objective, start and end values, per-series RMS log residuals, case hashes) is
    written as JSON. Values are not written back into the model: cite the JSON in the
    compound file and rebuild.

    \b
    Example:
      sbmltwin calibrate model_library/atomoxetine/calibration.toml
    """
    import dataclasses

    from sbmltwin.validate.calibrate import calibrate as run
    from sbmltwin.validate.calibrate import load_calibration_spec, write_calibration

    spec = load_calibration_spec(spec_file)
    if max_evaluations is not None:
        spec = dataclasses.replace(spec, max_evaluations=max(1, max_evaluations))
    if max_seconds is not None:
        spec = dataclasses.replace(spec, max_seconds=max_seconds)
    show = sys.stderr.isatty()

    def progress(n: int, best: float) -> None:
        if show and n % 10 == 0:
            click.echo(f"\r  {n} evaluations, best objective {best:.6g}", err=True, nl=False)

    result = run(spec, progress=progress)
    if show:
        click.echo("", err=True)
    path = write_calibration(result, output)
    click.echo(f"training cases: {', '.join(c.id for c in result.cases)}")
    click.echo(
        f"objective {result.objective_start:.6g} → {result.objective_end:.6g} "
        f"({result.evaluations} evaluations, {result.seconds:.0f} s; {result.message})"
    )
    for p in spec.free:
        click.echo(f"  {p.name:32s} {result.start[p.name]:12.6g} → {result.end[p.name]:.6g}")
    for t in spec.tied:
        click.echo(
            f"  {t.name:32s} = {t.factor:g} × {t.parameter} = {t.factor * result.end[t.parameter]:.6g}"
        )
    for s in result.series:
        click.echo(
            f"  {s.case}:{s.group}:{s.output:12s} RMS log residual "
            f"{s.rms_log_start:.3f} → {s.rms_log_end:.3f} (n={s.n})"
        )
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {path}")
