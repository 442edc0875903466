"""Issue 11: ``sbmltwin check`` reported 0 errors for an Antimony model with ``k = `` (no value)
that ``simulate`` refuses. ``check`` now refuses it too, with the reason, and whatever
``simulate`` refuses before integrating (compiling included), ``check`` refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli

pytestmark = pytest.mark.integration

NO_VALUE = "model m\n  J0: A -> ; k*A\n  A = 10\n  k = \nend\n"
FINE = "model m\n  J0: A -> ; k*A\n  A = 10\n  k = 0.1\nend\n"


def _run(tmp_path: Path, text: str, *args: str) -> object:
    path = tmp_path / "m.ant"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, [*args[:1], str(path), *args[1:]])


def test_check_refuses_what_simulate_refuses(tmp_path: Path) -> None:
    checked = _run(tmp_path, NO_VALUE, "check")
    simulated = _run(tmp_path, NO_VALUE, "simulate", "--end", "10", "--points", "3")
    assert simulated.exit_code == 2  # type: ignore[attr-defined]
    assert checked.exit_code == 2, checked.output  # type: ignore[attr-defined]
    # the reason is libroadrunner's, the one simulate gives: check compiles the model
    assert "'k' is missing a value" in checked.output  # type: ignore[attr-defined]
    assert "1 error(s)" in checked.output  # type: ignore[attr-defined]
    assert "0 error(s)" not in checked.output  # type: ignore[attr-defined]


def test_a_model_with_the_value_passes_both(tmp_path: Path) -> None:
    assert _run(tmp_path, FINE, "check").exit_code == 0  # type: ignore[attr-defined]
    ran = _run(tmp_path, FINE, "simulate", "--end", "10", "--points", "3")
    assert ran.exit_code == 0  # type: ignore[attr-defined]
