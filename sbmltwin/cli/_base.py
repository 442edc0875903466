"""The click group, its error handling, and helpers shared by the command modules."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from sbmltwin.errors import SbmlTwinError, UnitError
from sbmltwin.model import Model, load_model
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


def _time_arg(text: str, unit: ModelUnit, option: str) -> float:
    q = parse_quantity(text, where=option)
    if not q.unitless and not unit.declared:
        raise UnitError(
            f"{text!r} has a unit but the model declares no time unit",
            where=option,
            hint="give --time-unit (e.g. 'h') to say what the model's time means",
        )
    return to_model_units(q, unit, where=option)
