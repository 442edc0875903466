"""Errors a user can cause, and the structured issues they carry.

Every failure that bad input can provoke is an :class:`SbmlTwinError` subclass whose text says
*where* (file, line, element id), *what* went wrong and, in a hint, *what to do*. Anything else
that escapes sbmltwin is a bug and keeps its traceback. This module is a leaf: it imports nothing
from sbmltwin.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BindingError",
    "CalibrationError",
    "CompoundError",
    "DosingError",
    "GenotypeError",
    "InputSafetyError",
    "Issue",
    "LevelsError",
    "ModelCheckError",
    "ModelLoadError",
    "NativeCrashError",
    "OutputError",
    "ProfileError",
    "SbmlTwinError",
    "Severity",
    "SimulationError",
    "UnitError",
    "UnsupportedSbmlFeatureError",
    "ValidationDataError",
    "check_keys",
]


class Severity(enum.Enum):
    """How bad an :class:`Issue` is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding about a model: a libsbml diagnostic or an sbmltwin pre-flight finding.

    ``category`` is the libsbml category name (``"units"``, ``"mathml"`` …) or ``"preflight"``;
    ``code`` is the libsbml error id or an sbmltwin feature name; ``sid`` the element concerned.
    """

    severity: Severity
    category: str
    code: str
    message: str
    line: int | None = None
    sid: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        elem = f"[{self.sid}] " if self.sid else ""
        return f"{self.severity.value} ({self.category} {self.code}) {where}{elem}{self.message}"


class SbmlTwinError(Exception):
    """Anything a user can cause. Text is ``where: what. Hint: what to do``."""

    def __init__(
        self,
        what: str,
        *,
        where: str | None = None,
        hint: str | None = None,
        issues: tuple[Issue, ...] = (),
    ) -> None:
        super().__init__(what)
        self.what = what
        self.where = where
        self.hint = hint
        self.issues = issues

    def __str__(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else self.what
        return f"{text.rstrip('.')}. Hint: {self.hint}" if self.hint else text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments: pickle must rebuild through a helper.
        return (_rebuild, (type(self), self.what, self.where, self.hint, self.issues))


def _rebuild(
    cls: type[SbmlTwinError],
    what: str,
    where: str | None,
    hint: str | None,
    issues: tuple[Issue, ...],
) -> SbmlTwinError:
    return cls(what, where=where, hint=hint, issues=issues)


class ModelLoadError(SbmlTwinError):
    """A model file or string could not be read, parsed or converted to SBML."""


class InputSafetyError(ModelLoadError):
    """An input was refused before parsing: DTD/entities, too deep, too large, unsafe archive."""


class ModelCheckError(SbmlTwinError):
    """A model was read but is inconsistent (libsbml errors) or cannot be simulated correctly."""


class UnsupportedSbmlFeatureError(ModelCheckError):
    """The model uses an SBML feature the engine cannot simulate correctly (pre-flight)."""


class UnitError(SbmlTwinError, ValueError):
    """A quantity could not be parsed, or its dimension does not match what is needed."""


class DosingError(SbmlTwinError, ValueError):
    """A dose or regimen is malformed or names a target the model cannot receive a dose in."""


class SimulationError(SbmlTwinError):
    """libroadrunner failed to compile or integrate a model, or a selection is unknown."""


class GenotypeError(SbmlTwinError, ValueError):
    """A diplotype, allele, gene, phenotype or activity score that cannot be read or scored."""


class ProfileError(SbmlTwinError, ValueError):
    """A twin profile with an unknown key or an impossible value."""


class BindingError(SbmlTwinError, KeyError):
    """A bindings file that names an id the model lacks, a unit that does not fit, or a bad law."""

    def __str__(self) -> str:  # KeyError would quote the message
        return SbmlTwinError.__str__(self)


class CompoundError(SbmlTwinError, ValueError):
    """A compound file (``sbmltwin build``) with an unknown key, a number without a source, or
    a value the builder cannot use."""


class NativeCrashError(SbmlTwinError):
    """libsbml or libroadrunner crashed (a signal), ran out of memory or out of CPU time on an
    input, inside an isolated child process (``sbmltwin._isolate``)."""


class OutputError(SbmlTwinError):
    """An output path that cannot be written (missing folder, read-only, disk full, locked)."""


class ValidationDataError(SbmlTwinError, ValueError):
    """A validation case, its observations or a report manifest cannot be read."""


class LevelsError(SbmlTwinError, ValueError):
    """A file of measured drug levels (for fitting a twin) with a row that cannot be used."""


class CalibrationError(SbmlTwinError, ValueError):
    """A calibration spec that cannot be run: an unknown parameter, bad bounds, or a case that
    is not a training case (calibration never sees validation data)."""


def check_keys(
    table: Mapping[str, Any],
    allowed: Collection[str],
    *,
    error: type[SbmlTwinError],
    where: str | None,
    what: str = "key",
    hint: str | None = None,
) -> None:
    """Raise ``error`` naming the keys of ``table`` that ``allowed`` lacks (``unknown key 'x'``,
    ``unknown keys 'x', 'y'``); the hint lists the allowed keys unless ``hint`` is given."""
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise error(
            f"unknown {what}{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}",
            where=where,
            hint=hint or f"allowed: {', '.join(sorted(allowed))}",
        )
