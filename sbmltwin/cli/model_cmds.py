"""Commands on one model: check, info, simulate."""

from __future__ import annotations

import click

from sbmltwin._io import atomic_write, check_output
from sbmltwin.cli._base import _load, _time_arg, cli
from sbmltwin.errors import SbmlTwinError, Severity, UnitError
from sbmltwin.model import require_simulatable
from sbmltwin.units import ModelUnit, parse_quantity


@cli.command()
@click.argument("model_ref", metavar="MODEL")
@click.option("--practice", is_flag=True, help="Also run libsbml's modeling-practice checks.")
@click.option("--no-units", is_flag=True, help="Skip libsbml's unit-consistency checks.")
@click.option(
    "--bindings",
    "bindings_path",
    type=click.Path(dir_okay=False),
    help="Also check these bindings against MODEL, and the effect of their doses and genes.",
)
def check(model_ref: str, practice: bool, no_units: bool, bindings_path: str | None) -> int:
    """Check MODEL: libsbml consistency (units included) and the pre-flight lint.

    Exits 2 when the model has errors or uses SBML features sbmltwin cannot simulate correctly.
    With --bindings: the bindings must fit the model (ids, units), and each dosing target and
    gene binding must be able to move the bindings' [outputs] (warnings otherwise).

    \b
    Example:
      sbmltwin check example:theophylline_oral
    """
    from sbmltwin.engine.boundary import check_untrusted

    model = _load(model_ref)
    issues = check_untrusted(model, units=not no_units, practice=practice)
    for issue in issues:
        click.echo(str(issue))
    errors = sum(i.severity is Severity.ERROR for i in issues)
    warnings = sum(i.severity is Severity.WARNING for i in issues)
    if errors:
        click.echo(f"{model.source}: {errors} error(s), {warnings} warning(s)")
        require_simulatable(model, issues)  # raises with the first error named
    # what simulate refuses before integrating, check refuses too: compiling is the last step
    from sbmltwin.engine import compile_model

    try:
        compile_model(model)
    except SbmlTwinError:
        click.echo(f"{model.source}: 1 error(s), {warnings} warning(s)")
        raise
    notes: tuple[str, ...] = ()
    if bindings_path is not None:
        from sbmltwin.engine import check_effects
        from sbmltwin.personalize import load_bindings, validate_bindings

        bindings = load_bindings(bindings_path)
        validate_bindings(bindings, model)
        notes = check_effects(model, bindings)
        for line in notes:
            click.echo(f"warning: {line}")
    click.echo(f"{model.source}: {errors} error(s), {warnings + len(notes)} warning(s)")
    return 0


@cli.command()
@click.argument("model_ref", metavar="MODEL")
@click.option("--kind", help="Only elements of this kind (species, parameter, compartment, …).")
def info(model_ref: str, kind: str | None) -> None:
    """List MODEL's elements with their ids, names, values and units.

    \b
    Example:
      sbmltwin info example:theophylline_oral --kind parameter
    """
    import pandas as pd

    model = _load(model_ref, vet=False)
    table = model.table()
    if kind:
        table = table[table["kind"] == kind]
    click.echo(
        f"{model.source}  SBML L{model.level}V{model.version}  model '{model.model_id}'  "
        f"time unit: {model.time_unit.text}  sha256: {model.sha256[:16]}…"
    )
    with pd.option_context(
        "display.max_rows", None, "display.max_colwidth", 60, "display.width", 160
    ):
        click.echo(table.to_string(index=False, na_rep="") if len(table) else "(no elements)")


