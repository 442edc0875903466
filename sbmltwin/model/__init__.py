"""Stage 1: SBML / Antimony / OMEX in, immutable :class:`Model` out; consistency and pre-flight."""

from sbmltwin.model._safety import Limits
from sbmltwin.model.check import UNSUPPORTED_FEATURES, check_model, preflight, require_simulatable
from sbmltwin.model.load import load_model, parse_model
from sbmltwin.model.types import Element, Model, SpeciesInfo

__all__ = [
    "UNSUPPORTED_FEATURES",
    "Element",
    "Limits",
    "Model",
    "SpeciesInfo",
    "check_model",
    "load_model",
    "parse_model",
    "preflight",
    "require_simulatable",
]
