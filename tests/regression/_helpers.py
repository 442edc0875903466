"""Helpers for the regression tests (see conftest.py)."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.harness import Outcome, run_cli

TINY = Path(__file__).resolve().parents[1] / "data" / "hostile" / "ok_tiny.xml"


def clean_error(args: list[str], *phrases: str, cwd: Path | None = None) -> Outcome:
    """Run ``sbmltwin ARGS``; assert exit 2 with one ``sbmltwin: error:`` line holding every
    phrase (case-insensitive)."""
    outcome = run_cli(args, timeout=60, cwd=cwd)
    assert outcome.verdict == "clean-error", (outcome.verdict, outcome.code, outcome.stderr)
    for phrase in phrases:
        assert phrase.lower() in outcome.error_line.lower(), outcome.error_line
    return outcome
