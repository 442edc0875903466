"""The click group, its error handling, and helpers shared by the command modules."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

import click

from sbmltwin.errors import SbmlTwinError, UnitError
from sbmltwin.model import Model, load_model
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

EXIT_INPUT = 2


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived; ``hint`` says how to continue (cohort: ``--resume``)."""

    def __init__(self, signum: int, hint: str | None = None) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.hint = hint


def _on_sigterm(signum: int, _frame: Any) -> None:
    raise Interrupted(signum)


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
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
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
        except Interrupted as err:
            code = 128 + err.signum
            click.echo(
                f"sbmltwin: interrupted ({err}){f'; {err.hint}' if err.hint else ''}", err=True
            )
        except (click.Abort, KeyboardInterrupt):
            code = 128 + signal.SIGINT
            click.echo("sbmltwin: interrupted (SIGINT)", err=True)
        except OSError as err:  # an I/O failure no command turned into an OutputError
            where = f"{err.filename}: " if err.filename else ""
            _fail(f"{where}{err.strerror or err}")
            code = EXIT_INPUT
        else:
            code = rv if isinstance(rv, int) else 0
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        if not standalone_mode:
            return code
        sys.exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sbmltwin")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug) to stderr.")
@click.option(
    "--allow-imports",
    is_flag=True,
    help="Let Antimony models import files from their own folder (refused by default).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, allow_imports: bool) -> None:
    """sbmltwin: personalized pharmacology digital twins from SBML models.

    MODEL arguments take an SBML (.xml), Antimony (.ant) or COMBINE archive (.omex) file,
    example:NAME for a model shipped with sbmltwin (example:theophylline_oral), or
    biomodels:BIOMD0000000012 (downloaded once, then cached; see SBMLTWIN_CACHE_DIR).
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"allow_imports": allow_imports}


def _load(ref: str, *, vet: bool = True) -> Model:
    """The model MODEL names. Files and BioModels downloads are untrusted: they are read,
    checked, compiled and simulated for a step in an isolated child first
    (:mod:`sbmltwin.engine.boundary`; only read there with ``vet=False``); the models shipped
    with sbmltwin are trusted."""
    from sbmltwin.engine.boundary import load_untrusted

    ctx = click.get_current_context(silent=True)
    allow = bool(ctx and ctx.find_root().obj and ctx.find_root().obj.get("allow_imports"))
    if ref.startswith("example:"):
        from sbmltwin.examples import example_path

        return load_model(example_path(ref.removeprefix("example:")))
    if ref.startswith("biomodels:"):
        from sbmltwin.model.biomodels import fetch_biomodel, parse_biomodels_ref

        return load_untrusted(fetch_biomodel(parse_biomodels_ref(ref)), vet=vet)
    return load_untrusted(ref, allow_imports=allow, vet=vet)


def _time_arg(text: str, unit: ModelUnit, option: str) -> float:
    q = parse_quantity(text, where=option)
    if not q.unitless and not unit.declared:
        raise UnitError(
            f"{text!r} has a unit but the model declares no time unit",
            where=option,
            hint="give --time-unit (e.g. 'h') to say what the model's time means",
        )
    return to_model_units(q, unit, where=option)
