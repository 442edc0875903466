"""``personalize(model, profile, bindings) → ParameterSet``, and ``inject`` into SBML.

A :class:`ParameterSet` is a list of value changes, each with its old and new value, unit, and
a reason chain such as ``CYP2D6 *1/*4 → AS 1.0 (CPIC 2024-08-27) → IM → f_cyp2d6 = 0.5``. It is
applied to a compiled model by :func:`sbmltwin.engine.simulate` as initial values (no recompile;
dependent initial assignments are re-evaluated) or written into SBML by :func:`inject`.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import libsbml

from sbmltwin.errors import BindingError, ProfileError
from sbmltwin.model import Model, parse_model
from sbmltwin.personalize.bindings import Binding, Bindings, validate_bindings
from sbmltwin.personalize.laws import (
    COVARIATE_REGISTRY,
    Inputs,
    covariate_law,
    gene_factor,
    reference_value,
    unit_factor,
)
from sbmltwin.personalize.profile import TwinProfile
from sbmltwin.pgx import inhibitors
from sbmltwin.pgx.inhibitors import normalize_drug
from sbmltwin.physiology import HepaticScaling, child_pugh_scaling
from sbmltwin.units import ModelUnit

__all__ = [
    "KeptValue",
    "ParameterChange",
    "ParameterSet",
    "gene_factor",
    "inject",
    "personalize",
    "reference_value",
    "unit_factor",
]

TWIN_NS = "https://sbmltwin.org/ns/twin/1"


@dataclass(frozen=True, slots=True)
class ParameterChange:
    """One value change: ``sid`` from ``old`` to ``new`` (model units), and why."""

    sid: str
    old: float
    new: float
    unit: str
    reason: str


@dataclass(frozen=True, slots=True)
class KeptValue:
    """A binding that left ``sid`` at the model's value (``old``), and why."""

    sid: str
    key: str
    old: float
    unit: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParameterSet:
    """Changes for one twin, sorted by id (so equal sets compare equal whatever their order).

    ``kept`` lists every binding that kept the model's value, with the reason (the profile
    lacks what it needs); ``unused`` every profile item that no binding uses."""

    changes: tuple[ParameterChange, ...] = ()
    twin_id: str = ""
    versions: Mapping[str, str] = field(default_factory=dict)
    kept: tuple[KeptValue, ...] = ()
    unused: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(sorted(self.changes, key=lambda c: c.sid)))
        sids = [c.sid for c in self.changes]
        if len(sids) != len(set(sids)):
            raise BindingError(
                f"parameter set changes an id twice: {sorted({s for s in sids if sids.count(s) > 1})}"
            )

    def as_dict(self) -> dict[str, float]:
        """``{sid: new value}``: what :func:`sbmltwin.engine.simulate` takes as ``params``."""
        return {c.sid: c.new for c in self.changes}

    def explain(self) -> str:
        """One line per change: ``sid: old → new unit  (reason)``; then one line per binding
        that kept the model's value, and one per profile item no binding uses."""
        lines = [
            f"{c.sid}: {c.old:.6g} → {c.new:.6g}{_unit_suffix(c.unit)}   ({c.reason})"
            for c in self.changes
        ] or ["(no changes)"]
        lines += [
            f"{k.sid}: kept {k.old:.6g}{_unit_suffix(k.unit)}   ({k.key}: {k.reason})"
            for k in self.kept
        ]
        lines += [f"unused: {item} (no binding uses it)" for item in self.unused]
        return "\n".join(lines)

    def notes(self) -> list[str]:
        """The kept-value and unused-item lines of :meth:`explain` (for reports and records)."""
        return self.explain().splitlines()[max(1, len(self.changes)) :]


def _unit_suffix(unit: str) -> str:
    return "" if unit in ("", "1") else f" {unit}"


def profile_inputs(p: TwinProfile) -> Inputs:
    """(weight, height, sex, age, serum creatinine) of ``p``, as the covariate registry takes them."""
    return (p.weight_kg, p.height_cm, p.sex, p.age_years, p.serum_creatinine_mg_dl)


