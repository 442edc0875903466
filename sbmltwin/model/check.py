"""Check a model: libsbml consistency (units included) plus sbmltwin's pre-flight lint.

:func:`check_model` *returns* issues; :func:`require_simulatable` raises when any of them is an
error. The pre-flight list names SBML features that libroadrunner 2.10 refuses or mishandles,
each with the evidence behind it (SBML Test Suite case numbers, plain-libroadrunner runs).
"""

from __future__ import annotations

import math
from typing import Any

import libsbml

from sbmltwin.errors import (
    Issue,
    ModelCheckError,
    Severity,
    UnsupportedSbmlFeatureError,
)
from sbmltwin.model._math import ast_nodes, math_elements, require_ast_types
from sbmltwin.model.load import _issues
from sbmltwin.model.types import Model

__all__ = [
    "MAX_UNIT_CHECK_COMPONENTS",
    "UNSUPPORTED_FEATURES",
    "check_model",
    "preflight",
    "remember_check",
    "require_simulatable",
]

#: SBML features refused before simulation, with the evidence (plain libroadrunner 2.10.0 on the
#: SBML Test Suite semantic cases in ../shared; see the README's "What sbmltwin refuses").
UNSUPPORTED_FEATURES: dict[str, str] = {
    "AlgebraicRule": "an algebraic rule (libroadrunner cannot solve DAEs; e.g. case 00039)",
    "CSymbolDelay": "the delay() csymbol (no delay differential equations; e.g. case 00937)",
    "FastReaction": "fast reaction (not treated as rapid equilibrium; e.g. case 00870)",
    "fbc": "flux balance constraints (fbc) models are not time courses",
    "UnknownPackage": "a required SBML Level 3 package libroadrunner does not implement",
    "NonFiniteValue": "a NaN or infinite value that no initial assignment or rule replaces",
    "VariableFactorial": "factorial() of a changing quantity (libroadrunner integrates it with a "
    "frozen slope and returns silently wrong results; cases 00028, 00173, 00269)",
}
_SUPPORTED_PACKAGES = {"comp", "layout", "render", "l3v2extendedmath"}

_CATEGORIES = (
    libsbml.LIBSBML_CAT_GENERAL_CONSISTENCY,
    libsbml.LIBSBML_CAT_IDENTIFIER_CONSISTENCY,
    libsbml.LIBSBML_CAT_UNITS_CONSISTENCY,
    libsbml.LIBSBML_CAT_MATHML_CONSISTENCY,
    libsbml.LIBSBML_CAT_SBO_CONSISTENCY,
    libsbml.LIBSBML_CAT_OVERDETERMINED_MODEL,
    libsbml.LIBSBML_CAT_MODELING_PRACTICE,
)


#: Above this many components (compartments, species, parameters, reactions, rules, …) the
#: unit and modeling-practice categories are skipped, with a warning: libsbml's unit checks
#: grow to gigabytes on large documents (a 5 MB file of 10⁵ parameters needed 2.1 GB).
MAX_UNIT_CHECK_COMPONENTS = 10_000

_CHECKED: dict[tuple[str, bool, bool], tuple[Issue, ...]] = {}


def remember_check(model: Model, issues: tuple[Issue, ...], *, units: bool, practice: bool) -> None:
    """Record ``check_model``'s result for ``model`` (computed in an isolated child), so that
    this process does not run libsbml's checks on it again."""
    _CHECKED[(model.sha256, units, practice)] = issues


def _components(m: Any) -> int:
    return int(
        m.getNumCompartments()
        + m.getNumSpecies()
        + m.getNumParameters()
        + m.getNumReactions()
        + m.getNumRules()
        + m.getNumInitialAssignments()
        + m.getNumEvents()
        + m.getNumFunctionDefinitions()
    )


