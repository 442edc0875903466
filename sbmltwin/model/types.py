"""The immutable :class:`Model`: SBML text plus what sbmltwin knows about its elements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sbmltwin.errors import ModelLoadError
from sbmltwin.units import ModelUnit

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Element", "Model", "SpeciesInfo"]


@dataclass(frozen=True, slots=True)
class Element:
    """One row of the model's element table (what ``sbmltwin info`` prints).

    ``kind`` is one of compartment, species, parameter, reaction, rule, event,
    initial_assignment, function. ``value`` is the declared initial value (species: the initial
    amount or concentration as written, see ``detail``); ``unit`` is a display text.
    """

    kind: str
    sid: str
    name: str
    value: float | None
    unit: str
    detail: str = ""
    computed_by: str = ""  # "initial assignment", "assignment rule" or "rate rule" when one sets it


@dataclass(frozen=True, slots=True)
class SpeciesInfo:
    """What the engine needs to know about a species to dose and select it correctly."""

    compartment: str
    has_only_substance_units: bool
    boundary_condition: bool
    constant: bool


@dataclass(frozen=True, slots=True, eq=False)
class Model:
    """A loaded model. Holds SBML *text* (picklable); :meth:`document` parses a fresh copy.

    ``units`` maps every compartment, species (amount unit) and parameter id to its unit, plus
    the model-wide keys ``time``, ``substance``, ``volume``, ``extent``.
    """

    sbml: str
    sha256: str
    source: str
    fmt: str
    level: int
    version: int
    model_id: str
    elements: tuple[Element, ...]
    units: Mapping[str, ModelUnit]
    species: Mapping[str, SpeciesInfo]
    concentration_units: Mapping[str, ModelUnit] = field(default_factory=dict)

    def document(self) -> Any:
        """A fresh ``libsbml.SBMLDocument`` (never a shared mutable one)."""
        import libsbml

        doc = libsbml.readSBMLFromString(self.sbml)
        if doc.getModel() is None:
            raise ModelLoadError("SBML text has no model", where=self.source)
        return doc

    def ids(self, kind: str | None = None) -> tuple[str, ...]:
        """Element ids, optionally only those of one ``kind``."""
        return tuple(e.sid for e in self.elements if kind is None or e.kind == kind)

    def kind_of(self, sid: str) -> str | None:
        """The kind of the element ``sid`` among compartments, species, parameters, reactions."""
        for e in self.elements:
            if e.sid == sid and e.kind in ("compartment", "species", "parameter", "reaction"):
                return e.kind
        return None

    @property
    def time_unit(self) -> ModelUnit:
        return self.units.get("time", ModelUnit.undeclared())

    def table(self) -> pd.DataFrame:
        """The element table as a DataFrame (columns kind, id, name, value, unit, detail)."""
        import pandas as pd

        return pd.DataFrame(
            [(e.kind, e.sid, e.name, e.value, e.unit, e.detail) for e in self.elements],
            columns=["kind", "id", "name", "value", "unit", "detail"],
        )
