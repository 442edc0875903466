"""Observed summary statistics as case data: a study's published table (AUC with its window,
Cmax, tmax, t½, CL/F … per group, with n and SD/SE/CV and units), ``<Study>.summary.csv``
beside the case (format in the README, "Validation … Summary statistics").

Parsing is strict: every row is checked and the first bad cell is named with its line, column
and what to write instead (one line, :class:`~sbmltwin.errors.ValidationDataError`).

>>> row = parse_summary_row(
...     {"group": "PM", "output": "c", "metric": "AUC", "statistic": "mean", "value": "12.5",
...      "unit": "mg*h/L", "sd": "3", "se": "", "cv": "", "n": "6", "window_start": "0",
...      "window_end": "24", "window_unit": "h", "source_table": "Tab1"}, "x.csv:2")
>>> (row.metric, row.value, row.window, row.n)
('AUC', 12.5, (0.0, 24.0, 'h'), 6)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sbmltwin.errors import SbmlTwinError, ValidationDataError
from sbmltwin.units import parse_quantity

__all__ = [
    "COMPARED_METRICS",
    "DOSE_COLUMN",
    "METRICS",
    "STATISTICS",
    "SUMMARY_COLUMNS",
    "SummaryRow",
    "parse_dose_ref",
    "parse_summary_row",
    "read_summary",
]

SUMMARY_COLUMNS = (
    "group",
    "output",
    "metric",
    "statistic",
    "value",
    "unit",
    "sd",
    "se",
    "cv",
    "n",
    "window_start",
    "window_end",
    "window_unit",
    "source_table",
)
#: an optional last column: which dose of a multiple-dose regimen the row's window, Cmax,
#: tmax, t½ and CL/F count from ("first", "last" or N, 1-based; empty: the case's
#: ``[observed] after_dose``)
DOSE_COLUMN = "dose"
#: metrics a summary file may hold
METRICS = (
    "AUC",
    "AUC_inf",
    "Cmax",
    "tmax",
    "t_half",
    "CL",
    "CL_F",
    "CL_renal",
    "Vd",
    "Vss",
    "fe_urine",
    "AUC_ratio",
    "F",
    "MRT",
)
#: metrics sbmltwin predicts and compares (the others are listed as not compared)
COMPARED_METRICS = ("AUC", "AUC_inf", "Cmax", "tmax", "t_half", "CL", "CL_F")
STATISTICS = ("mean", "geometric_mean", "median", "unstated")
_DIMENSION = {
    "AUC": "[mass] * [time] / [length] ** 3",
    "AUC_inf": "[mass] * [time] / [length] ** 3",
    "Cmax": "[mass] / [length] ** 3",
    "tmax": "[time]",
    "t_half": "[time]",
    "CL": "[length] ** 3 / [time]",
    "CL_F": "[length] ** 3 / [time]",
}
#: a clearance may be per kg of body weight (predicted: the twin's clearance / its weight)
_PER_KG = "[length] ** 3 / [time] / [mass]"
_FILE_LIMIT = 8 * 1024 * 1024  # a published table is small; refuse anything bigger


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One published statistic of one group (``group`` may be ``name@arm``)."""

    where: str  # file:line
    group: str
    arm: str
    output: str
    metric: str
    statistic: str
    value: float
    unit: str
    sd: float
    se: float
    cv: float
    n: int | None
    window: tuple[float, float, str] | None  # AUC window; end = inf for AUC_inf
    source_table: str
    #: the dose the row counts from (1-based, or "last"); None: the case's ``after_dose``
    dose: int | str | None = None


def _number(text: str, where: str, column: str, *, allow_inf: bool = False) -> float:
    text = text.strip()
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value) or (math.isinf(value) and not allow_inf) or value < 0:
        raise ValidationDataError(
            f"column '{column}': {text[:40]!r} is not a non-negative number",
            where=where,
            hint="write a number, or leave the cell empty when it is not reported",
        )
    return value


