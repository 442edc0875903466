"""Stages import only leaves and lower stages (STYLE.md §1): a back-edge fails this test."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "sbmltwin"

# rank of each top-level module/package of sbmltwin; leaves are 0, cli on top.
RANK = {
    "errors": 0,
    "units": 0,
    "provenance": 0,
    "_columns": 0,
    "_isolate": 0,
    "_io": 0,
    "_plot": 8,  # plotting helpers sit with reporting
    "examples": 0,
    "model": 1,
    "pgx": 2,
    "physiology": 2,
    "personalize": 3,
    "engine": 4,
    "build": 4,  # model, physiology; a stage beside engine (neither imports the other)
    "pk": 5,
    "cohort": 6,
    "validate": 7,
    "mipd": 7,  # fit/dose: above cohort/pk/engine/personalize, below report and cli
    "report": 8,
    "cli": 9,
    "__init__": 10,
    "__main__": 10,
}


def _stage(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "sbmltwin" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_module_has_a_rank() -> None:
    stages = {_stage(p) for p in PKG.rglob("*.py")}
    assert stages <= set(RANK), f"give these a rank in test_layering.RANK: {stages - set(RANK)}"


def test_no_back_edges() -> None:
    bad = []
    for path in PKG.rglob("*.py"):
        stage = _stage(path)
        for target in _imports(path):
            if target != stage and RANK[target] >= RANK[stage] and RANK[target] != 0:
                bad.append(f"{path.relative_to(PKG)} imports sbmltwin.{target}")
            elif target != stage and RANK[target] > RANK[stage]:
                bad.append(f"{path.relative_to(PKG)} imports sbmltwin.{target}")
    assert not bad, "layering back-edges:\n" + "\n".join(bad)
