"""Precision-dosing commands: fit (Bayesian individualization from levels) and dose."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sbmltwin.cli._base import cli

_COMMON = [
    click.option("--bindings", "bindings", required=True, type=click.Path(dir_okay=False)),
    click.option("--profile", "profile", required=True, type=click.Path(dir_okay=False)),
    click.option(
        "--population",
        "population",
        required=True,
        type=click.Path(dir_okay=False),
        help="Population spec (TOML): its [iiv] CV % become log-normal priors.",
    ),
]


F = TypeVar("F", bound=Callable[..., Any])


def _common(f: F) -> F:
    for option in reversed(_COMMON):
        f = option(f)
    return f


def _model_ref(model_ref: str | None, bindings: str) -> str:
    if model_ref is not None:
        return model_ref
    from sbmltwin.personalize import load_bindings

    b = load_bindings(bindings)
    if b.model_path is None:
        raise click.UsageError('give MODEL, or name it in the bindings ([model] sbml = "...")')
    return str(b.model_path)


def _errors(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, spec = item.partition("=")
        if not sep or not name.strip() or not spec.strip():
            raise click.UsageError(f"--error {item!r}: write OUTPUT='0.05 mg/L + 15%'")
        out[name.strip()] = spec.strip()
    return out


@cli.command()
@click.argument("model_ref", metavar="[MODEL]", required=False)
@_common
@click.option("--levels", required=True, type=click.Path(dir_okay=False), help="Levels CSV.")
@click.option("--dose", "doses", multiple=True, required=True, help="Doses given (dose grammar).")
@click.option(
    "--error",
    "errors",
    multiple=True,
    required=True,
    help="Residual error per output: OUTPUT='0.05 mg/L + 15%' (additive + proportional).",
)
@click.option("--starts", default=4, show_default=True, help="Optimizer starts.")
@click.option("--seed", default=0, show_default=True, help="Seed of the starts and draws.")
@click.option("--draws", default=200, show_default=True, help="Draws for the 90 % band.")
@click.option("-o", "--output", "out_dir", default="sbmltwin-fit", show_default=True)
@click.option("--no-pdf", is_flag=True, help="Skip report.pdf.")
def fit(
    model_ref: str | None,
    bindings: str,
    profile: str,
    population: str,
    levels: str,
    doses: tuple[str, ...],
    errors: tuple[str, ...],
    starts: int,
    seed: int,
    draws: int,
    out_dir: str,
    no_pdf: bool,
) -> None:
    """Fit the twin of --profile to measured levels: the MAP twin with 90 % intervals.

    Writes to -o: twin.xml (the fitted twin as SBML, usable as MODEL by every command),
    twin.json (the twin with its uncertainty, for 'sbmltwin dose --twin'), fit.png,
    report.html/.pdf/.json ('sbmltwin reproduce report.json' re-runs it).

    \b
    Example:
      sbmltwin fit example:theophylline_oral --bindings b.toml --profile p.toml \\
        --population pop.toml --levels levels.csv --dose "320 mg oral every 12h x4" \\
        --error plasma="0.1 mg/L + 10%" -o fit/
    """
    import json

    from sbmltwin.mipd.run import FitRequest, run_fit
    from sbmltwin.model import require_simulatable
    from sbmltwin.personalize import inject
    from sbmltwin.report.mipd import write_fit_report

    req = FitRequest(
        model=_model_ref(model_ref, bindings),
        bindings=bindings,
        profile=profile,
        population=population,
        levels=levels,
        doses=doses,
        errors=_errors(errors),
        starts=starts,
        seed=seed,
        draws=draws,
    )
    run = run_fit(req)
    r = run.result
    out = Path(out_dir)
    written = write_fit_report(run, out, pdf=not no_pdf)
    twin_model = inject(run.model, r.twin.parameter_set())
    require_simulatable(twin_model)
    (out / "twin.xml").write_text(twin_model.sbml, encoding="utf-8")
    (out / "twin.json").write_text(json.dumps(r.twin.to_dict(), indent=1), encoding="utf-8")
    click.echo("parameter\tunit\tprior median\tMAP\t90% low\t90% high\tshrinkage")
    for e in r.estimates:
        click.echo(
            f"{e.sid}\t{e.unit}\t{e.typical:.4g}\t{e.map:.4g}\t{e.lower:.4g}\t{e.upper:.4g}"
            f"\t{e.shrinkage:.2f}"
        )
    click.echo("")
    for line in r.reasons:
        click.echo(line)
    for w in r.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(
        f"fit in {r.seconds:.2f} s; wrote {out / 'twin.xml'}, {out / 'twin.json'}, "
        f"{', '.join(str(p) for p in written.values())}",
        err=True,
    )


@cli.command()
@click.argument("model_ref", metavar="[MODEL]", required=False)
@_common
@click.option("--target", required=True, help="e.g. 'AUC0-24h 400-600 mg*h/L'.")
@click.option("--doses", "doses", required=True, help="Allowed amounts: '100,200,300 mg'.")
@click.option("--intervals", required=True, help="Allowed intervals: '12h,24h'.")
@click.option("--twin", "twin", type=click.Path(dir_okay=False), help="twin.json from 'fit'.")
@click.option("--output-name", "output", help="Output the target is on (default: the first).")
@click.option("--route", default="oral", show_default=True)
@click.option("--given", "history", multiple=True, help="Doses already given (dose grammar).")
@click.option("--start", default="0 h", show_default=True, help="When the new regimen starts.")
@click.option("--count", type=int, help="Doses per regimen (default: cover the target window).")
@click.option("--horizon", help="Simulated span for Cmax/Cmin targets without a window.")
@click.option("--draws", default=500, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--mw", help="Molecular weight for mass↔amount targets (default: the dose's).")
@click.option("-o", "--output", "out_dir", default="sbmltwin-dose", show_default=True)
@click.option("--no-pdf", is_flag=True)
def dose(
    model_ref: str | None,
    bindings: str,
    profile: str,
    population: str,
    target: str,
    doses: str,
    intervals: str,
    twin: str | None,
    output: str | None,
    route: str,
    history: tuple[str, ...],
    start: str,
    count: int | None,
    horizon: str | None,
    draws: int,
    seed: int,
    mw: str | None,
    out_dir: str,
    no_pdf: bool,
) -> None:
    """Rank regimens by the probability of reaching --target under the twin's uncertainty.

    Without --twin the twin is the prior (genotype + covariates + population IIV); with the
    twin.json of 'sbmltwin fit' it is the fitted posterior.

    \b
    Example:
      sbmltwin dose example:theophylline_oral --bindings b.toml --profile p.toml \\
        --population pop.toml --twin fit/twin.json --target "AUC0-24h 150-250 mg*h/L" \\
        --doses "200,300,400 mg" --intervals "12h,24h" -o dose/
    """
    from sbmltwin.mipd.run import DoseRequest, run_dose
    from sbmltwin.report.mipd import write_dose_report

    amounts = _amounts(doses)
    req = DoseRequest(
        model=_model_ref(model_ref, bindings),
        bindings=bindings,
        profile=profile,
        population=population,
        target=target,
        doses=amounts,
        intervals=tuple(i.strip() for i in intervals.split(",") if i.strip()),
        output=output,
        twin=twin,
        route=route,
        history=history,
        start=start,
        count=count,
        horizon=horizon,
        draws=draws,
        seed=seed,
        mw=mw,
    )
    run = run_dose(req)
    d = run.result
    written = write_dose_report(run, out_dir, pdf=not no_pdf)
    click.echo(f"regimen\tP(target)\tmedian [{d.target.unit}]\t5%\t95%")
    for c in d.candidates:
        click.echo(f"{c.regimen}\t{c.pta:.3f}\t{c.p50:.4g}\t{c.p05:.4g}\t{c.p95:.4g}")
    click.echo(f"\nrecommended: {d.why}")
    for line in run.twin.reasons:
        click.echo(f"twin: {line}")
    for n in d.notes:
        click.echo(f"note: {n}", err=True)
    click.echo(f"wrote {', '.join(str(p) for p in written.values())}", err=True)


def _amounts(text: str) -> tuple[str, ...]:
    """'100,200,300 mg' → ('100 mg', '200 mg', '300 mg'); '100 mg, 0.2 g' as given."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise click.UsageError("--doses: give amounts, e.g. '100,200,300 mg'")
    unit = parts[-1].split(maxsplit=1)[1] if len(parts[-1].split(maxsplit=1)) == 2 else ""
    return tuple(p if len(p.split(maxsplit=1)) == 2 else f"{p} {unit}".strip() for p in parts)
