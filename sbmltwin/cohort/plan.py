"""Personalize a block of sampled twins at once: the values :func:`personalize` would give.

:func:`sbmltwin.personalize.personalize` builds, per twin, a :class:`ParameterSet` whose every
change carries a reason chain (``CYP2D6 *1/*4 → AS 1.0 (CPIC …) → IM → f = AS/2 = 0.5``). A
cohort needs only the values, so :class:`PersonalizationPlan` works out once per run what each
binding does, and per block:

* a gene binding's factor once per distinct gene call (a cohort has a few dozen diplotypes),
  errors included (an Indeterminate twin under an activity-score law fails with the message
  ``personalize`` raises);
* a covariate binding's value per twin through the same registry ``personalize`` uses
  (:mod:`sbmltwin.personalize.laws`: covariate functions and law arithmetic defined once, so
  the values are equal bit for bit), but no reason strings;
* set-then-scale in binding order, then the IIV factors, as numpy columns.

Anything the plan does not reproduce exactly (a gene the population does not sample, two
bindings setting one id, bindings that do not validate against the model, IIV on an id that
cannot be set, an unknown covariate) makes it fall back to calling ``personalize`` per twin, so
results never depend on which path ran. The reason chain stays available:
``personalize(model, block.twin(i).profile, bindings)`` gives it for one twin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sbmltwin.cohort.sampling import PopulationSpec, TwinBlock
from sbmltwin.errors import SbmlTwinError
from sbmltwin.model import Model
from sbmltwin.personalize import Binding, Bindings, personalize
from sbmltwin.personalize.bindings import validate_bindings
from sbmltwin.personalize.laws import COVARIATE_REGISTRY, covariate_law, gene_factor
from sbmltwin.pgx import GeneCall
from sbmltwin.units import ModelUnit

__all__ = ["PersonalizationPlan"]

Values = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Step:
    """One active binding and how it gets a twin's value."""

    binding: Binding
    law_value: Callable[[float], float] | None = None  # covariate value → binding value


@dataclass
class PersonalizationPlan:
    """How a cohort's bindings turn a :class:`TwinBlock` into initial values.

    :meth:`values` returns ``(ids, values, errors)``: ``values[i, j]`` is twin ``i``'s value
    for ``ids[j]``, and ``errors[i]`` is ``personalize``'s error text for a twin it refuses
    (whose row is then meaningless), else ``None``.
    """

    model: Model
    bindings: Bindings
    spec: PopulationSpec
    initial_values: Mapping[str, float]
    ids: tuple[str, ...]
    steps: tuple[_Step, ...] | None  # None: personalize() per twin
    old: Mapping[str, float]
    reason: str = ""  # why the plan falls back, when it does

    @staticmethod
    def build(
        model: Model,
        bindings: Bindings,
        spec: PopulationSpec,
        initial_values: Mapping[str, float],
    ) -> PersonalizationPlan:
        """The plan for ``bindings`` on ``model`` and twins of ``spec``.

        ``initial_values`` are the compiled model's ``init(id)`` values (what an IIV factor
        multiplies when no binding changes the id)."""
        steps, old, why = _steps(model, bindings, spec, initial_values)
        bound = sorted({s.binding.parameter for s in steps}) if steps is not None else []
        ids = tuple(bound + [sid for sid in spec.iiv if sid not in bound])
        return PersonalizationPlan(model, bindings, spec, initial_values, ids, steps, old, why)

    def values(self, block: TwinBlock) -> tuple[tuple[str, ...], Values, list[str | None]]:
        if self.steps is None:
            return self._per_twin(block)
        n = len(block)
        errors: list[str | None] = [None] * n
        sets: dict[str, Values] = {}
        scales: dict[str, list[Values]] = {}
        for step in self.steps:  # binding order: a twin's error is its first failing binding
            column, failed = self._step_values(step, block)
            for i, message in failed:
                if errors[i] is None:
                    errors[i] = message
            sid = step.binding.parameter
            if step.binding.apply == "set":
                sets[sid] = column
            else:
                scales.setdefault(sid, []).append(column)
        current: dict[str, Values] = {}
        for sid in sorted(set(sets) | set(scales)):  # as personalize: the set, then each scale
            value = sets[sid] if sid in sets else np.full(n, self.old[sid])
            for factor in scales.get(sid, []):
                value = value * factor
            current[sid] = value
        for sid, factors in block.iiv.items():
            base = current.get(sid)
            if base is None:
                base = np.full(n, self.initial_values[sid])
            current[sid] = base * factors
        table = np.empty((n, len(self.ids)))
        for j, sid in enumerate(self.ids):
            table[:, j] = current[sid]
        return self.ids, table, errors

    def _step_values(self, step: _Step, block: TwinBlock) -> tuple[Values, list[tuple[int, str]]]:
        n = len(block)
        failed: list[tuple[int, str]] = []
        b = step.binding
        if b.section == "genes":
            cache: dict[GeneCall, float | str] = {}
            out = np.empty(n)
            for i, call in enumerate(block.genes[b.name]):
                got = cache.get(call)
                if got is None:
                    try:
                        got = gene_factor(b, call)[0]
                    except SbmlTwinError as err:
                        got = str(err)
                    cache[call] = got
                if isinstance(got, str):
                    out[i] = math.nan
                    failed.append((i, got))
                else:
                    out[i] = got
            return out, failed
        assert step.law_value is not None
        covariate = COVARIATE_REGISTRY[b.name].compute
        law = step.law_value
        values = [math.nan] * n
        w, h = block.weight_kg.tolist(), block.height_cm.tolist()
        age, scr = block.age_years.tolist(), block.serum_creatinine_mg_dl.tolist()
        for i in range(n):
            try:
                values[i] = law(covariate(w[i], h[i], block.sex[i], age[i], scr[i]))
            except SbmlTwinError as err:
                failed.append((i, str(err)))
        return np.array(values, dtype=float), failed

    def _per_twin(self, block: TwinBlock) -> tuple[tuple[str, ...], Values, list[str | None]]:
        """``personalize`` for every twin (the fallback), then the IIV factors."""
        rows: list[dict[str, float]] = []
        errors: list[str | None] = []
        for i in range(len(block)):
            twin = block.twin(i)
            try:
                params = personalize(self.model, twin.profile, self.bindings).as_dict()
                for sid, factor in twin.iiv.items():
                    if sid not in self.initial_values:
                        raise SbmlTwinError(
                            f"[iiv] names '{sid}', which is not a settable id of the model",
                            where=self.spec.source,
                        )
                    params[sid] = params.get(sid, self.initial_values[sid]) * factor
            except SbmlTwinError as err:
                rows.append({})
                errors.append(str(err))
                continue
            rows.append(params)
            errors.append(None)
        ids = tuple(sorted({sid for r in rows for sid in r}))
        table = np.empty((len(rows), len(ids)))
        for i, params in enumerate(rows):
            # an id a twin does not change keeps its initial value (what a reset restores)
            table[i] = [params.get(sid, self.initial_values.get(sid, math.nan)) for sid in ids]
        return ids, table, errors