def profile_items(p: TwinProfile) -> dict[str, str]:
    """The items ``p`` gives (gene symbols and covariate inputs), each with a short text."""
    items = {gene: call.reason() for gene, call in p.genes.items()}
    for name, value, unit in (
        ("weight", p.weight_kg, "kg"),
        ("height", p.height_cm, "cm"),
        ("age", p.age_years, "y"),
        ("serum_creatinine", p.serum_creatinine_mg_dl, "mg/dL"),
    ):
        if value is not None:
            items[name] = f"{name.replace('_', ' ')} {value:.4g} {unit}"
    if p.sex is not None:
        items["sex"] = f"sex {p.sex.value}"
    if p.child_pugh is not None:
        items["child_pugh"] = f"Child-Pugh {p.child_pugh}"
    for drug in p.comedications:  # an inhibitor of a gene the profile does not genotype
        for inh in inhibitors():
            if inh.drug == normalize_drug(drug) and inh.gene not in p.genes:
                items[f"comedication {inh.drug} {inh.gene}"] = (
                    f"co-medication {inh.drug} ({inh.strength.value} {inh.gene} inhibitor) not "
                    f"applied: the profile gives no {inh.gene} genotype"
                )
    return items


def binding_uses(b: Binding) -> tuple[str, ...]:
    """The profile items binding ``b`` reads (a gene symbol, covariate inputs, child_pugh)."""
    if b.section == "genes":
        return (b.name,)
    if b.section == "covariates":
        return COVARIATE_REGISTRY[b.name].needs
    return ("child_pugh",)


def unused_items(items: Mapping[str, str], bindings: Bindings) -> tuple[str, ...]:
    """The texts of ``items`` (name → text) that no binding of ``bindings`` reads."""
    used = {u for b in bindings.bindings for u in binding_uses(b)}
    return tuple(text for name, text in items.items() if name not in used)


_VALIDATED: dict[int, tuple[weakref.ref[Bindings], set[str]]] = {}


def _validate_once(bindings: Bindings, model: Model) -> None:
    """validate_bindings, remembered per bindings object and model SHA-256 (both immutable)."""
    seen = _VALIDATED.get(id(bindings))
    if seen is None or seen[0]() is not bindings:
        seen = (weakref.ref(bindings), set())
        _VALIDATED[id(bindings)] = seen
    if model.sha256 not in seen[1]:
        validate_bindings(bindings, model)
        seen[1].add(model.sha256)


def personalize(model: Model, profile: TwinProfile, bindings: Bindings) -> ParameterSet:
    """The parameter changes that make ``model`` into ``profile``'s twin, with reasons.

    A binding that keeps the model's value (the profile lacks what it needs) is listed in
    ``kept`` with the reason; a profile item no binding reads in ``unused``."""
    _validate_once(bindings, model)
    values = {e.sid: e.value for e in model.elements if e.kind in ("parameter", "compartment")}
    sets: dict[str, tuple[float, str]] = {}
    scales: dict[str, list[tuple[float, str]]] = {}
    versions: dict[str, str] = {}
    kept: list[KeptValue] = []

    for b in bindings.bindings:
        unit = model.units.get(b.parameter, ModelUnit.undeclared())
        result = _one(b, profile, unit, versions)
        if isinstance(result, str):
            old = values.get(b.parameter)
            kept.append(
                KeptValue(
                    b.parameter, b.key, float("nan" if old is None else old), unit.text, result
                )
            )
            continue
        value, reason = result
        if b.apply == "set":
            if b.parameter in sets:
                raise BindingError(
                    f"'{b.parameter}' is set by two bindings",
                    where=bindings.source,
                    hint='set an id from one binding; further bindings may use apply = "scale"',
                )
            sets[b.parameter] = (value, reason)
        else:
            scales.setdefault(b.parameter, []).append((value, reason))

    changes = []
    for sid in sorted(set(sets) | set(scales)):
        old = values.get(sid)
        if old is None:
            raise BindingError(
                f"'{sid}' has no value in the model to start from", where=bindings.source
            )
        new, reasons = old, []
        if sid in sets:
            new, why = sets[sid]
            reasons.append(f"{why} → {sid} = {new:.6g}")
        for factor, why in scales.get(sid, []):
            reasons.append(f"{why} → {sid} = {new:.6g} × {factor:.4g}")
            new *= factor
        unit_text = model.units.get(sid, ModelUnit.undeclared()).text
        changes.append(ParameterChange(sid, float(old), float(new), unit_text, "; ".join(reasons)))
    unused = unused_items(profile_items(profile), bindings)
    return ParameterSet(tuple(changes), profile.id, versions, tuple(kept), unused)


