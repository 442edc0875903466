"""Read the packaged reference tables in ``sbmltwin/physiology/data/`` (private).

Each table is a tab-separated file: ``#`` lines carry the citation, then a header row, then one
row per quantity. A malformed packaged table is a packaging bug, not a user error, so it raises
a plain :class:`ValueError` that keeps its traceback.
"""

from __future__ import annotations

import csv
import functools
from importlib import resources

__all__ = ["read_table"]


@functools.cache
def _rows(name: str) -> tuple[tuple[str, ...], tuple[dict[str, str], ...]]:
    text = resources.files("sbmltwin.physiology").joinpath("data", name).read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE, strict=True)
    header = tuple(reader.fieldnames or ())
    rows = []
    for row in reader:
        if None in row or any(value is None for value in row.values()):
            raise ValueError(f"data/{name}: row {row!r} does not match header {header!r}")
        rows.append(dict(row))
    return header, tuple(rows)


def read_table(name: str, key: str) -> dict[str, dict[str, str]]:
    """Return the rows of ``data/<name>`` keyed by column ``key`` (a fresh copy per call)."""
    header, rows = _rows(name)
    if key not in header:
        raise ValueError(f"data/{name}: no column {key!r} in header {header!r}")
    table: dict[str, dict[str, str]] = {}
    for row in rows:
        if row[key] in table:
            raise ValueError(f"data/{name}: duplicate {key} {row[key]!r}")
        table[row[key]] = dict(row)
    return table
