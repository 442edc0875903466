"""Generators of test inputs shared by several test modules."""

from __future__ import annotations


def deep_mathml(depth: int) -> str:
    """An SBML L3V2 model whose kinetic law nests ``depth`` <apply><plus/> levels."""
    math = "<apply><plus/>" * depth + "<ci> k </ci>" + "<cn> 1 </cn></apply>" * depth  # linear time
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="deep">
    <listOfCompartments><compartment id="c" size="1" constant="true" spatialDimensions="3"/></listOfCompartments>
    <listOfSpecies><species id="S" compartment="c" initialAmount="1" hasOnlySubstanceUnits="true"
      boundaryCondition="false" constant="false"/></listOfSpecies>
    <listOfParameters><parameter id="k" value="0.1" constant="true"/></listOfParameters>
    <listOfReactions><reaction id="J" reversible="false">
      <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
      <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">{math}</math></kineticLaw>
    </reaction></listOfReactions>
  </model>
</sbml>
"""
