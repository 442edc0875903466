"""An SBML L2V1 kinetic law naming its own reaction: 'check' said 0 errors, simulate segfaulted."""

from __future__ import annotations

import pytest

from tests.regression._helpers import clean_error

pytestmark = pytest.mark.integration

L2V1 = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level2" level="2" version="1">
  <model id="selfref">
    <listOfCompartments><compartment id="C" size="1"/></listOfCompartments>
    <listOfSpecies>
      <species id="A" compartment="C" initialConcentration="1"/>
      <species id="B" compartment="C" initialConcentration="0"/>
    </listOfSpecies>
    <listOfParameters><parameter id="k" value="0.1"/></listOfParameters>
    <listOfReactions>
      <reaction id="R" reversible="false">
        <listOfReactants><speciesReference species="A"/></listOfReactants>
        <listOfProducts><speciesReference species="B"/></listOfProducts>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><times/><ci> k </ci><ci> REF </ci></apply>
        </math></kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
"""


@pytest.mark.parametrize("command", [["check"], ["simulate", "--end", "1"]])
def test_kinetic_law_naming_its_own_reaction_is_refused(command, write) -> None:
    path = write("selfref.xml", L2V1.replace("REF", "R"))
    clean_error([command[0], str(path), *command[1:]], "circular dependency", "R → R")


def test_a_law_naming_another_reaction_without_cycle_still_runs(write) -> None:
    from tests.fuzz.harness import run_cli

    text = L2V1.replace("REF", "A")
    path = write("fine.xml", text)
    outcome = run_cli(["simulate", str(path), "--end", "1", "--points", "3"])
    assert outcome.code == 0, outcome.stderr
    # A(t) = exp(-0.1 t): the closed form, at t = 1
    last = outcome.stdout.strip().splitlines()[-1].split(",")
    assert abs(float(last[1]) - 0.904837418) < 1e-5