def parse_summary_row(cells: Mapping[str, str | None], where: str) -> SummaryRow:
    """Check one row of a summary file (``where`` = ``file:line``)."""

    def cell(name: str) -> str:
        return (cells.get(name) or "").strip()

    group, output, metric, statistic = (cell(k) for k in ("group", "output", "metric", "statistic"))
    if not group or not output:
        raise ValidationDataError("empty 'group' or 'output'", where=where)
    if metric not in METRICS:
        raise ValidationDataError(
            f"unknown metric {metric[:40]!r}", where=where, hint=f"one of {', '.join(METRICS)}"
        )
    if statistic not in STATISTICS:
        raise ValidationDataError(
            f"unknown statistic {statistic[:40]!r}",
            where=where,
            hint=f"one of {', '.join(STATISTICS)}",
        )
    value = _number(cell("value"), where, "value")
    if math.isnan(value) or (value == 0 and metric in ("AUC", "AUC_inf", "Cmax")):
        raise ValidationDataError(
            f"column 'value' is empty{' or zero' * (value == 0)}", where=where
        )
    unit = cell("unit")
    if metric in _DIMENSION or unit:
        try:
            q = parse_quantity(f"1 {unit}" if unit else "1")
        except SbmlTwinError as err:
            raise ValidationDataError(
                f"column 'unit': {unit[:40]!r} is not a unit ({err.what})", where=where
            ) from None
        if metric in _DIMENSION:
            want = _DIMENSION[metric]
            mol = want.replace("[mass]", "[substance]")
            per_kg = metric in ("CL", "CL_F") and q.check(_PER_KG)
            if not (q.check(want) or q.check(mol) or per_kg):
                raise ValidationDataError(
                    f"column 'unit': {unit[:40]!r} is not a unit of {metric}",
                    where=where,
                    hint=f"a unit of dimension {want} (or with amount of substance"
                    + (", or per kg)" if metric in ("CL", "CL_F") else ")"),
                )
    n_value = _number(cell("n"), where, "n")
    if not math.isnan(n_value) and (n_value < 1 or not n_value.is_integer()):
        raise ValidationDataError(f"column 'n': {cell('n')!r} is not a count", where=where)
    window = None
    start, end, wunit = cell("window_start"), cell("window_end"), cell("window_unit")
    if metric == "AUC":
        if not (start and end and wunit):
            raise ValidationDataError(
                "an AUC needs its window (window_start, window_end, window_unit)",
                where=where,
                hint="e.g. 0, 24, h; an AUC to infinity is metric AUC_inf",
            )
    if start or end or wunit:
        a = _number(start or "0", where, "window_start")
        b = _number(end, where, "window_end", allow_inf=True)
        try:
            ok = bool(wunit) and parse_quantity(f"1 {wunit}").check("[time]")
        except SbmlTwinError:
            ok = False
        if not ok or not a < b:
            raise ValidationDataError(
                f"window {start}-{end} {wunit!r} needs start < end and a time unit", where=where
            )
        if metric == "AUC" and math.isinf(b):
            raise ValidationDataError(
                "an AUC to infinity is metric AUC_inf", where=where, hint="metric = AUC_inf"
            )
        window = (a, b, wunit)
    name, _, arm = group.partition("@")
    return SummaryRow(
        where=where,
        group=name,
        arm=arm,
        output=output,
        metric=metric,
        statistic=statistic,
        value=value,
        unit=unit,
        sd=_number(cell("sd"), where, "sd"),
        se=_number(cell("se"), where, "se"),
        cv=_number(cell("cv"), where, "cv"),
        n=None if math.isnan(n_value) else int(n_value),
        window=window,
        source_table=cell("source_table"),
        dose=parse_dose_ref(cell(DOSE_COLUMN), f"{where} column '{DOSE_COLUMN}'"),
    )


def parse_dose_ref(text: object, where: str) -> int | str | None:
    """Which dose of a multiple-dose regimen a statistic counts from: ``"first"`` → 1,
    ``"last"``, or a count N ≥ 1 (``"3"`` or 3); empty → None (not stated).

    >>> parse_dose_ref("last", "x"), parse_dose_ref("2", "x"), parse_dose_ref("", "x")
    ('last', 2, None)
    """
    if text is None or text == "":
        return None
    if isinstance(text, str):
        word = text.strip().lower()
        if word in ("first", "last"):
            return 1 if word == "first" else "last"
        if word.isdecimal() and len(word) <= 6 and int(word) >= 1:  # not isdigit: "¹"
            return int(word)
    elif isinstance(text, int) and not isinstance(text, bool) and 1 <= text <= 999_999:
        return text
    raise ValidationDataError(
        f"dose {str(text)[:40]!r} is not first, last or a dose number",
        where=where,
        hint='write "last", "first" or N (1-based: 1 is the first dose)',
    )


def read_summary(path: Path) -> tuple[SummaryRow, ...]:
    """Every row of a summary file, checked (see :func:`parse_summary_row`)."""
    try:
        if path.stat().st_size > _FILE_LIMIT:
            raise ValidationDataError(
                f"the summary file is larger than {_FILE_LIMIT // 2**20} MiB", where=str(path)
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValidationDataError(f"cannot read the summary file: {err}", where=str(path)) from None
    try:
        reader = csv.DictReader(text.splitlines())
        header = tuple(reader.fieldnames or ())
        if header not in (SUMMARY_COLUMNS, (*SUMMARY_COLUMNS, DOSE_COLUMN)):
            missing = [c for c in SUMMARY_COLUMNS if c not in header]
            extra = [c for c in header if c not in (*SUMMARY_COLUMNS, DOSE_COLUMN)]
            raise ValidationDataError(
                "the header is not the summary format"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(map(str, extra))[:80]}" if extra else ""),
                where=f"{path}:1",
                hint=f"columns: {', '.join(SUMMARY_COLUMNS)} (and optionally {DOSE_COLUMN})",
            )
        rows = []
        for i, cells in enumerate(reader, 2):
            if None in cells:
                raise ValidationDataError("more cells than columns", where=f"{path}:{i}")
            rows.append(parse_summary_row(cells, f"{path}:{i}"))
    except csv.Error as err:
        raise ValidationDataError(f"not a CSV file: {err}", where=str(path)) from None
    return tuple(rows)
