"""The SBML Test Suite runner: the whole shared suite through sbmltwin's own path.

Reference: each case's own results.csv and tolerances. Baseline: a plain libroadrunner 2.10
loop over the same cases (tests/data/testsuite/plain_roadrunner.json, made by
tools/plain_roadrunner_testsuite.py): sbmltwin must not fail or error on any case it passes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.validate import (
    case_dirs,
    parse_case_selection,
    read_settings,
    run_case,
    run_suite,
    summarize,
)

pytestmark = [pytest.mark.integration, pytest.mark.shared]

BASELINE = json.loads(
    (
        Path(__file__).resolve().parents[1] / "data" / "testsuite" / "plain_roadrunner.json"
    ).read_text()
)

# Recorded from `sbmltwin testsuite ../shared/sbml-test-suite/semantic --workers 2` (1550 cases).
EXPECTED = {"pass": 1339, "fail": 0, "unsupported": 211, "error": 0}
EXPECTED_REFUSED = {
    "AlgebraicRule": 104,
    "CSymbolDelay": 47,
    "FastReaction": 30,
    "IdNamedTime": 2,
    "VariableFactorial": 3,
    "fbc": 29,
}


@pytest.fixture(scope="module")
def semantic(shared_dir: Path) -> Path:
    return shared_dir / "sbml-test-suite" / "semantic"


@pytest.fixture(scope="module")
def full_run(semantic: Path):  # type: ignore[no-untyped-def]
    return run_suite(case_dirs(semantic), workers=2, timeout=120)


def test_full_suite_counts(full_run) -> None:  # type: ignore[no-untyped-def]
    summary = summarize(full_run)
    counts = {k: summary["overall"][k] for k in EXPECTED}
    assert counts == EXPECTED, [
        (r.case, r.status, r.message) for r in full_run if r.status in ("fail", "error")
    ]
    assert summary["refused_features"] == EXPECTED_REFUSED


def test_nothing_plain_roadrunner_passes_fails_or_errors_here(full_run) -> None:  # type: ignore[no-untyped-def]
    status = {r.case: r for r in full_run}
    bad = [
        (c, status[c].status, status[c].message)
        for c in BASELINE["status"]["pass"]
        if status[c].status in ("fail", "error")
    ]
    assert not bad
    # … and every case where plain libroadrunner silently returns wrong numbers is refused here
    for case in BASELINE["status"]["fail"]:
        assert status[case].status == "unsupported", status[case]


def test_unsupported_is_never_a_fail(full_run) -> None:  # type: ignore[no-untyped-def]
    for r in full_run:
        if r.status == "unsupported":
            assert r.features, r
        if r.status == "fail":
            assert not set(r.tags) & {"AlgebraicRule", "CSymbolDelay", "FastReaction"}, r


def test_cli_selection_json_and_exit_code(semantic: Path, tmp_path: Path) -> None:
    out = tmp_path / "ts.json"
    result = CliRunner().invoke(
        cli,
        [
            "testsuite",
            str(semantic),
            "--cases",
            "1-40,937",
            "--workers",
            "0",
            "--json",
            str(out),
            "--self-check",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    cases = {c["case"]: c for c in payload["cases"]}
    assert cases["00937"]["status"] == "unsupported" and "delay" in cases["00937"]["message"]
    assert cases["00001"]["status"] == "pass" and cases["00001"]["tags"]
    assert cases["00001"]["self_check"] < 1e-3
    assert payload["summary"]["overall"]["total"] == len(cases)
    assert "Amount" in payload["summary"]["by_tag"]
    assert "pass" in result.output and "unsupported" in result.output


def test_broken_case_is_an_error_not_a_crash(semantic: Path, tmp_path: Path) -> None:
    case = tmp_path / "99999"
    case.mkdir()
    for suffix in ("-settings.txt", "-results.csv", "-model.m"):
        (case / f"99999{suffix}").write_bytes((semantic / "00001" / f"00001{suffix}").read_bytes())
    (case / "99999-sbml-l3v2.xml").write_text("<sbml", encoding="utf-8")
    result = run_suite([case], workers=1)[0]
    assert result.status == "error" and "not well-formed" in result.message


def test_settings_and_selection_parsing(semantic: Path) -> None:
    s = read_settings(semantic / "00001" / "00001-settings.txt")
    assert (s.start, s.duration, s.steps, s.variables) == (0.0, 5.0, 50, ("S1", "S2"))
    assert parse_case_selection("1-3, 7") == {1, 2, 3, 7}
    assert run_case(semantic / "00001").status == "pass"
