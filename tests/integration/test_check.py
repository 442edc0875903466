"""check_model / require_simulatable: what blocks a run and what is only reported."""

from __future__ import annotations

from pathlib import Path

import libsbml
import pytest

from sbmltwin.errors import ModelCheckError, Severity, UnsupportedSbmlFeatureError
from sbmltwin.model import check_model, load_model, parse_model, require_simulatable

pytestmark = pytest.mark.integration

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"


def _with_nan(ant: str, sid: str) -> str:
    doc = libsbml.readSBMLFromString(parse_model(ant, fmt="antimony").sbml)
    assert (
        doc.getModel().getParameter(sid).setValue(float("nan")) == libsbml.LIBSBML_OPERATION_SUCCESS
    )
    return libsbml.writeSBMLToString(doc)


def test_nan_value_used_by_an_equation_is_refused() -> None:
    model = load_model(HOSTILE / "nan_parameter.xml")
    with pytest.raises(UnsupportedSbmlFeatureError, match=r"'k1'.*nan"):
        require_simulatable(model)


def test_nan_value_no_equation_uses_is_only_a_warning() -> None:
    sbml = _with_nan("model m\n S = 1; J: S -> ; k*S; k = 0.1; unused = 1\nend", "unused")
    warnings = require_simulatable(parse_model(sbml, fmt="sbml"))
    assert any(
        w.code == "NonFiniteValue" and w.sid == "unused" and w.severity is Severity.WARNING
        for w in warnings
    )


def test_undefined_id_is_a_located_error() -> None:
    model = load_model(HOSTILE / "undefined_id.xml")
    issues = check_model(model)
    assert any(i.severity is Severity.ERROR and "'kx'" in i.message and i.line for i in issues)
    with pytest.raises(ModelCheckError, match="line 22"):
        require_simulatable(model)


def test_time_equality_trigger_is_a_warning() -> None:
    model = parse_model("model e\n x = 0\n at (time == 2.5): x = 1\nend", fmt="antimony")
    codes = {i.code for i in check_model(model) if i.severity is Severity.WARNING}
    assert "TimeEqualityTrigger" in codes


def test_unit_inconsistency_is_reported_but_does_not_block(shared_dir: Path) -> None:
    model = load_model(shared_dir / "models" / "community" / "BIOMD0000000051.xml")
    unit_errors = [
        i
        for i in check_model(model)
        if i.severity is Severity.ERROR and "unit" in i.category.lower()
    ]
    assert unit_errors  # libsbml says the kinetic-law units disagree …
    warnings = require_simulatable(model)  # … but the numbers do not depend on unit declarations
    assert set(unit_errors) <= set(warnings)


def test_tiny_compartment_is_a_warning() -> None:
    model = parse_model(
        "model t\n compartment c = 1e-9\n species S in c = 1\n J: S -> ; k*S; k = 1\nend",
        fmt="antimony",
    )
    warnings = require_simulatable(model)
    assert any(w.code == "TinyCompartment" and w.sid == "c" for w in warnings)


def test_simulate_self_check_and_warnings_on_the_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sbmltwin.cli import cli

    model = tmp_path / "e.ant"
    model.write_text("model e\n x = 0\n at (time == 2.5): x = 1\nend\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            str(model),
            "--end",
            "5",
            "--points",
            "3",
            "--select",
            "x",
            "--self-check",
            "--start",
            "1",
            "-o",
            str(tmp_path / "e.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "TimeEqualityTrigger" in result.output
        and "self-check: largest relative change" in result.output
    )
    assert "--start is not 0" in result.output
