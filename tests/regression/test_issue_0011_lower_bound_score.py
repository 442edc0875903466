"""Issue 11: ``*1/*1x≥3`` was read as ``*1/*1x3`` and printed AS 4 where CPIC says "≥4.0".
Lower-bound scores now stay lower bounds in outputs and reasons (simulated at the bound, and
said so). Reference: CPIC's CYP2D6 diplotype list writes ``*1/*1x≥3`` → "≥4.0", UM
(every CPIC row is also checked in tests/unit/pgx/test_sample.py)."""

from __future__ import annotations

from importlib import resources

from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.model import parse_model
from sbmltwin.personalize import parse_bindings, parse_profile, personalize
from sbmltwin.pgx import call_genotype


def test_genotype_prints_the_lower_bound() -> None:
    result = CliRunner().invoke(cli, ["genotype", "CYP2D6", "*1/*1x≥3"])
    assert result.exit_code == 0, result.output
    row = result.output.splitlines()[1].split("\t")
    assert row[:4] == ["CYP2D6", "*1/*1x≥3", "≥4.0", "Ultrarapid Metabolizer"]


def test_a_null_allele_in_extra_copies_is_no_bound() -> None:
    call = call_genotype("CYP2D6", "*4x≥3/*27")  # CPIC: 1.0, exactly
    assert call.score_text == "1.0" and not call.lower_bound


def test_reason_says_simulated_at_the_bound() -> None:
    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    bindings = parse_bindings(
        {"genes": {"CYP2D6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"}}}
    )
    pset = personalize(
        parse_model(ant, fmt="antimony"),
        parse_profile({"id": "um", "genotype": {"CYP2D6": "*1/*1x≥3"}}),
        bindings,
    )
    assert pset.as_dict() == {"f_cyp2d6": 2.0}
    reason = pset.changes[0].reason
    assert "AS ≥4.0" in reason and "lower bound: simulated at AS 4" in reason
