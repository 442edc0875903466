"""Strict shapes for validation cases and their observation CSVs.

:func:`check_case` checks every table and value of a case TOML (unknown keys, types, required
keys) before :func:`~sbmltwin.validate.cases.load_case` reads it, so that a typo such as
``acceptance.fold_`` is an error rather than a silently used default. :func:`check_observations`
checks an observations frame column by column and names the CSV row of the first bad value
(row 1 is the first data row after the header).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from sbmltwin.errors import ValidationDataError, check_keys

__all__ = ["check_case", "check_observations"]

_TOP = {
    "schema_version": int,
    "id": str,
    "source": str,
    "citation": str,
    "model": str,
    "model_path": str,
    "bindings": str,
    "role": str,
    "regimen": dict,
    "arms": dict,
    "groups": dict,
    "observed": dict,
    "outputs": dict,
    "acceptance": dict,
}
_NAMES = {
    int: "an integer",
    str: "a string",
    dict: "a table",
    list: "a list",
    float: "a number",
    bool: "true or false",
    object: "a value",  # checked by the key's own parser
}


def _type(value: Any, kind: type, where: str, key: str) -> None:
    ok = (
        isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is float
        else isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    )
    if not ok:
        raise ValidationDataError(
            f"'{key}' must be {_NAMES[kind]}, not {type(value).__name__} {str(value)[:40]!r}",
            where=where,
        )


def _table(value: Any, where: str, key: str, allowed: Mapping[str, type]) -> None:
    _type(value, dict, where, key)
    check_keys(value, allowed, error=ValidationDataError, where=f"{where} [{key}]")
    for k, v in value.items():
        _type(v, allowed[k], where, f"{key}.{k}")


def _regimen(table: Mapping[str, Any], where: str, key: str, allowed: set[str]) -> None:
    """A ``[regimen]`` or ``[arms.NAME]`` table: doses (a string or a list of strings), end."""
    check_keys(table, allowed, error=ValidationDataError, where=f"{where} [{key}]")
    doses = table.get("doses", [])
    if not isinstance(doses, str):
        _type(doses, list, where, f"{key}.doses")
        for dose in doses:
            _type(dose, str, where, f"{key}.doses[]")
    for k in ("end", "description"):
        if k in table:
            _type(table[k], str, where, f"{key}.{k}")


def check_case(data: Mapping[str, Any], *, where: str) -> None:
    """Raise :class:`ValidationDataError` for any key or value of the wrong kind."""
    for key, value in data.items():
        if key in _TOP:
            _type(value, _TOP[key], where, key)
    if "regimen" in data:
        _regimen(data["regimen"], where, "regimen", {"doses", "end"})
    for name, arm in data.get("arms", {}).items():  # which keys are required: load_case says
        _type(arm, dict, where, f"arms.{name}")
        _regimen(arm, where, f"arms.{name}", {"doses", "end", "description"})
    for name, group in data.get("groups", {}).items():
        _type(group, dict, where, f"groups.{name}")
        for key, kind in (
            ("profile", dict),
            ("description", str),
            ("mixture", dict),
            ("trial", dict),
        ):
            if key in group:
                _type(group[key], kind, where, f"groups.{name}.{key}")
    if "observed" in data:  # which of file/summary/arm are required: load_case says
        _table(
            data["observed"],
            where,
            "observed",
            {"file": str, "summary": str, "arm": str, "after_dose": object, "steady_state": bool},
        )
    for name, spec in data.get("outputs", {}).items():
        if isinstance(spec, str):
            continue
        _table(spec, where, f"outputs.{name}", {"id": str, "molecular_weight": str, "unit": str})
        if "id" not in spec:
            raise ValidationDataError(
                f"missing 'outputs.{name}.id'", where=where, hint="e.g. id = '[C_plasma]'"
            )
    if "acceptance" in data:
        acceptance = data["acceptance"]
        check_keys(
            acceptance, {"fold", "ratios"}, error=ValidationDataError, where=f"{where} [acceptance]"
        )
        if "fold" in acceptance:
            _type(acceptance["fold"], float, where, "acceptance.fold")
            fold = float(acceptance["fold"])
            if not (math.isfinite(fold) and fold > 1):
                raise ValidationDataError(
                    f"'acceptance.fold' must be a finite number above 1, not {fold}", where=where
                )
        # each ratio's keys and window are checked by load_case (RatioCheck parsing)


def check_observations(frame: pd.DataFrame, *, where: str) -> pd.DataFrame:
    """``frame`` with numeric ``time``, ``value`` and (when present) ``sd`` columns; the first
    non-numeric, empty, infinite or negative entry is an error naming its CSV row."""
    out = frame.copy()
    for column in ("time", "value", "sd"):
        if column not in out.columns:
            continue
        numbers = pd.to_numeric(out[column], errors="coerce")
        bad = numbers.isna() & out[column].notna() | ~numbers.fillna(0).map(math.isfinite)
        if column in ("time", "value"):
            bad |= out[column].isna()
        bad |= numbers < 0
        if bool(bad.any()):
            row = int(bad.to_numpy().nonzero()[0][0])
            raise ValidationDataError(
                f"row {row + 1}: {column} {str(out[column].iloc[row])[:40]!r} is not a "
                "non-negative number",
                where=where,
                hint="rows count from 1 after the header",
            )
        out[column] = numbers.astype(float)
    for column in ("group", "output", "time_unit", "value_unit"):
        if column in out.columns and bool(out[column].isna().any()):
            row = int(out[column].isna().to_numpy().nonzero()[0][0])
            raise ValidationDataError(f"row {row + 1}: empty {column}", where=where)
    return out
