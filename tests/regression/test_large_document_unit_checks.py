"""libsbml's unit checks needed 2.1 GB on 10⁵ parameters: above 10,000 components they are
skipped, and the output says so."""

from __future__ import annotations

import pytest

from sbmltwin.model import check_model, parse_model
from sbmltwin.model.check import MAX_UNIT_CHECK_COMPONENTS

pytestmark = pytest.mark.integration


def _doc(n: int) -> str:
    params = "".join(f'<parameter id="p{i}" value="1" constant="true"/>' for i in range(n))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sbml xmlns="http://www.sbml.org/sbml/'
        f'level3/version2/core" level="3" version="2"><model id="big"><listOfParameters>'
        f"{params}</listOfParameters></model></sbml>"
    )


def test_unit_checks_skipped_above_the_limit_and_said() -> None:
    issues = check_model(parse_model(_doc(MAX_UNIT_CHECK_COMPONENTS + 1), fmt="sbml"))
    assert [i.code for i in issues] == ["UnitChecksSkipped"]
    assert "units were not checked" in issues[0].message


def test_unit_checks_run_below_the_limit() -> None:
    issues = check_model(parse_model(_doc(3), fmt="sbml"))
    # each parameter without units draws libsbml's 'no units' warnings
    assert issues and all(i.code != "UnitChecksSkipped" for i in issues)
