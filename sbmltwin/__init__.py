"""sbmltwin: personalized pharmacology digital twins from community SBML models.

The public API is explicit; importing sbmltwin configures nothing (no logging handlers, no
libroadrunner settings).
"""

from __future__ import annotations

import logging

from sbmltwin.engine import (
    CompiledModel,
    CompileSettings,
    Dose,
    IntegratorSettings,
    Regimen,
    Route,
    SimulationResult,
    compile_model,
    parse_regimen,
    simulate,
)
from sbmltwin.errors import (
    DosingError,
    InputSafetyError,
    Issue,
    ModelCheckError,
    ModelLoadError,
    SbmlTwinError,
    Severity,
    SimulationError,
    UnitError,
    UnsupportedSbmlFeatureError,
)
from sbmltwin.model import Element, Model, check_model, load_model, parse_model
from sbmltwin.units import parse_quantity

__version__ = "0.1.0"

__all__ = [
    "CompileSettings",
    "CompiledModel",
    "Dose",
    "DosingError",
    "Element",
    "InputSafetyError",
    "IntegratorSettings",
    "Issue",
    "Model",
    "ModelCheckError",
    "ModelLoadError",
    "Regimen",
    "Route",
    "SbmlTwinError",
    "Severity",
    "SimulationError",
    "SimulationResult",
    "UnitError",
    "UnsupportedSbmlFeatureError",
    "__version__",
    "check_model",
    "compile_model",
    "load_model",
    "parse_model",
    "parse_quantity",
    "parse_regimen",
    "simulate",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
