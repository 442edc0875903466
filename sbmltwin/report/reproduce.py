"""``sbmltwin reproduce report.json|run.omex``: re-run what a report names and compare every number.

The inputs are the copies inside the report folder (or the archive), so a report re-runs on
another machine with the original files gone. Each input's SHA-256 is checked first and every
changed one is named. Numbers match when |new − old| ≤ ATOL + RTOL·|old| (RTOL 1e-6, ATOL 1e-12:
integrations are deterministic on one machine; the tolerance absorbs other BLAS/CPU builds).
Differing numbers are named by their path in the typed results, keyed by case id, group name,
output name and parameter, e.g. ``cases[Qiu2016].groups[AS2].outputs[dextromethorphan].auc_observed``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbmltwin.errors import InputSafetyError, ModelLoadError, ValidationDataError
from sbmltwin.model._safety import decode_text, read_zip_member
from sbmltwin.report.manifest import (
    Manifest,
    check_inputs,
    inside,
    is_mipd_report,
    load_report_json,
    parse_manifest,
)
from sbmltwin.validate.results import (
    GroupResult,
    JsonRecord,
    Member,
    OutputComparison,
    RatioResult,
    Sensitivity,
    ValidationCaseResult,
    ValidationRun,
)
from sbmltwin.validate.run import run_cases

__all__ = ["ATOL", "RTOL", "Reproduction", "compare_results", "reproduce"]

RTOL, ATOL = 1e-6, 1e-12


@dataclass
class Reproduction:
    """What ``reproduce`` found: changed inputs and differing numbers (empty when all match)."""

    changed_inputs: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    compared: int = 0

    @property
    def matches(self) -> bool:
        return not self.changed_inputs and not self.differences


def _label(item: Any) -> str | None:
    """The name a list item is known by in a difference's path (None: by position)."""
    if isinstance(item, ValidationCaseResult):
        return item.id
    if isinstance(item, GroupResult):
        return item.name
    if isinstance(item, OutputComparison):
        return item.output
    if isinstance(item, Member):
        return item.label
    if isinstance(item, Sensitivity):
        return item.parameter
    if isinstance(item, RatioResult):
        return f"{item.metric} {item.numerator}/{item.denominator}"
    return None


def _walk(a: Any, b: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        for f in dataclasses.fields(a):
            yield from _walk(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}".lstrip("."))
    elif isinstance(a, tuple | list) and isinstance(b, tuple | list):
        labels_a = [_label(x) for x in a]
        if a and all(x is not None for x in labels_a):
            old = dict(zip(labels_a, a, strict=True))
            new = {_label(x): x for x in b}
            for key in list(old) + [k for k in new if k not in old]:
                yield from _walk(old.get(key), new.get(key), f"{path}[{key}]")
        elif len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                yield from _walk(x, y, f"{path}[{i}]")
        else:
            yield f"{path} (length)", len(a), len(b)
    elif isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b)):
            yield from _walk(a.get(key), b.get(key), f"{path}.{key}".lstrip("."))
    else:
        yield path, a, b


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) and math.isnan(b):
            return True
        return bool(abs(b - a) <= ATOL + RTOL * abs(a))
    return bool(a == b)


def _short(value: Any) -> str:
    if dataclasses.is_dataclass(value):
        value = type(value).__name__
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def compare_results(old: JsonRecord, new: JsonRecord) -> tuple[list[str], int]:
    """(differences as lines, number of values compared) of two typed results: a validation
    run's, or a fit/dose report's."""
    diffs: list[str] = []
    n = 0
    for path, a, b in _walk(old, new, ""):
        n += 1
        if not _same(a, b):
            diffs.append(f"{path}: {_short(a)} → {_short(b)}")
    return diffs, n


def _rerun(manifest: Manifest, base: Path, workers: int | None = None) -> Reproduction:
    out = Reproduction()
    out.changed_inputs, missing = check_inputs(manifest.inputs, base)
    old_cases = {c.id: c for c in manifest.results.cases}
    todo, flags = [], []
    for entry in manifest.cases:
        lost = [f for f in entry.files() if f in missing]
        if lost:
            out.differences.append(f"cases[{entry.id}]: not re-run, input missing ({lost[0]})")
            continue
        old = old_cases.get(entry.id)
        todo.append(entry.load(base))
        flags.append(old is not None and old.sensitivity is not None)
    new_cases = run_cases(todo, sensitivity=flags, workers=workers)
    ran = {c.id for c in new_cases}
    old_run = ValidationRun.of([c for c in manifest.results.cases if c.id in ran])
    if len(ran) == len(manifest.results.cases):
        old_run = manifest.results
    diffs, out.compared = compare_results(old_run, ValidationRun.of(new_cases))
    out.differences += diffs
    return out


def _is_archive(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(2) == b"PK"
    except OSError as err:
        raise ValidationDataError(f"cannot read: {err}", where=str(path)) from err


def _reproduce_archive(path: Path, workers: int | None = None) -> Reproduction:
    """Reproduce from a COMBINE archive written by ``export-omex``: its report.json and the
    inputs it lists are read from the archive (checked member paths, capped sizes) into a
    temporary folder, and re-run there."""
    where = str(path)
    data = path.read_bytes()
    text = decode_text(
        read_zip_member(data, "report.json", where=where), where=f"{where} report.json"
    )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValidationDataError(f"report.json is not JSON: {err}", where=where) from err
    manifest = parse_manifest(raw, where=f"{where} report.json")
    with tempfile.TemporaryDirectory(prefix="sbmltwin-reproduce-") as tmp:
        base = Path(tmp)
        for entry in manifest.inputs:
            target = inside(base, entry.path)
            try:
                content = read_zip_member(data, entry.path, where=where)
            except InputSafetyError:
                raise
            except ModelLoadError:  # no such member: reported as a missing input
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return _rerun(manifest, base, workers)


def reproduce(path: str | Path, *, workers: int | None = None) -> Reproduction:
    """Re-run every case of a report (``report.json`` in its folder, or an OMEX archive written
    by ``export-omex``) from the inputs it carries, and compare inputs and results. The cases
    run in ``workers`` processes (:func:`sbmltwin.validate.run.run_cases`)."""
    p = Path(path)
    if p.is_file() and _is_archive(p):
        return _reproduce_archive(p, workers)
    raw = load_report_json(p)
    if is_mipd_report(raw):  # a fit or dose report (sbmltwin.report.mipd)
        from sbmltwin.report.mipd import read_mipd_report, reproduce_mipd

        report = read_mipd_report(raw, where=str(p))
        out = Reproduction()
        out.changed_inputs, new = reproduce_mipd(report, p.resolve().parent)
        if new is None:
            out.differences.append("not re-run: an input is missing")
        else:
            out.differences, out.compared = compare_results(report.results, new)
        return out
    return _rerun(parse_manifest(raw, where=str(p)), p.resolve().parent, workers)
