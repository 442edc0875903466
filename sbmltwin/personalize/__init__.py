"""Stage 3: twin profile × bindings → ParameterSet (with reasons); inject into SBML."""

from sbmltwin.personalize.apply import ParameterChange, ParameterSet, inject, personalize
from sbmltwin.personalize.bindings import (
    COVARIATES,
    Binding,
    Bindings,
    DoseTarget,
    Law,
    OutputSpec,
    load_bindings,
    parse_bindings,
    validate_bindings,
)
from sbmltwin.personalize.profile import TwinProfile, load_profile, parse_profile

__all__ = [
    "COVARIATES",
    "Binding",
    "Bindings",
    "DoseTarget",
    "Law",
    "OutputSpec",
    "ParameterChange",
    "ParameterSet",
    "TwinProfile",
    "inject",
    "load_bindings",
    "load_profile",
    "parse_bindings",
    "parse_profile",
    "personalize",
    "validate_bindings",
]
