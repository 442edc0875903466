"""Effect checks: does a dose or a gene binding move anything?

Two ways a run can be confidently wrong while every id exists:

* **A dose into something that is not a dose compartment.** A bolus into a parameter that
  nothing reads does nothing; into a parameter that no rate rule changes (or whose rate rule
  does not depend on it) it is a permanent step, so every reader sees an endless input; and a
  dose whose target cannot reach the requested output (through reactions and rules) cannot
  show in it. :func:`check_dose_targets` finds these from the model's structure.
* **A gene binding whose parameter does not move the output** (e.g. a metabolic Vmax bound to a
  gene when uptake limits clearance). :func:`binding_sensitivities` measures, at the twin being
  run, the normalized local sensitivity of the output's AUC to each bound parameter and
  :func:`check_binding_effects` warns below :data:`MIN_SENSITIVITY`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import numpy as np

from sbmltwin.engine.dosing import DoseEvent, infusion_parameter
from sbmltwin.model import Model

__all__ = [
    "MIN_SENSITIVITY",
    "BindingEffect",
    "binding_sensitivities",
    "check_binding_effects",
    "check_dose_targets",
]

#: |d ln AUC / d ln p| below which a binding is said to have no effect on an output
MIN_SENSITIVITY = 0.01
_STEP = 0.01  # +1 % (the same step as the validation report's sensitivity table)


_MATHML = "{http://www.w3.org/1998/Math/MathML}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _names(element: Any) -> set[str]:
    """The identifiers (MathML ``ci``) an element's maths reads."""
    if element is None:
        return set()
    return {(ci.text or "").strip() for ci in element.iter(f"{_MATHML}ci")} - {""}


def _children(element: Any, name: str) -> list[Any]:
    """Descendants of ``element`` with local tag ``name`` (SBML namespaces vary by level)."""
    return [e for e in element.iter() if _local(e.tag) == name]


@dataclass(frozen=True)
class _Graph:
    """Who changes whom during a run: ``influences[x]`` are the ids whose value or rate reads
    ``x`` (reaction participants, rule variables, event assignment variables)."""

    influences: Mapping[str, frozenset[str]]
    rate_rules: Mapping[str, frozenset[str]]  # variable → ids its rate rule reads (expanded)
    readers: Mapping[str, tuple[str, ...]]  # id → what reads it ("reaction iv_met", …)


def _graph(model: Model) -> _Graph:
    """Read from the SBML text with the standard library's XML parser (the model was screened
    when loaded), so no libsbml object's lifetime is involved."""
    root = ElementTree.fromstring(model.sbml)  # noqa: S314 - screened at load (no DOCTYPE)
    edges: dict[str, set[str]] = {}
    readers: dict[str, list[str]] = {}
    assigned: dict[str, set[str]] = {}

    def add(sources: Iterable[str], target: str, reader: str) -> None:
        for s in sources:
            edges.setdefault(s, set()).add(target)
            readers.setdefault(s, []).append(reader)

    for r in _children(root, "reaction"):
        laws = _children(r, "kineticLaw")
        names = _names(laws[0]) if laws else set()
        names |= {m.get("species", "") for m in _children(r, "modifierSpeciesReference")}
        touched = [ref.get("species", "") for ref in _children(r, "speciesReference")]
        for species in touched:
            add(names, species, f"reaction {r.get('id')}")
    raw_rates: dict[str, set[str]] = {}
    for kind in ("assignmentRule", "rateRule"):
        for rule in _children(root, kind):
            var = rule.get("variable", "")
            names = _names(rule)
            label = "rate rule" if kind == "rateRule" else "assignment rule"
            add(names, var, f"{label} of {var}")
            if kind == "rateRule":
                raw_rates[var] = names
            else:
                assigned[var] = names
    for e in _children(root, "event"):
        triggers = _children(e, "trigger")
        trigger = _names(triggers[0]) if triggers else set()
        for ea in _children(e, "eventAssignment"):
            add(_names(ea) | trigger, ea.get("variable", ""), f"event {e.get('id')}")

    def expand(names: set[str]) -> frozenset[str]:
        out, todo = set(), list(names)
        while todo:
            n = todo.pop()
            if n in out:
                continue
            out.add(n)
            todo.extend(assigned.get(n, ()))
        return frozenset(out)

    return _Graph(
        {k: frozenset(v) for k, v in edges.items()},
        {k: expand(v) for k, v in raw_rates.items()},
        {k: tuple(dict.fromkeys(v)) for k, v in readers.items()},
    )


