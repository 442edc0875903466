"""Model building: ``sbmltwin build compound.toml -o model_library/<drug>/``."""

from __future__ import annotations

from pathlib import Path

import click

from sbmltwin.cli._base import cli


@cli.command()
@click.argument("compound_file", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for model.xml, twin.toml and README.md (its generated section).",
)
def build(compound_file: str, out_dir: str) -> None:
    """Build a whole-body PBPK model (SBML L3V2) from COMPOUND_FILE.

    Writes model.xml (units, SBO terms, every value's source in its notes), twin.toml
    (bindings: genes, weight, sex, body fat from weight, height, age and sex, renal function,
    Child-Pugh, dose targets, outputs) and the generated parameter section of README.md (the
    rest of an existing README is kept).

    \b
    Example:
      sbmltwin build model_library/dextromethorphan/compound.toml -o model_library/dextromethorphan/
    """
    from sbmltwin.build import build_model, load_compound, write_outputs
    from sbmltwin.model import check_model

    compound = load_compound(compound_file)
    built = build_model(compound)
    issues = check_model(built.model)
    written = write_outputs(Path(out_dir), built.sbml, built.bindings, built.readme)
    errors = sum(i.severity.value == "error" for i in issues)
    warnings = sum(i.severity.value == "warning" for i in issues)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"{compound.name}: {len(built.kp)} tissues, {len(compound.pathways)} hepatic pathway(s), "
        f"{len(compound.metabolites)} metabolite(s); check: {errors} error(s), "
        f"{warnings} warning(s)"
    )
