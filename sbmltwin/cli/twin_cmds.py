"""Pharmacogenomics and personalization commands: genotype, personalize."""

from __future__ import annotations

from pathlib import Path

import click

from sbmltwin.cli._base import _load, cli
from sbmltwin.errors import SbmlTwinError
from sbmltwin.model import require_simulatable


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
                "activity_score_text": call.score_text if call.activity_score is not None else None,
                "phenotype": call.phenotype.value,
                "table_version": call.table_version,
            }
        )
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    # TSV: the activity score as CPIC writes it (a lower bound keeps its "≥")
    columns = [k for k in rows[0] if k != "activity_score_text"]
    click.echo("\t".join(columns))
    for row in rows:
        shown = {**row, "activity_score": row["activity_score_text"]}
        cells = (
            ""
            if shown[k] is None
            else f"{shown[k]:g}"
            if isinstance(shown[k], float)
            else str(shown[k])
            for k in columns
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
        if any(b.section == "genes" for b in bindings.bindings):
            from sbmltwin.engine import check_effects

            if bindings.dosing and bindings.outputs:
                for line in check_effects(model, bindings, profile):
                    click.echo(f"warning: {line}")
            else:
                click.echo(
                    "note: the effect of the gene bindings is not checked: the bindings name "
                    "no [dosing] target or no [outputs]"
                )
    else:
        for c in pset.changes:
            click.echo(f"{c.sid}\t{c.old:.6g}\t{c.new:.6g}\t{c.unit}")
    if output:
        twin = inject(model, pset, profile=profile, bindings=bindings)
        require_simulatable(twin)
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(twin.sbml, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