def _steps(
    model: Model,
    bindings: Bindings,
    spec: PopulationSpec,
    initial_values: Mapping[str, float],
) -> tuple[tuple[_Step, ...] | None, dict[str, float], str]:
    """The active bindings as steps, the model values they start from, or (None, …, why)."""
    try:
        validate_bindings(bindings, model)
    except SbmlTwinError:
        return None, {}, "bindings do not validate (every twin fails as personalize says)"
    for sid in spec.iiv:
        if sid not in initial_values:
            return None, {}, f"IIV on '{sid}', which cannot be set"
    values = {e.sid: e.value for e in model.elements if e.kind in ("parameter", "compartment")}
    steps: list[_Step] = []
    old: dict[str, float] = {}
    sets: set[str] = set()
    for b in bindings.bindings:
        if b.section == "conditions":
            if b.on_missing == "error":
                return None, {}, f"{b.key} has on_missing = 'error'"
            continue  # sampled twins have no conditions: personalize keeps the model's value
        if b.section == "genes" and b.name not in spec.genes:
            return None, {}, f"{b.name} is bound but not sampled"
        if b.section == "covariates" and b.name not in COVARIATE_REGISTRY:
            return None, {}, f"covariate {b.name} is not planned"
        if b.section not in ("genes", "covariates"):
            return None, {}, f"binding section {b.section}"
        if b.apply == "set":
            if b.parameter in sets:
                return None, {}, f"'{b.parameter}' is set twice"
            sets.add(b.parameter)
        start = values.get(b.parameter)
        if start is None:
            return None, {}, f"'{b.parameter}' has no value to start from"
        law_value = None
        if b.section == "covariates":
            try:
                law_value = covariate_law(
                    b, model.units.get(b.parameter, ModelUnit.undeclared())
                ).value
            except SbmlTwinError:
                return None, {}, f"{b.key}: unit or reference does not convert"
        steps.append(_Step(b, law_value))
        old[b.parameter] = float(start)
    return tuple(steps), old, ""
