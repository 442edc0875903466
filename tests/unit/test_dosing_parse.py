"""The dose grammar: examples, errors, and parse(format(dose)) == dose for generated doses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sbmltwin.engine import Dose, Regimen, Route, parse_dose, parse_regimen
from sbmltwin.errors import DosingError, UnitError


def test_issue_example() -> None:
    d = parse_dose("100 mg oral at 0h every 12h x3")
    assert d == Dose(amount="100 mg", route=Route.ORAL, time="0h", interval="12h", count=3)


def test_infusion_with_target_and_start() -> None:
    d = parse_dose("50 mg infusion into A_central over 30 min at 2 h")
    assert (d.route, d.target, d.duration, d.time) == (Route.INFUSION, "A_central", "30 min", "2 h")


def test_regimen_splits_on_semicolons() -> None:
    r = parse_regimen(["5 mg iv into C; 10 mg po into A_gut at 6 h"])
    assert [d.route for d in r.doses] == [Route.IV, Route.ORAL]
    assert parse_regimen([]) == Regimen(())


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("100 mg", "ROUTE"),
        ("100 mg sublingual", "ROUTE"),
        ("100 mg infusion", "needs 'over"),
        ("100 mg oral over 2 h", "only for infusions"),
        ("100 mg oral every 12h", "every INTERVAL xN"),
        ("100 mg oral at 1 h at 2 h", "twice"),
        ("100 mg oral into 3x", "not an SBML id"),
        ("", "empty"),
    ],
)
def test_malformed_doses(text: str, match: str) -> None:
    with pytest.raises(DosingError, match=match):
        parse_dose(text)


def test_bad_quantity_in_a_dose_is_a_unit_error() -> None:
    with pytest.raises(UnitError, match="at"):
        parse_dose("100 mg oral at noon")


amounts = st.builds(
    lambda v, u: f"{v:g} {u}", st.floats(0.001, 1e4), st.sampled_from(["mg", "µmol", "g", "ug"])
)
times = st.builds(
    lambda v, u: f"{v:g} {u}", st.floats(0, 500), st.sampled_from(["h", "min", "day"])
)
sids = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(
    lambda s: (
        s.lower() not in {"into", "over", "at", "every", "oral", "po", "iv", "bolus", "infusion"}
    )
)


@st.composite
def doses(draw: st.DrawFn) -> Dose:
    route = draw(st.sampled_from(list(Route)))
    count = draw(st.integers(1, 20))
    return Dose(
        amount=draw(amounts),
        route=route,
        time=draw(times),
        target=draw(st.none() | sids),
        interval=draw(times) if count > 1 else draw(st.none() | times),
        count=count,
        duration=draw(times) if route is Route.INFUSION else None,
    )


@given(dose=doses())
def test_format_then_parse_round_trips(dose: Dose) -> None:
    assert parse_dose(str(dose)) == dose
