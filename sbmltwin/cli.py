"""The ``sbmltwin`` command line (click). The only place that turns errors into exit codes.

Exit codes: 0 success; 2 bad input or usage (an ``SbmlTwinError``: one line on stderr,
``sbmltwin: error: …``); 3 "ran fine, verdict failed" (later commands); 1 anything else.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from sbmltwin.errors import SbmlTwinError, Severity, UnitError
from sbmltwin.model import Model, check_model, load_model, require_simulatable
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

EXIT_INPUT = 2


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(message: str) -> None:
    click.echo(f"sbmltwin: error: {_one_line(message)}", err=True)


class _Group(click.Group):
    """A click group whose errors are one ``sbmltwin: error: …`` line and exit code 2."""

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as err:
            cmd = err.ctx.command_path if err.ctx else "sbmltwin"
            _fail(f"{err.format_message()} (see '{cmd} --help')")
            code = EXIT_INPUT
        except SbmlTwinError as err:
            _fail(str(err))
            code = EXIT_INPUT
        except click.ClickException as err:
            _fail(err.format_message())
            code = err.exit_code
        except click.Abort:
            click.echo("Aborted.", err=True)
            code = 1
        else:
            code = rv if isinstance(rv, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sbmltwin")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug) to stderr.")
def cli(verbose: int) -> None:
    """sbmltwin: personalized pharmacology digital twins from SBML models.

    MODEL arguments take an SBML (.xml), Antimony (.ant) or COMBINE archive (.omex) file,
    example:NAME for a model shipped with sbmltwin (example:theophylline_oral), or
    biomodels:BIOMD0000000012 (downloaded once, then cached; see SBMLTWIN_CACHE_DIR).
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _load(ref: str) -> Model:
    if ref.startswith("example:"):
        from sbmltwin.examples import example_path

        return load_model(example_path(ref.removeprefix("example:")))
    if ref.startswith("biomodels:"):
        from sbmltwin.model.biomodels import fetch_biomodel, parse_biomodels_ref

        return load_model(fetch_biomodel(parse_biomodels_ref(ref)))
    return load_model(ref)


@cli.command()
@click.argument("model_ref", metavar="MODEL")
@click.option("--practice", is_flag=True, help="Also run libsbml's modeling-practice checks.")
@click.option("--no-units", is_flag=True, help="Skip libsbml's unit-consistency checks.")
def check(model_ref: str, practice: bool, no_units: bool) -> int:
    """Check MODEL: libsbml consistency (units included) and the pre-flight lint.

    Exits 2 when the model has errors or uses SBML features sbmltwin cannot simulate correctly.

    \b
    Example:
      sbmltwin check example:theophylline_oral
    """
    model = _load(model_ref)
    issues = check_model(model, units=not no_units, practice=practice)
    for issue in issues:
        click.echo(str(issue))
    errors = sum(i.severity is Severity.ERROR for i in issues)
    warnings = sum(i.severity is Severity.WARNING for i in issues)
    click.echo(f"{model.source}: {errors} error(s), {warnings} warning(s)")
    if errors:
        require_simulatable(model, issues)  # raises with the first error named
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

    model = _load(model_ref)
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