def check_model(model: Model, *, units: bool = True, practice: bool = False) -> tuple[Issue, ...]:
    """libsbml consistency issues (errors and warnings) followed by pre-flight issues.

    The units category always runs unless ``units=False`` is asked for explicitly; the modeling
    practice category (many harmless warnings on community models) only with ``practice=True``.
    On documents with more than :data:`MAX_UNIT_CHECK_COMPONENTS` components both are skipped
    and a warning says so.
    """
    cached = _CHECKED.get((model.sha256, units, practice))
    if cached is not None:
        return cached
    doc = model.document()
    skipped: tuple[Issue, ...] = ()
    count = _components(doc.getModel())
    if (units or practice) and count > MAX_UNIT_CHECK_COMPONENTS:
        skipped = (
            Issue(
                Severity.WARNING,
                "preflight",
                "UnitChecksSkipped",
                f"libsbml's unit{' and modeling-practice' if practice else ''} checks were "
                f"skipped: the model has {count} components (limit "
                f"{MAX_UNIT_CHECK_COMPONENTS}); units were not checked",
            ),
        )
        units = practice = False
    for cat in _CATEGORIES:
        doc.setConsistencyChecks(cat, True)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, units)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_MODELING_PRACTICE, practice)
    doc.checkConsistency()
    consistency = _issues(doc, min_severity=libsbml.LIBSBML_SEV_WARNING)
    return skipped + consistency + preflight(model, doc)


def require_simulatable(model: Model, issues: tuple[Issue, ...] | None = None) -> tuple[Issue, ...]:
    """Raise if ``model`` has consistency errors or unsupported features; return the warnings."""
    found = check_model(model) if issues is None else issues
    unsupported = [i for i in found if i.category == "preflight" and i.severity is Severity.ERROR]
    if unsupported:
        first = unsupported[0]
        elem = f"element '{first.sid}': " if first.sid else ""
        raise UnsupportedSbmlFeatureError(
            f"{elem}{first.message}"
            + (f" (+{len(unsupported) - 1} more unsupported)" if len(unsupported) > 1 else ""),
            where=model.source,
            hint="sbmltwin refuses models it cannot simulate correctly; "
            "run 'sbmltwin check' for the full list",
            issues=tuple(unsupported),
        )
    # Unit inconsistencies do not change the numbers a simulator computes: they stay visible
    # (check lists them, simulate returns them as warnings) but do not block a run.
    errors = [i for i in found if i.severity is Severity.ERROR and not _is_units(i)]
    if errors:
        first = errors[0]
        line = f"line {first.line}: " if first.line else ""
        raise ModelCheckError(
            f"{line}{first.message}"
            + (f" (+{len(errors) - 1} more errors)" if len(errors) > 1 else ""),
            where=model.source,
            hint="run 'sbmltwin check' for the full list and fix the SBML",
            issues=tuple(errors),
        )
    return tuple(i for i in found if i.severity is not Severity.ERROR or _is_units(i))


def _is_units(issue: Issue) -> bool:
    """Unit-consistency findings and errors about unit declarations (e.g. 10313 dangling unit)."""
    headline = issue.message.split(":", 1)[0].lower()
    return "unit consistency" in issue.category.lower() or "unit" in headline


def _changing(node: Any, constant: set[str]) -> bool:
    """Whether the expression below ``node`` can change during a simulation."""
    return any(
        n.getType() == libsbml.AST_NAME_TIME
        or (n.getType() == libsbml.AST_NAME and n.getName() not in constant)
        for n in ast_nodes(node)
    )


def _variable_factorial(node: Any, constant: set[str], factorial_functions: set[str]) -> bool:
    """factorial() of something changing, directly or through a call of a function using it."""
    if node.getType() == libsbml.AST_FUNCTION_FACTORIAL:
        return _changing(node, constant)
    if node.getType() == libsbml.AST_FUNCTION and node.getName() in factorial_functions:
        return _changing(node, constant)
    return False