@cli.command()
@click.argument("model_ref", metavar="MODEL")
@click.option(
    "--end",
    "end_text",
    required=True,
    help="End time with a unit, e.g. '24h' (plain number: model time).",
)
@click.option("--start", "start_text", default="0", show_default=True, help="Start time.")
@click.option(
    "--points",
    default=101,
    show_default=True,
    type=click.IntRange(2, 10_000_000),
    help="Output points, start and end included.",
)
@click.option(
    "--dose",
    "doses",
    multiple=True,
    help="A dose, e.g. '100 mg oral into A_gut at 0h every 12h x3'. Repeatable.",
)
@click.option(
    "--target", help="Dose target (species or parameter id) for doses without 'into SID'."
)
@click.option(
    "--mw", help="Molecular weight for mass↔amount conversion of doses, e.g. '180.16 g/mol'."
)
@click.option(
    "--select",
    "select",
    help="Comma-separated outputs: S (amount), [S] (concentration), parameter ids, or names "
    "of the bindings' [outputs]; each may add a unit: '[C_plasma] [ng/mL]'.",
)
@click.option("--time-unit-out", help="Unit of the time column in the output, e.g. 'h'.")
@click.option("--atol", type=float, help="CVODE absolute tolerance (default: libroadrunner's).")
@click.option("--rtol", type=float, help="CVODE relative tolerance (default: libroadrunner's).")
@click.option("--time-unit", help="Unit of model time, for models that declare none (e.g. 'h').")
@click.option(
    "--backend",
    type=click.Choice(["lljit", "mcjit"]),
    default="lljit",
    show_default=True,
    help="LLVM JIT backend.",
)
@click.option(
    "--opt",
    type=click.Choice(["none", "less", "default", "aggressive"]),
    default="none",
    show_default=True,
    help="LLVM optimisation level.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    show_default=True,
    help="CSV file (headers carry units); '-' for stdout.",
)
@click.option("--plot", type=click.Path(dir_okay=False), help="Also write a PNG plot here.")
@click.option(
    "--self-check",
    is_flag=True,
    help="Re-run on a 4× finer grid with 100× tighter tolerances; report the largest relative change.",
)
@click.option(
    "--profile",
    "profile_path",
    type=click.Path(dir_okay=False),
    help="Twin profile (TOML/JSON): simulate this twin (needs --bindings).",
)
@click.option(
    "--bindings",
    "bindings_path",
    type=click.Path(dir_okay=False),
    help="Bindings (TOML): which ids the profile drives; also default dose targets.",
)
def simulate(
    model_ref: str,
    end_text: str,
    start_text: str,
    points: int,
    doses: tuple[str, ...],
    target: str | None,
    mw: str | None,
    select: str | None,
    time_unit_out: str | None,
    atol: float | None,
    rtol: float | None,
    time_unit: str | None,
    backend: str,
    opt: str,
    output: str,
    plot: str | None,
    profile_path: str | None,
    bindings_path: str | None,
    self_check: bool,
) -> None:
    """Check, compile and simulate MODEL; write a CSV whose headers carry units.

    \b
    Example (the shipped theophylline model, 320 mg twice a day for two days):
      sbmltwin simulate example:theophylline_oral --end 48h --points 481 \\
        --dose "320 mg oral into A_gut at 0h every 12h x4" -o theo.csv --plot theo.png

    With --profile and --bindings the run is that twin's (see 'sbmltwin personalize'). The
    bindings alone give default dose targets, the molecular weight and named outputs.
    Outputs can be asked for in any unit: --select "[C_plasma] [ng/mL]" --time-unit-out h.
    """
    from sbmltwin.engine import (
        CompileSettings,
        IntegratorSettings,
        default_outputs,
        parse_regimen,
        prepare_run,
    )
    from sbmltwin.engine.effects import check_binding_effects
    from sbmltwin.engine.outputs import convert_result, parse_output_requests

    if output != "-":
        check_output(output, what="--output")
    if plot:
        check_output(plot, suffixes=(".png", ".svg", ".pdf"), what="--plot")
    model = _load(model_ref)
    for warning in require_simulatable(model):
        if warning.category == "preflight":
            click.echo(f"sbmltwin: warning: {warning}", err=True)
    if profile_path is not None and bindings_path is None:
        raise click.UsageError("--profile needs --bindings")
    bindings = profile = None
    if bindings_path is not None:
        from sbmltwin.personalize import load_bindings, load_profile, validate_bindings

        bindings = load_bindings(bindings_path)
        validate_bindings(bindings, model)
        if profile_path is not None:
            profile = load_profile(profile_path)
    tunit = model.time_unit
    if time_unit is not None:
        if model.time_unit.declared:
            raise UnitError(
                f"the model declares its time unit ({model.time_unit.text})",
                where="--time-unit",
                hint="leave --time-unit out",
            )
        q = parse_quantity(f"1 {time_unit}", where="--time-unit")
        tunit = ModelUnit(time_unit, f"1 {q.units}")
    start = _time_arg(start_text, tunit, "--start")
    end = _time_arg(end_text, tunit, "--end")
    requests = (
        parse_output_requests(
            [s for s in select.split(",") if s.strip()],
            named=bindings.outputs if bindings is not None else None,
            molecular_weight=mw,
        )
        if select
        else ()
    )
    outputs = list(dict.fromkeys(r.selection for r in requests)) if requests else None
    checked = outputs if outputs is not None else list(default_outputs(model))
    prepared = prepare_run(
        model,
        parse_regimen(doses),
        bindings=bindings,
        profile=profile,
        target=target,
        molecular_weight=mw,
        time_unit=tunit,
        compile_settings=CompileSettings(backend=backend, optimization=opt),  # type: ignore[arg-type]
        outputs=checked,
    )
    if prepared.pset is not None:
        click.echo(prepared.pset.explain(), err=True)
    for line in prepared.setup.warnings:
        click.echo(f"sbmltwin: warning: {line}", err=True)
    integrator = IntegratorSettings(absolute_tolerance=atol, relative_tolerance=rtol)
    result = prepared.simulate(
        start=start, end=end, points=points, outputs=outputs, integrator=integrator
    )
    if prepared.pset is not None and prepared.setup.events:
        effects = prepared.binding_effects(
            end=end, points=points, outputs=checked, integrator=integrator
        )
        for line in check_binding_effects(effects):
            click.echo(f"sbmltwin: warning: {line}", err=True)
    if self_check:
        from sbmltwin.engine.selfcheck import self_check as run_self_check

        check = run_self_check(
            lambda n, integ: prepared.simulate(
                start=start, end=end, points=n, outputs=outputs, integrator=integ
            ),
            result,
            integrator,
        )
        click.echo(str(check), err=True)
    if start != 0 and model.ids("event"):
        click.echo(
            "sbmltwin: warning: the model has events and --start is not 0: triggers are first "
            "evaluated at --start, not at time 0",
            err=True,
        )
    if requests or time_unit_out:
        result = convert_result(
            result, model, requests, time_unit=tunit, time_unit_out=time_unit_out
        )
    if output == "-":
        click.echo(result.to_csv(), nl=False)
    else:
        atomic_write(output, result.to_csv)
        click.echo(
            f"wrote {output} ({len(result.frame)} rows × {len(result.frame.columns)} columns)",
            err=True,
        )
    if plot:
        from sbmltwin._plot import plot_result

        atomic_write(plot, lambda tmp: plot_result(result, tmp, title=model.model_id))
        click.echo(f"wrote {plot}", err=True)
