"""The ``sbmltwin`` command line (click). The only place that turns errors into exit codes.

Exit codes: 0 success; 2 bad input or usage (an ``SbmlTwinError``: one line on stderr,
``sbmltwin: error: …``); 3 "ran fine, verdict failed"; 1 anything else (a bug).
Commands live in one module per stage; importing them registers them on :data:`cli`.
"""

from __future__ import annotations

from sbmltwin.cli import (
    build_cmds,
    calibrate_cmds,
    cohort_cmds,
    mipd_cmds,
    model_cmds,
    qualify_cmds,
    twin_cmds,
    validate_cmds,
)
from sbmltwin.cli._base import cli

__all__ = ["cli", "main"]
_COMMANDS = (
    model_cmds,
    build_cmds,
    twin_cmds,
    qualify_cmds,
    validate_cmds,
    calibrate_cmds,
    cohort_cmds,
    mipd_cmds,
)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="sbmltwin")
