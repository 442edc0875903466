"""Typos that asked for unbounded work: a billion doses (MemoryError after 28 s), a dose every
nanosecond, --end 1e308 (a hang), and an output of 10⁷ points × many columns."""

from __future__ import annotations

import pytest

from tests.regression._helpers import TINY, clean_error

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "dose",
    [
        "1 mmol oral into S1 every 12h x1000000000",
        "1 mmol infusion into S1 over 1 h every 1e-9 h x1000000",
        "1 mmol oral into S1 every 1 h x" + "9" * 5000,
    ],
)
def test_dose_count_is_bounded(dose: str) -> None:
    clean_error(["simulate", str(TINY), "--end", "10", "--dose", dose], "more than the limit")


def test_end_time_is_bounded() -> None:
    clean_error(["simulate", str(TINY), "--end", "1e308"], "simulated span")


def test_output_size_is_bounded() -> None:
    clean_error(
        ["simulate", str(TINY), "--end", "10", "--points", "10000000", "--select", "S1,S2,k1"],
        "above the limit",
    )


def test_doses_after_the_end_are_not_generated() -> None:
    from sbmltwin.engine import parse_regimen, resolve_regimen
    from sbmltwin.model import load_model

    model = load_model(TINY)
    regimen = parse_regimen(["1 oral into S1 at 0 every 1 x5000"])
    assert len(resolve_regimen(regimen, model, end=10.0)) == 11  # t = 0, 1, …, 10
