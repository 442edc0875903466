"""The fuzzer, bounded for CI: a fixed set of mutated inputs of every kind (seed 2026), at
most SBMLTWIN_FUZZ_CI_SECONDS (default 30) of runs. tools/fuzz.py runs it for longer."""

from __future__ import annotations

import os

import pytest

from tests.fuzz.fuzzer import KINDS, fuzz

pytestmark = pytest.mark.integration


def test_bounded_fuzz_run_has_no_findings() -> None:
    budget = float(os.environ.get("SBMLTWIN_FUZZ_CI_SECONDS", "30"))
    report = fuzz(400, 2026, timeout=60, stop_after_s=budget)
    assert report.n >= 2 * len(KINDS), report.summary()  # every kind ran at least twice
    details = [
        f"{o.verdict}: sbmltwin {' '.join(c.args)}: {o.stderr.strip()[-400:]}"
        for c, o in report.findings
    ]
    assert not details, "\n".join(details)