def _reach(graph: _Graph, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.influences.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def check_dose_targets(
    model: Model, events: Sequence[DoseEvent], outputs: Sequence[str] = ()
) -> tuple[str, ...]:
    """Warnings (one line each, naming the id and why) for doses that cannot act as doses:
    a target parameter nothing reads, one no rate rule decreases (an endless input), or a target
    from which no output in ``outputs`` (``[S]``, ``S`` or ids) can be reached."""
    graph = _graph(model)
    warnings: list[str] = []
    targets: dict[str, str] = {}
    for e in events:
        if e.kind == "bolus":
            targets.setdefault(e.target, e.target)
        else:  # an infusion's rate parameter feeds the target species
            sid = e.target.removeprefix(infusion_parameter(""))
            targets.setdefault(sid, sid)
    wanted = {o[1:-1] if o.startswith("[") and o.endswith("]") else o for o in outputs}
    for target in targets:
        kind = model.kind_of(target)
        if kind == "parameter":
            readers = graph.readers.get(target, ())
            if not readers:
                warnings.append(
                    f"dose target '{target}' is a parameter that nothing in the model reads: "
                    "the dose has no effect (dose into the species that holds the drug instead)"
                )
                continue
            if target not in graph.rate_rules:
                warnings.append(
                    f"dose target '{target}' is a parameter that no rate rule changes: a dose "
                    f"raises it for good, so {readers[0]} sees an input that never decays "
                    "(dose into a species, or a parameter whose rate rule empties it)"
                )
            elif target not in graph.rate_rules[target]:
                warnings.append(
                    f"dose target '{target}' has a rate rule that does not depend on it: the "
                    "dose never decays"
                )
        reached = _reach(graph, target)
        missed = sorted(w for w in wanted if w not in reached)
        if missed:
            warnings.append(
                f"dose target '{target}' cannot reach output(s) {', '.join(missed)} through the "
                f"model's reactions and rules: the dose cannot show in them"
            )
    return tuple(warnings)


@dataclass(frozen=True, slots=True)
class BindingEffect:
    """The normalized local sensitivity of ``output``'s AUC to a bound parameter, at one twin."""

    key: str  # the binding, e.g. "[genes.CYP2C19]"
    parameter: str
    output: str
    value: float  # the parameter's value at the twin
    sensitivity: float  # (ΔAUC/AUC)/(Δp/p) for a +1 % step (from the model's value if p = 0)

    @property
    def no_effect(self) -> bool:
        s = self.sensitivity
        return not math.isnan(s) and abs(s) < MIN_SENSITIVITY

    def warning(self) -> str:
        return (
            f"{self.key} → '{self.parameter}': the AUC of {self.output} does not respond to it "
            f"at this twin (local sensitivity {self.sensitivity:+.2g}, below "
            f"{MIN_SENSITIVITY:g}): the binding moves nothing (another process limits the "
            "output, or the parameter does not reach it)"
        )


def binding_sensitivities(
    auc: Callable[[Mapping[str, float]], Sequence[float]],
    params: Mapping[str, float],
    bound: Mapping[str, tuple[str, float]],
    outputs: Sequence[str],
) -> list[BindingEffect]:
    """Sensitivities of every output's AUC to every bound parameter.

    ``auc(params)`` returns one AUC per output for a twin's initial values; ``params`` are the
    twin's; ``bound`` maps parameter id → (binding key, model value). A parameter at 0 at the
    twin (e.g. a poor metabolizer) is stepped from 1 % of its model value instead."""
    base = list(auc(params))
    effects = []
    for sid, (key, model_value) in bound.items():
        value = params.get(sid, model_value)
        if value:
            step = {**params, sid: value * (1 + _STEP)}
        elif model_value:
            step = {**params, sid: model_value * _STEP}
        else:
            continue
        moved = list(auc(step))
        for out, a0, a1 in zip(outputs, base, moved, strict=True):
            if not (math.isfinite(a0) and math.isfinite(a1)):
                s = math.nan  # cannot tell: not flagged
            elif a0 == 0:  # the output is zero at this twin (e.g. a metabolite of a PM)
                s = math.inf if a1 != 0 else 0.0
            else:
                s = (a1 / a0 - 1) / _STEP
            effects.append(BindingEffect(key, sid, out, float(value), float(s)))
    return effects


def check_binding_effects(effects: Iterable[BindingEffect]) -> tuple[str, ...]:
    """The warnings of the bindings without effect."""
    return tuple(e.warning() for e in effects if e.no_effect)


def auc_of(time: Any, values: Any) -> float:
    """Linear trapezoid AUC (enough to tell a moving output from a still one)."""
    return float(np.trapezoid(values, time))
