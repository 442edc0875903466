"""Issue 15: importing tellurium (libsedml's SWIG binding of libsbml) after python-libsbml makes
``ASTNode.getType()`` return opaque SWIG objects; every ``== libsbml.AST_*`` in the pre-flight
lint was then False and the lint silently found nothing. It must now refuse loudly, and still
work when tellurium is imported before libsbml. Each case runs in a fresh interpreter (the
breakage is per process and cannot be undone)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import pytest

# an event comparing time with '==' : the lint's TimeEqualityTrigger warning (found via getType)
MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="m">
    <listOfParameters>
      <parameter id="p" value="1" constant="false"/>
    </listOfParameters>
    <listOfEvents>
      <event id="e" useValuesFromTriggerTime="true">
        <trigger initialValue="false" persistent="true">
          <math xmlns="http://www.w3.org/1998/Math/MathML">
            <apply><eq/><csymbol encoding="text"
              definitionURL="http://www.sbml.org/sbml/symbols/time"> t </csymbol><cn>5</cn></apply>
          </math>
        </trigger>
        <listOfEventAssignments>
          <eventAssignment variable="p">
            <math xmlns="http://www.w3.org/1998/Math/MathML"><cn>2</cn></math>
          </eventAssignment>
        </listOfEventAssignments>
      </event>
    </listOfEvents>
  </model>
</sbml>
"""

SCRIPT = """
import sys
{first}
from sbmltwin.errors import ModelCheckError
from sbmltwin.model import parse_model
from sbmltwin.model.check import check_model
{second}
model = parse_model(sys.stdin.read(), fmt="sbml")
try:
    codes = [i.code for i in check_model(model, units=False)]
except ModelCheckError as err:
    print("REFUSED", err)
else:
    print("CODES", " ".join(codes))
"""


def _run(first: str, second: str) -> str:
    code = textwrap.dedent(SCRIPT).format(first=first, second=second)
    done = subprocess.run(
        [sys.executable, "-c", code], input=MODEL, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]  # SWIG prints leak notices before it


needs_tellurium = pytest.mark.skipif(
    importlib.util.find_spec("tellurium") is None,
    reason="tellurium not installed: pip install -e '.[test]'",
)


def test_the_lint_finds_the_time_equality_trigger_in_a_clean_process() -> None:
    out = _run("", "")
    assert out.startswith("CODES") and "TimeEqualityTrigger" in out.split(), out


@needs_tellurium
def test_tellurium_imported_after_libsbml_makes_the_lint_refuse_loudly() -> None:
    out = _run("", "import tellurium")
    assert out.startswith("REFUSED"), out
    assert "lint cannot run in this process" in out
    assert "ASTNode.getType()" in out and "tellurium" in out


@needs_tellurium
def test_tellurium_imported_before_libsbml_leaves_the_lint_working() -> None:
    out = _run("import tellurium", "")
    assert out.startswith("CODES") and "TimeEqualityTrigger" in out.split(), out
