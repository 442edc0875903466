"""``sbmltwin reproduce report.json``: re-run what a manifest names and compare every number.

Numbers match when |new − old| ≤ ATOL + RTOL·|old| (RTOL 1e-6, ATOL 1e-12: integrations are
deterministic on one machine; the tolerance absorbs other BLAS/CPU builds). Changed input files
are named by their SHA-256; differing numbers are named by their path in the results, keyed by
case id and group name.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbmltwin.provenance import sha256_bytes
from sbmltwin.report.manifest import clean, read_manifest
from sbmltwin.validate.cases import load_case, overall, run_case

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


def _keyed(results: Mapping[str, Any]) -> dict[str, Any]:
    """Cases keyed by id and groups by name, so paths read like cases[Qiu2016].groups[AS2]."""
    out: dict[str, Any] = {"overall": results.get("overall")}
    for case in results.get("cases", []):
        c = dict(case)
        c["groups"] = {g["name"]: g for g in case.get("groups", [])}
        out[f"cases[{case.get('id')}]"] = c
    return out


def _walk(a: Any, b: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b)):
            yield from _walk(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _walk(x, y, f"{path}[{i}]")
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
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def compare_results(
    old: Mapping[str, Any], new: Mapping[str, Any], *, keyed: bool = True
) -> tuple[list[str], int]:
    """(differences as lines, number of values compared); ``keyed``: validation results, with
    cases and groups keyed by id and name."""
    diffs: list[str] = []
    n = 0
    pair = (_keyed(old), _keyed(new)) if keyed else (old, new)
    for path, a, b in _walk(*pair, ""):
        n += 1
        if not _same(a, b):
            diffs.append(f"{path}: {_short(a)} → {_short(b)}")
    return diffs, n


def reproduce(manifest_path: str | Path) -> Reproduction:
    """Re-run every case of the manifest and compare inputs and results."""
    manifest = read_manifest(manifest_path)
    out = Reproduction()
    if manifest.get("kind") in ("fit", "dose"):  # a fit or dose report (sbmltwin.report.mipd)
        from sbmltwin.report.mipd import reproduce_mipd

        out.changed_inputs, new_results = reproduce_mipd(manifest)
        out.differences, out.compared = compare_results(
            manifest["results"], new_results, keyed=False
        )
        return out
    for path, digest in manifest.get("inputs", {}).items():
        p = Path(path)
        if not p.is_file():
            out.changed_inputs.append(f"{path}: missing")
        elif sha256_bytes(p.read_bytes()) != digest:
            out.changed_inputs.append(f"{path}: SHA-256 changed (was {digest[:12]}…)")
    cases = [load_case(p) for p in manifest.get("cases", [])]
    had_sensitivity = {
        c.get("id"): "sensitivity" in c for c in manifest["results"].get("cases", [])
    }
    results = [run_case(c, sensitivity=had_sensitivity.get(c.id, False)) for c in cases]
    new = clean({"cases": results, "overall": overall(results)})
    out.differences, out.compared = compare_results(manifest["results"], new)
    return out