def preflight(model: Model, doc: Any | None = None) -> tuple[Issue, ...]:
    """Features libroadrunner refuses or mishandles (errors) and fragile constructs (warnings).

    Raises :class:`ModelCheckError` when libsbml's AST types are unusable in this process
    (:func:`require_ast_types`): the rules below would otherwise silently find nothing.
    """
    require_ast_types()
    doc = model.document() if doc is None else doc
    m = doc.getModel()
    out: list[Issue] = []

    def add(severity: Severity, code: str, message: str, sid: str | None) -> None:
        out.append(Issue(severity, "preflight", code, message, None, sid))

    for i in range(doc.getNumPlugins()):
        name = doc.getPlugin(i).getPackageName()
        if name in _SUPPORTED_PACKAGES:
            continue
        required = doc.getPackageRequired(name) if doc.isPackageEnabled(name) else False
        if name == "fbc":
            add(Severity.ERROR, "fbc", UNSUPPORTED_FEATURES["fbc"], None)
        elif required:
            add(Severity.ERROR, "UnknownPackage", f"requires the SBML package '{name}'", None)

    for rule in m.getListOfRules():
        if rule.isAlgebraic() and rule.isSetMath():
            add(
                Severity.ERROR,
                "AlgebraicRule",
                "uses " + UNSUPPORTED_FEATURES["AlgebraicRule"],
                rule.getMetaId() or None,
            )
    for r in m.getListOfReactions():
        if r.isSetFast() and r.getFast():
            add(
                Severity.ERROR,
                "FastReaction",
                "is a " + UNSUPPORTED_FEATURES["FastReaction"],
                r.getId(),
            )

    constant = {p.getId() for p in m.getListOfParameters() if p.getConstant()}
    constant |= {c.getId() for c in m.getListOfCompartments() if c.getConstant()}
    constant -= {r.getVariable() for r in m.getListOfRules()}
    functions = {fd.getId() for fd in m.getListOfFunctionDefinitions()}
    factorial_functions = {
        fd.getId()
        for fd in m.getListOfFunctionDefinitions()
        if fd.isSetMath()
        and any(n.getType() == libsbml.AST_FUNCTION_FACTORIAL for n in ast_nodes(fd.getMath()))
    }
    delay_seen: set[str] = set()
    referenced: set[str] = set()
    for sid, ast in math_elements(m):
        for node in ast_nodes(ast):
            node_type = node.getType()
            if node_type == libsbml.AST_NAME:
                referenced.add(node.getName())
            if sid not in functions and _variable_factorial(node, constant, factorial_functions):
                add(
                    Severity.ERROR,
                    "VariableFactorial",
                    "uses " + UNSUPPORTED_FEATURES["VariableFactorial"],
                    sid,
                )
            if node_type == libsbml.AST_FUNCTION_DELAY and sid not in delay_seen:
                delay_seen.add(sid)
                add(
                    Severity.ERROR,
                    "CSymbolDelay",
                    "uses " + UNSUPPORTED_FEATURES["CSymbolDelay"],
                    sid,
                )
            if node_type == libsbml.AST_RELATIONAL_EQ and any(
                node.getChild(k).getType() == libsbml.AST_NAME_TIME
                for k in range(node.getNumChildren())
            ):
                add(
                    Severity.WARNING,
                    "TimeEqualityTrigger",
                    "compares time with '==': the event fires only if a solver step lands exactly "
                    "on that time; use 'time >= t' instead",
                    sid,
                )

    occupied = {s.getCompartment() for s in m.getListOfSpecies()}
    for comp in m.getListOfCompartments():
        size = comp.getSize() if comp.isSetSize() else math.nan
        if comp.getId() in occupied and math.isfinite(size) and 0 < size < 1e-6:
            add(
                Severity.WARNING,
                "TinyCompartment",
                f"has size {size:g}: amounts in it may fall below the default absolute tolerance "
                "(1e-12); set a smaller --atol or rescale the units",
                comp.getId(),
            )
    set_by_math = {ia.getSymbol() for ia in m.getListOfInitialAssignments()}
    set_by_math |= {r.getVariable() for r in m.getListOfRules() if r.isAssignment()}
    for collection, getter in (
        (m.getListOfParameters(), "getValue"),
        (m.getListOfCompartments(), "getSize"),
    ):
        for el in collection:
            value = getattr(el, getter)()
            is_set = el.isSetValue() if getter == "getValue" else el.isSetSize()
            if is_set and not math.isfinite(value) and el.getId() not in set_by_math:
                used = el.getId() in referenced or el.getId() in occupied
                add(
                    Severity.ERROR if used else Severity.WARNING,
                    "NonFiniteValue",
                    f"has the value {value}, which no initial assignment or rule replaces"
                    + ("" if used else " (no equation uses it)"),
                    el.getId(),
                )
    for s in m.getListOfSpecies():
        if s.isSetInitialAmount():
            value = s.getInitialAmount()
        elif s.isSetInitialConcentration():
            value = s.getInitialConcentration()
        else:
            continue
        if not math.isfinite(value) and s.getId() not in set_by_math:
            add(
                Severity.ERROR,
                "NonFiniteValue",
                f"has the initial value {value}, which no initial assignment or rule replaces",
                s.getId(),
            )
    return tuple(out)
