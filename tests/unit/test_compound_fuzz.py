"""Hypothesis: a compound file with any value at any key parses or raises CompoundError, nothing else."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sbmltwin.build import parse_compound
from sbmltwin.errors import CompoundError

BASE = tomllib.loads(
    (Path(__file__).resolve().parents[1] / "data" / "build" / "base.toml").read_text("utf-8")
)
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.floats(-20, 20), max_size=3),
    st.fixed_dictionaries({"value": st.floats(-5, 5), "source": st.text(max_size=4)}),
    st.fixed_dictionaries(
        {
            "value": st.floats(0.01, 5),
            "unit": st.sampled_from(["L/h", "kg", "1/h", "%"]),
            "source": st.just("s"),
        }
    ),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(BASE)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PATHS), _VALUES)
def test_any_value_anywhere_parses_or_names_the_problem(path: tuple[Any, ...], value: Any) -> None:
    data = copy.deepcopy(BASE)
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is None and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = value
    try:
        parse_compound(data, source="fuzz.toml")
    except CompoundError as err:
        assert "fuzz.toml" in str(err)
