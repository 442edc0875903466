"""Walking the math of a libsbml model: shared by the pre-flight lint and the crash pre-screens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sbmltwin.errors import ModelCheckError

__all__ = ["ast_nodes", "math_elements", "require_ast_types"]


def require_ast_types() -> None:
    """Raise :class:`ModelCheckError` when libsbml's ``ASTNode.getType()`` cannot be compared
    with ``libsbml.AST_*`` in this process.

    Importing another SWIG binding of libsbml *after* python-libsbml (libsedml, which tellurium
    imports) makes ``getType()`` return an opaque SWIG pointer: every comparison is then False
    and a lint written with ``getType()`` would find nothing, silently. Checked on every lint
    (a few microseconds), since the import can happen at any time.
    """
    import libsbml

    node = libsbml.parseL3Formula("time")
    if node is not None and node.getType() == libsbml.AST_NAME_TIME:
        return
    raise ModelCheckError(
        "the pre-flight lint cannot run in this process: libsbml's ASTNode.getType() returns "
        f"{type(node.getType()).__name__ if node is not None else 'nothing'} objects, not "
        "AST_* numbers (another libsbml SWIG binding, e.g. libsedml via tellurium, was imported "
        "after libsbml), so every rule would silently pass",
        where="libsbml",
        hint="run sbmltwin in a process that does not import tellurium/libsedml, or import "
        "them before libsbml and sbmltwin",
    )


def ast_nodes(ast: Any) -> Iterator[Any]:
    """Every node of a libsbml AST, iteratively (input depth is bounded by the XML screen)."""
    stack = [ast]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        yield node
        stack.extend(node.getChild(i) for i in range(node.getNumChildren()))


def math_elements(m: Any, *, constraints: bool = False) -> Iterator[tuple[str, Any]]:
    """(element id, math AST) for every math-bearing element of the model.

    Kinetic laws, rules, initial assignments, function definitions, event triggers, delays,
    priorities and assignments; constraints too when ``constraints`` is true.
    """
    for r in m.getListOfReactions():
        law = r.getKineticLaw()
        if law is not None and law.isSetMath():
            yield r.getId(), law.getMath()
    for rule in m.getListOfRules():
        if rule.isSetMath():
            yield rule.getVariable() or rule.getMetaId() or "algebraic rule", rule.getMath()
    for ia in m.getListOfInitialAssignments():
        if ia.isSetMath():
            yield ia.getSymbol(), ia.getMath()
    for ev in m.getListOfEvents():
        eid = ev.getId() or "event"
        for part in (ev.getTrigger(), ev.getDelay(), ev.getPriority()):
            if part is not None and part.isSetMath():
                yield eid, part.getMath()
        for ea in ev.getListOfEventAssignments():
            if ea.isSetMath():
                yield ea.getVariable(), ea.getMath()
    for fd in m.getListOfFunctionDefinitions():
        if fd.isSetMath():
            yield fd.getId(), fd.getMath()
    if constraints:
        for c in m.getListOfConstraints():
            if c.isSetMath():
                yield "constraint", c.getMath()
