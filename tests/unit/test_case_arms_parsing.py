"""Parsing of a case's ``[arms.NAME]`` tables (issue 15): any arms table either loads as
written (names, doses, end, description, in order) or is a one-line error naming the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sbmltwin.errors import ValidationDataError
from sbmltwin.validate.cases import load_case

HEAD = """
source = "x"
model = "m"
model_path = "m.xml"
[groups.A]
[groups.B]
[observed]
file = "x.csv"
[outputs]
c = "[C]"
"""
NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
names = st.one_of(st.from_regex(NAME, fullmatch=True).map(lambda s: s[:10]), text)
arm = st.fixed_dictionaries(
    {},
    optional={
        "doses": st.one_of(st.lists(text, max_size=3), text, st.integers()),
        "end": st.one_of(text, st.integers()),
        "description": text,
        "route": text,
    },
)


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


@settings(max_examples=150, deadline=None)
@given(arms=st.dictionaries(names, arm, max_size=3))
def test_arms_load_as_written_or_fail_in_one_line(tmp_path_factory, arms: dict) -> None:
    body = HEAD + "".join(
        f"[arms.{_toml(n)}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in a.items())
        for n, a in arms.items()
    )
    path = tmp_path_factory.mktemp("arms") / "case.toml"
    path.write_text(body, encoding="utf-8")
    valid = bool(arms) and all(
        NAME.match(n)
        and set(a) <= {"doses", "end", "description"}
        and isinstance(a.get("end"), str)
        and ((isinstance(a.get("doses"), str)) or (isinstance(a.get("doses"), list) and a["doses"]))
        for n, a in arms.items()
    )
    try:
        case = load_case(path)
    except ValidationDataError as err:
        assert not valid, err
        assert "\n" not in str(err) and "case.toml" in str(err)
        return
    assert valid
    assert case.doses == () and case.result_names() == [
        f"{g}@{n}" for n in arms for g in ("A", "B")
    ]
    for parsed, (n, a) in zip(case.arms, arms.items(), strict=True):
        doses = a["doses"] if isinstance(a["doses"], list) else [a["doses"]]
        assert (parsed.name, parsed.doses, parsed.end, parsed.description) == (
            n,
            tuple(doses),
            a["end"],
            a.get("description", ""),
        )


def test_a_case_needs_a_regimen_or_arms(tmp_path: Path) -> None:
    path = tmp_path / "case.toml"
    path.write_text(HEAD, encoding="utf-8")
    try:
        load_case(path)
    except ValidationDataError as err:
        assert "missing 'regimen' (or [arms.NAME])" in str(err)
    else:
        raise AssertionError("a case without regimen or arms loaded")