def _one(
    b: Binding,
    profile: TwinProfile,
    unit: ModelUnit,
    versions: dict[str, str],
) -> tuple[float, str] | str:
    """(value, reason) of one binding, or the reason it keeps the model's value."""

    def missing(what: str) -> str:
        if b.on_missing == "error":
            raise ProfileError(
                f"profile '{profile.id}' gives no {what}",
                where=profile.source,
                hint=f"{b.key} needs it",
            )
        return f"the profile gives no {what}; the model's value is kept"

    if b.section == "genes":
        call = profile.genes.get(b.name)
        if call is None:
            return missing(f"genotype or phenotype for {b.name}")
        versions[b.name] = call.table_version
        factor, why = gene_factor(b, call)
        return factor, f"{call.reason()} → {why}"
    if b.section == "covariates":
        covariate = COVARIATE_REGISTRY[b.name]
        inputs = profile_inputs(profile)
        found = covariate.value(inputs)
        if found is None:
            lacks = covariate.missing(inputs)
            return missing(
                f"{' or '.join(lacks).replace('_', ' ')} (the {b.name} needs "
                f"{', '.join(covariate.needs).replace('_', ' ')})"
            )
        law = covariate_law(b, unit)
        return law.value(found[0]), law.reason(*found)
    # conditions: child_pugh
    if profile.child_pugh is None:
        return missing("Child-Pugh class")
    scaling = child_pugh_scaling(profile.child_pugh)
    factor = _child_pugh_factor(scaling, str(b.factor), b)
    return factor, f"Child-Pugh {profile.child_pugh} → {b.factor} × {factor:.4g}"


_HEPATIC_FIELDS = (
    "functional_liver_volume",
    "portal_blood_flow",
    "hepatic_arterial_blood_flow",
    "hepatic_blood_flow",
    "albumin",
    "alpha1_acid_glycoprotein",
    "renal_blood_flow",
    "gfr",
    "cardiac_index",
)


def _child_pugh_factor(scaling: HepaticScaling, name: str, b: Binding) -> float:
    """A CYP's whole-liver capacity (``CYP3A4``), or one of the table's other factors."""
    if name.upper().startswith("CYP"):
        try:
            return scaling.cyp_capacity(name.upper())
        except ProfileError as err:
            raise BindingError(err.what, where=b.key, hint=err.hint) from None
    if name not in _HEPATIC_FIELDS:
        raise BindingError(
            f"Child-Pugh table has no factor {name!r}",
            where=b.key,
            hint=f"use a CYP (e.g. CYP3A4) or one of {', '.join(_HEPATIC_FIELDS)}",
        )
    return float(getattr(scaling, name))


def _ok(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise BindingError(
            f"libsbml could not {what}: {libsbml.OperationReturnValue_toString(code)}"
        )


def inject(
    model: Model,
    pset: ParameterSet,
    *,
    profile: TwinProfile | None = None,
    bindings: Bindings | None = None,
) -> Model:
    """A copy of ``model`` with ``pset``'s values written in, and provenance in notes/annotation.

    The notes list each change and its reason (XHTML); the annotation carries the same as
    machine-readable JSON in sbmltwin's namespace, with the twin id and CPIC table versions.
    """
    doc = model.document()
    m = doc.getModel()
    for c in pset.changes:
        el = m.getParameter(c.sid)
        if el is not None:
            _ok(el.setValue(c.new), f"set {c.sid}")
            continue
        comp = m.getCompartment(c.sid)
        if comp is None:
            raise BindingError(f"'{c.sid}' is not a parameter or compartment", where=model.source)
        _ok(comp.setSize(c.new), f"set {c.sid}")
    title = f"sbmltwin twin '{pset.twin_id}'"
    items = "".join(
        f"<li>{escape(c.sid)}: {c.old:.6g} → {c.new:.6g} {escape(c.unit)} ({escape(c.reason)})</li>"
        for c in pset.changes
    )
    versions = ", ".join(f"{escape(g)}: {escape(v)}" for g, v in sorted(pset.versions.items()))
    notes = (
        '<body xmlns="http://www.w3.org/1999/xhtml">'
        f"<p>{escape(title)}, personalized from {escape(profile.source if profile else '?')} with "
        f"{escape(bindings.source if bindings else '?')}.</p><ul>{items}</ul>"
        f"<p>Table versions: {versions or 'none'}.</p></body>"
    )
    _ok(m.appendNotes(notes), "append notes")
    payload = json.dumps(
        {
            "twin_id": pset.twin_id,
            "profile": profile.source if profile else None,
            "bindings": bindings.source if bindings else None,
            "base_model_sha256": model.sha256,
            "table_versions": dict(pset.versions),
            "changes": [
                {"id": c.sid, "old": c.old, "new": c.new, "unit": c.unit, "reason": c.reason}
                for c in pset.changes
            ],
        },
        ensure_ascii=True,
    )
    annotation = f'<sbmltwin:twin xmlns:sbmltwin="{TWIN_NS}">{escape(payload)}</sbmltwin:twin>'
    _ok(m.appendAnnotation(annotation), "append annotation")
    text = libsbml.writeSBMLToString(doc)
    return parse_model(text, fmt="sbml", source=f"{model.source} (twin {pset.twin_id})")
