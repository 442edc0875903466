"""Issue 12: nothing in sbmltwin/report/ indexes a results dict by a string key.

An AST scan of every module in sbmltwin/report/ for subscripts with a string-constant key
(``x["estimates"]``, ``e["map"]``, ``manifest["inputs"]``); only the names below may be indexed
so, because they are not results: tables of constants and the dict of written files.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sbmltwin.report

REPORT = Path(sbmltwin.report.__file__).parent
#: FORMATS: OMEX format URIs (a constant table); attrs: an XML element's attributes being
#: built; written: the files a report writer wrote, by kind
ALLOWED = {"FORMATS", "attrs", "written"}


def string_subscripts(source: str) -> list[str]:
    """``name["key"]`` expressions of ``source`` whose object is not an ALLOWED name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)):
            continue
        if not isinstance(node.slice.value, str):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ALLOWED:
            continue
        found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_finds_string_indexing() -> None:
    code = 'def f(results, e):\n    return results["estimates"], e["map"], r.x["pta"]\n'
    assert len(string_subscripts(code)) == 3
    assert string_subscripts('written["png"] = FORMATS["omex"]\n') == []


def test_report_modules_read_typed_objects() -> None:
    modules = sorted(REPORT.glob("*.py"))
    assert {"mipd.py", "html.py", "reproduce.py", "omex.py"} <= {m.name for m in modules}
    offenders = {
        m.name: hits for m in modules if (hits := string_subscripts(m.read_text(encoding="utf-8")))
    }
    assert offenders == {}