def _time_arg(text: str, unit: ModelUnit, option: str) -> float:
    q = parse_quantity(text, where=option)
    if not q.unitless and not unit.declared:
        raise UnitError(
            f"{text!r} has a unit but the model declares no time unit",
            where=option,
            hint="give --time-unit (e.g. 'h') to say what the model's time means",
        )
    return to_model_units(q, unit, where=option)


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
    help="Comma-separated outputs: S (amount), [S] (concentration), parameter ids.",
)
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

    With --profile and --bindings the run is that twin's (see 'sbmltwin personalize').
    """
    from sbmltwin.engine import (
        CompileSettings,
        IntegratorSettings,
        add_infusion_inputs,
        compile_model,
        parse_regimen,
    )
    from sbmltwin.engine import (
        simulate as run,
    )

    model = _load(model_ref)
    for warning in require_simulatable(model):
        if warning.category == "preflight":
            click.echo(f"sbmltwin: warning: {warning}", err=True)
    params: dict[str, float] = {}
    default_target: str | dict[str, str] | None = target
    if (profile_path is None) != (bindings_path is None):
        raise click.UsageError("--profile and --bindings go together")
    if profile_path is not None and bindings_path is not None:
        from sbmltwin.personalize import load_bindings, load_profile, personalize

        bindings = load_bindings(bindings_path)
        pset = personalize(model, load_profile(profile_path), bindings)
        params = pset.as_dict()
        click.echo(pset.explain(), err=True)
        if target is None and bindings.dosing:
            default_target = bindings.dose_targets()
        if mw is None:
            mw = next(
                (d.molecular_weight for d in bindings.dosing.values() if d.molecular_weight), None
            )
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
    regimen = parse_regimen(doses)
    model = add_infusion_inputs(model, regimen.infusion_targets(default_target))
    outputs = [s.strip() for s in select.split(",") if s.strip()] if select else None
    compiled = compile_model(model, CompileSettings(backend=backend, optimization=opt))  # type: ignore[arg-type]
    result = run(
        compiled,
        params,
        regimen=regimen,
        start=start,
        end=end,
        points=points,
        outputs=outputs,
        integrator=IntegratorSettings(absolute_tolerance=atol, relative_tolerance=rtol),
        default_target=default_target,
        molecular_weight=mw,
        time_unit=tunit,
    )
    if self_check:
        from sbmltwin.engine.selfcheck import self_check as run_self_check

        check = run_self_check(
            lambda n, integ: run(
                compiled,
                params,
                regimen=regimen,
                start=start,
                end=end,
                points=n,
                outputs=outputs,
                integrator=integ,
                default_target=default_target,
                molecular_weight=mw,
                time_unit=tunit,
            ),
            result,
            IntegratorSettings(absolute_tolerance=atol, relative_tolerance=rtol),
        )
        click.echo(str(check), err=True)
    if start != 0 and model.ids("event"):
        click.echo(
            "sbmltwin: warning: the model has events and --start is not 0: triggers are first "
            "evaluated at --start, not at time 0",
            err=True,
        )
    if output == "-":
        click.echo(result.to_csv(), nl=False)
    else:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        result.to_csv(output)
        click.echo(
            f"wrote {output} ({len(result.frame)} rows × {len(result.frame.columns)} columns)",
            err=True,
        )
    if plot:
        from sbmltwin._plot import plot_result

        plot_result(result, plot, title=model.model_id)
        click.echo(f"wrote {plot}", err=True)


@cli.command()
@click.argument("gene")
@click.argument("diplotypes", nargs=-1)
@click.option(
    "--input",
    "input_file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="File with one diplotype per line ('-' for stdin; '#' starts a comment).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["tsv", "json"]), default="tsv", show_default=True
)
def genotype(gene: str, diplotypes: tuple[str, ...], input_file: str | None, fmt: str) -> None:
    """Activity score and phenotype of GENE DIPLOTYPE... from the packaged CPIC tables.

    \b
    Example:
      sbmltwin genotype CYP2D6 "*1/*4" "*1/*1x2" "*4/*36+*10"
    """
    import json

    from sbmltwin.pgx import call_genotype

    items = [(f"argument {i + 1}", d) for i, d in enumerate(diplotypes)]
    if input_file is not None:
        with click.open_file(input_file, encoding="utf-8") as stream:
            lines = stream.read().splitlines()
        items += [
            (f"{input_file} line {n}", line.strip())
            for n, line in enumerate(lines, 1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
    if not items:
        raise click.UsageError("give DIPLOTYPE arguments or --input FILE")
    rows = []
    for where, text in items:
        try:
            call = call_genotype(gene, text)
        except SbmlTwinError as err:
            err.where = f"{where}: {err.where}" if err.where else where
            raise
        rows.append(
            {
                "gene": call.gene,
                "diplotype": call.diplotype,
                "activity_score": call.activity_score,
                "phenotype": call.phenotype.value,
                "table_version": call.table_version,
            }
        )
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo("\t".join(rows[0]))
    for row in rows:
        cells = (
            "" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in row.values()
        )
        click.echo("\t".join(cells))


@cli.command()
@click.argument("model_ref", metavar="[MODEL]", required=False)
@click.option(
    "--profile",
    "profile_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Twin profile (TOML/JSON).",
)
@click.option(
    "--bindings",
    "bindings_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Bindings (TOML).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the personalized SBML here."
)
@click.option("--explain", is_flag=True, help="Show the reason chain of every change.")
def personalize(
    model_ref: str | None, profile_path: str, bindings_path: str, output: str | None, explain: bool
) -> None:
    """The parameter changes that make MODEL into the twin of --profile.

    MODEL may be left out when the bindings name it ([model] sbml = "...").
    Without --explain: one tab-separated line per change (id, old, new, unit).

    \b
    Example (files from the README's personalization section):
      sbmltwin personalize example:theophylline_oral --profile twin.toml \
        --bindings bindings.toml --explain -o twin.xml
    """
    from sbmltwin.personalize import inject, load_bindings, load_profile
    from sbmltwin.personalize import personalize as make_twin

    bindings = load_bindings(bindings_path)
    if model_ref is None:
        if bindings.model_path is None:
            raise click.UsageError('give MODEL, or name it in the bindings ([model] sbml = "...")')
        model_ref = str(bindings.model_path)
    model = _load(model_ref)
    profile = load_profile(profile_path)
    pset = make_twin(model, profile, bindings)
    if explain:
        click.echo(pset.explain())
    else:
        for c in pset.changes:
            click.echo(f"{c.sid}\t{c.old:.6g}\t{c.new:.6g}\t{c.unit}")
    if output:
        twin = inject(model, pset, profile=profile, bindings=bindings)
        require_simulatable(twin)
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(twin.sbml, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--cases", help="Case numbers: a range '1-1800' or a list '1,5,7-9' (default: all).")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False),
    help="Write every case and the counts as JSON.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(0, 256),
    help="Worker processes (0: in this process).",
)
@click.option(
    "--timeout",
    default=120.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Seconds per case.",
)
@click.option(
    "--self-check",
    is_flag=True,
    help="Also re-run each passing case on a finer grid with tighter tolerances.",
)
def testsuite(
    directory: str,
    cases: str | None,
    json_path: str | None,
    workers: int,
    timeout: float,
    self_check: bool,
) -> int:
    """Run SBML Test Suite semantic cases (DIRECTORY/NNNNN/) through sbmltwin.

    Each case ends as pass, fail (numbers differ), unsupported (refused by the pre-flight
    check, feature named) or error. Exits 3 when any case fails or errors.

    \b
    Example:
      sbmltwin testsuite ../shared/sbml-test-suite/semantic --cases 1-100 --workers 2 --json ts.json
    """
    import io
    import json
    import sys

    from sbmltwin.validate import case_dirs, parse_case_selection, run_suite, summarize

    root = Path(directory)
    if not root.is_dir():
        raise SbmlTwinError(
            "no such directory", where=directory, hint="give the suite's semantic/ folder"
        )
    dirs = case_dirs(root, parse_case_selection(cases) if cases else None)
    if not dirs:
        raise SbmlTwinError(
            "no case directories (NNNNN/) found",
            where=directory,
            hint="give the suite's semantic/ folder",
        )
    show = sys.stderr.isatty()
    with click.progressbar(
        length=len(dirs), label="SBML Test Suite", file=sys.stderr if show else io.StringIO()
    ) as bar:
        results = run_suite(
            dirs,
            workers=workers,
            timeout=timeout,
            self_check=self_check,
            progress=lambda r: bar.update(1),
        )
    summary = summarize(results)
    overall = summary["overall"]
    for r in results:
        if r.status in ("fail", "error"):
            click.echo(f"{r.case} {r.status}: {r.message}")
    click.echo(
        f"{overall['total']} cases: {overall['pass']} pass, {overall['fail']} fail, "
        f"{overall['unsupported']} unsupported, {overall['error']} error"
    )
    if summary["refused_features"]:
        refused = ", ".join(f"{k} ({v})" for k, v in summary["refused_features"].items())
        click.echo(f"refused features: {refused}")
    if self_check:
        checks = [r.self_check for r in results if r.self_check is not None]
        if checks:
            click.echo(
                f"self-check: largest relative change {max(checks):.3g} over {len(checks)} cases"
            )
    if json_path:
        payload = {
            "directory": str(root),
            "summary": summary,
            "cases": [r.to_dict() for r in results],
        }
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(payload, indent=1), encoding="utf-8")
        click.echo(f"wrote {json_path}", err=True)
    return 3 if overall["fail"] or overall["error"] else 0


def _run_validation(
    paths: tuple[str, ...], out_dir: str, *, html: bool, pdf: bool, command: str
) -> tuple[dict[str, Any], dict[str, Path]]:
    import sys

    from sbmltwin.report import build_manifest, write_report
    from sbmltwin.validate.cases import find_cases, load_case, overall, run_case, validation_dir

    roots = paths or (str(validation_dir()),)
    files = [f for root in roots for f in find_cases(root)]
    if not files:
        raise SbmlTwinError("no validation cases (*.toml) found", where=", ".join(roots))
    cases = [load_case(f) for f in files]
    results = []
    show = sys.stderr.isatty()
    seen_models: set[str] = set()
    for i, case in enumerate(cases, 1):
        if show:
            click.echo(f"[{i}/{len(cases)}] {case.id} …", err=True)
        # local sensitivities once per model (on its first case with the most groups)
        first = case.model not in seen_models and len(case.groups) == max(
            len(c.groups) for c in cases if c.model == case.model
        )
        if first:
            seen_models.add(case.model)
        results.append(run_case(case, sensitivity=first))
    manifest = build_manifest(cases, results, overall(results), command=command)
    written = write_report(manifest, out_dir, html=html, pdf=pdf)
    return manifest, written


def _print_verdicts(manifest: dict[str, Any]) -> None:
    def fmt(x: Any) -> str:
        return "—" if x is None else f"{x:.3g}"

    click.echo(
        f"{'case':<16} {'role':<10} {'groups':>6} {'GMFE AUC':>9} {'GMFE Cmax':>9} {'ratios':>7}  verdict"
    )
    for c in manifest["results"]["cases"]:
        ratios = (
            f"{sum(bool(r['within']) for r in c['ratios'])}/{len(c['ratios'])}"
            if c["ratios"]
            else "—"
        )
        click.echo(
            f"{c['id']:<16} {c['role']:<10} {len(c['groups']):>6} {fmt(c['metrics']['auc']['gmfe']):>9} "
            f"{fmt(c['metrics']['cmax']['gmfe']):>9} {ratios:>7}  {'PASS' if c['passed'] else 'FAIL'}"
        )
    o = manifest["results"]["overall"]
    click.echo(
        f"overall: {o['cases_passed']}/{o['cases']} cases pass; AUC+Cmax GMFE {fmt(o['auc_and_cmax']['gmfe'])}, "
        f"{fmt(o['auc_and_cmax']['within_2'])}% within 2-fold; groups within fold {fmt(o['groups_within_fold_percent'])}%; "
        f"ratios within Guest limits {o['ratios_within_guest']}/{o['ratios']}"
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
def validate(paths: tuple[str, ...], out_dir: str, no_pdf: bool, no_html: bool) -> int:
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
    )
    _print_verdicts(manifest)
    for path in written.values():
        click.echo(f"wrote {path}", err=True)
    o = manifest["results"]["overall"]
    return 0 if o["cases_passed"] == o["cases"] else 3


@cli.command()
@click.argument("manifest_path", metavar="REPORT_JSON", type=click.Path(dir_okay=False))
def reproduce(manifest_path: str) -> int:
    """Re-run everything REPORT_JSON names and compare every number.

    Exits 0 when all match (|new − old| ≤ 1e-12 + 1e-6·|old|), 3 when any input or number
    differs (listed), 2 on bad input.

    \b
    Example:
      sbmltwin reproduce sbmltwin-demo/report.json
    """
    from sbmltwin.report import reproduce as run_reproduce

    found = run_reproduce(manifest_path)
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
def demo(out_dir: str) -> None:
    """The main job: validate the model library against the shipped clinical data.

    Writes report.html, report.pdf and report.json into sbmltwin-demo/ and prints the verdicts.

    \b
    Example:
      sbmltwin demo
    """
    manifest, written = _run_validation((), out_dir, html=True, pdf=True, command="sbmltwin demo")
    _print_verdicts(manifest)
    click.echo(f"report: {written.get('html', written['json']).resolve()}")


@cli.command("cohort")
@click.argument("model_ref", metavar="MODEL")
@click.option(
    "--bindings",
    "bindings_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Bindings (TOML).",
)
@click.option(
    "--population",
    "population_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Population spec (TOML).",
)
@click.option(
    "--n", "n", default=1000, show_default=True, type=click.IntRange(1), help="Number of twins."
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Twin i draws from default_rng([seed, i]).",
)
@click.option(
    "--dose", "doses", multiple=True, required=True, help="Dose (README grammar); repeatable."
)
@click.option(
    "--output-id",
    "outputs",
    multiple=True,
    required=True,
    help="Output selection, e.g. '[C_plasma]'.",
)
@click.option(
    "--end", "end_text", default="48 h", show_default=True, help="End time (model time if no unit)."
)
@click.option(
    "--points",
    default=481,
    show_default=True,
    type=click.IntRange(2),
    help="Output points (dense runs).",
)
@click.option(
    "--summary-only", is_flag=True, help="AUC as an integral state and a peak-refined coarse grid."
)
@click.option(
    "--workers", type=click.IntRange(1), default=None, help="Worker processes (default: all cores)."
)
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786.")
@click.option("--dask", "dask_local", is_flag=True, help="Start a Dask LocalCluster.")
@click.option("--chunk-size", default=500, show_default=True, type=click.IntRange(1))
@click.option("--resume", is_flag=True, help="Keep finished chunks of an interrupted run.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Parquet file."
)
def cohort_cmd(
    model_ref: str,
    bindings_path: str,
    population_path: str,
    n: int,
    seed: int,
    doses: tuple[str, ...],
    outputs: tuple[str, ...],
    end_text: str,
    points: int,
    summary_only: bool,
    workers: int | None,
    scheduler: str | None,
    dask_local: bool,
    chunk_size: int,
    resume: bool,
    output: str,
) -> None:
    """Sample and run a virtual cohort; one Parquet row per twin.

    \b
    Example:
      sbmltwin cohort example:cyp2d6_substrate --bindings bindings.toml --population pop.toml \\
        --n 1000 --seed 7 --dose "100 mg oral" --output-id "[C_plasma]" --workers 2 -o cohort.parquet
    """
    import sys

    from sbmltwin.cohort.backends import Backend, DaskBackend, ProcessBackend, SerialBackend
    from sbmltwin.cohort.run import run_cohort
    from sbmltwin.cohort.sampling import load_population
    from sbmltwin.engine import parse_regimen
    from sbmltwin.personalize import load_bindings

    model = _load(model_ref)
    require_simulatable(model)
    end = _time_arg(end_text, model.time_unit, "--end")
    backend: Backend
    if scheduler or dask_local:
        backend = DaskBackend(scheduler, workers=workers)
    elif workers == 1:
        backend = SerialBackend()
    else:
        backend = ProcessBackend(workers)
    show = sys.stderr.isatty()

    def progress(p: Any) -> None:
        if show:
            click.echo(
                f"\r{p.done}/{p.total} twins  {p.twins_per_s:.0f} twins/s  ETA {p.eta_s:.0f} s",
                nl=False,
                err=True,
            )

    try:
        run = run_cohort(
            model,
            load_bindings(bindings_path),
            load_population(population_path),
            parse_regimen(doses),
            n=n,
            seed=seed,
            output=output,
            outputs=list(outputs),
            end=end,
            points=points,
            summary_only=summary_only,
            chunk_size=chunk_size,
            backend=backend,
            resume=resume,
            progress=progress,
        )
    finally:
        backend.close()
    if show:
        click.echo("", err=True)
    click.echo(f"{run.n} twins, {run.failed} failed, {run.seconds:.1f} s → {run.path}")


@cli.command("cohort-summary")
@click.argument("table", type=click.Path(dir_okay=False))
@click.option(
    "--by", default=None, help="Group column, e.g. CYP2D6_activity_score (default: phenotype)."
)
def cohort_summary_cmd(table: str, by: str | None) -> None:
    """Per-phenotype medians, 5–95 % ranges of each metric and the ratio to NM.

    \b
    Example:
      sbmltwin cohort-summary cohort.parquet
    """
    from sbmltwin.cohort.summarize import summarize_cohort

    if not Path(table).is_file():
        raise SbmlTwinError("no such file", where=table)
    click.echo(summarize_cohort(table, by=by).to_string(index=False))


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="sbmltwin")


if __name__ == "__main__":
    main()
