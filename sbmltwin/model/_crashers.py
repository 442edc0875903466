"""Pre-screens for SBML that crashes libsbml 5.21 / libroadrunner 2.10 by signal.

Each known crash class is recognised on the parsed document, before any consistency check or
compilation, so that its message is specific (the forked-child boundary in
:mod:`sbmltwin._isolate` catches the crashes we do not know yet). Found by fuzzing (issue 13):

* a ``rateOf`` csymbol applied to no argument: ``checkConsistency`` and libroadrunner's
  code generator both segfault;
* a kinetic law that refers to its own reaction's id, or reactions and assignment rules that
  refer to each other in a cycle: SBML Level 2 Version 1 has no validation rule against it, so
  ``check`` reported 0 errors and libroadrunner segfaulted; later levels refuse it (rule
  10217/21107-like circular dependency), which we now do for every level;
* very long ids: libroadrunner segfaults on a model id of 20,000 characters (10,000 survive);
  ids are capped by :class:`~sbmltwin.model._safety.Limits` ``max_id_chars`` in the XML screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sbmltwin.errors import UnsupportedSbmlFeatureError
from sbmltwin.model._math import ast_nodes, math_elements

__all__ = ["screen_known_crashers"]


# Node kinds are read with isName()/isCSymbolFunction(), not getType(): once another SWIG
# binding of libsbml is loaded in the process (tellurium does that), getType() returns an opaque
# SWIG object instead of the enum value and every comparison with libsbml.AST_* is False.


def _names(ast: Any) -> set[str]:
    return {str(n.getName()) for n in ast_nodes(ast) if n.isName() and n.getName()}


def screen_known_crashers(doc: Any, *, where: str) -> None:
    """Raise :class:`UnsupportedSbmlFeatureError` for the crash classes above."""
    m = doc.getModel()
    if m is None:
        return
    hint = "fix the model; libsbml/libroadrunner crash on it"
    for sid, ast in math_elements(m, constraints=True):
        for node in ast_nodes(ast):
            rate_of = node.isCSymbolFunction() and node.getName() == "rateOf"
            if rate_of and node.getNumChildren() != 1:
                raise UnsupportedSbmlFeatureError(
                    f"element '{sid}': rateOf() applied to {node.getNumChildren()} arguments "
                    "(it takes exactly one)",
                    where=where,
                    hint=hint,
                )
    # Reactions and assignment rules whose math refers to each other in a cycle.
    graph: dict[str, set[str]] = {}
    for r in m.getListOfReactions():
        law = r.getKineticLaw()
        if law is not None and law.isSetMath():
            local = {p.getId() for p in law.getListOfParameters()}  # shadow global ids
            graph[r.getId()] = _names(law.getMath()) - local
    for rule in m.getListOfRules():
        if rule.isAssignment() and rule.isSetMath():
            graph.setdefault(rule.getVariable(), set()).update(_names(rule.getMath()))
    for node_id in graph:
        graph[node_id] &= set(graph)
    cycle = _find_cycle(graph)
    if cycle:
        path = " → ".join([*cycle, cycle[0]])
        raise UnsupportedSbmlFeatureError(
            f"circular dependency between reactions and assignment rules: {path}",
            where=where,
            hint="a kinetic law may not refer to its own reaction id (nor through others); "
            "fix the model",
        )


def _find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as a list of nodes, or [] (iterative DFS)."""
    state: dict[str, int] = {}
    for root in sorted(graph):
        if state.get(root):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(child) == 1:
                return path[path.index(child) :]
            if not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return []
