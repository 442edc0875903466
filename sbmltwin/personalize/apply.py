"""``personalize(model, profile, bindings) → ParameterSet``, and ``inject`` into SBML.

A :class:`ParameterSet` is a list of value changes, each with its old and new value, unit, and
a reason chain such as ``CYP2D6 *1/*4 → AS 1.0 (CPIC 2024-08-27) → IM → f_cyp2d6 = 0.5``. It is
applied to a compiled model by :func:`sbmltwin.engine.simulate` as initial values (no recompile;
dependent initial assignments are re-evaluated) or written into SBML by :func:`inject`.
"""

from __future__ import annotations

import functools
import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import libsbml

from sbmltwin.errors import BindingError, ProfileError
from sbmltwin.model import Model, parse_model
from sbmltwin.personalize.bindings import COVARIATES, Binding, Bindings, Law, validate_bindings
from sbmltwin.personalize.profile import TwinProfile
from sbmltwin.pgx import GeneCall, reference_activity_score
from sbmltwin.physiology import (
    HepaticScaling,
    allometric_factor,
    bmi,
    bsa_dubois,
    child_pugh_scaling,
    crcl_cockcroft_gault,
    egfr_absolute,
    egfr_ckd_epi_2021,
    lean_body_weight_janmahasatian,
)
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

__all__ = [
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
class ParameterSet:
    """Changes for one twin, sorted by id (so equal sets compare equal whatever their order)."""

    changes: tuple[ParameterChange, ...] = ()
    twin_id: str = ""
    versions: Mapping[str, str] = field(default_factory=dict)

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
        """One line per change: ``sid: old → new unit  (reason)``."""
        if not self.changes:
            return "(no changes)"
        return "\n".join(
            f"{c.sid}: {c.old:.6g} → {c.new:.6g}{_unit_suffix(c.unit)}   ({c.reason})"
            for c in self.changes
        )


def _unit_suffix(unit: str) -> str:
    return "" if unit in ("", "1") else f" {unit}"


def _covariate(name: str, p: TwinProfile) -> tuple[float, str] | None:
    """(value, reason) of one covariate, or None when the profile lacks what it needs.

    Computed on demand, so a covariate no binding uses can never fail a twin (the adult-only
    renal formulas refuse children, for example).
    """
    w, h, sex, age, scr = p.weight_kg, p.height_cm, p.sex, p.age_years, p.serum_creatinine_mg_dl
    if name == "weight":
        return None if w is None else (w, f"weight {w:.4g} kg")
    if name == "height":
        return None if h is None else (h, f"height {h:.4g} cm")
    if name == "age":
        return None if age is None else (age, f"age {age:.4g} y")
    if w is None or h is None:
        if name in ("bsa", "bmi", "lean_body_weight", "egfr_absolute"):
            return None
    if name == "bsa" and w is not None and h is not None:
        bsa = bsa_dubois(w, h)
        return bsa, f"BSA (DuBois) {bsa:.3f} m² from {w:.4g} kg, {h:.4g} cm"
    if name == "bmi" and w is not None and h is not None:
        return bmi(w, h), f"BMI {bmi(w, h):.3g} kg/m²"
    if name == "lean_body_weight" and w is not None and h is not None:
        if sex is None:
            return None
        lbw = lean_body_weight_janmahasatian(w, h, sex)
        return lbw, f"lean body weight (Janmahasatian) {lbw:.3g} kg"
    if scr is None or age is None or sex is None:
        return None
    renal = f"Scr {scr:.3g} mg/dL, {age:.3g} y, {sex.value}"
    if name == "egfr":
        egfr = egfr_ckd_epi_2021(scr, age, sex)
        return egfr, f"eGFR (CKD-EPI 2021) {egfr:.3g} mL/min/1.73 m² from {renal}"
    if name == "egfr_absolute" and w is not None and h is not None:
        absolute = egfr_absolute(egfr_ckd_epi_2021(scr, age, sex), bsa_dubois(w, h))
        return absolute, f"eGFR {absolute:.3g} mL/min (CKD-EPI 2021 × DuBois BSA/1.73) from {renal}"
    if name == "crcl" and w is not None:
        crcl = crcl_cockcroft_gault(scr, age, w, sex)
        return crcl, f"CrCl (Cockcroft–Gault) {crcl:.3g} mL/min from {renal}, {w:.4g} kg"
    return None


def gene_factor(b: Binding, call: GeneCall) -> tuple[float, str]:
    """The factor a gene binding gives for ``call``, and its reason (also used by cohort plans)."""
    if b.law is Law.PHENOTYPE_TABLE:
        code = call.phenotype.short.upper()
        if code not in b.factors:
            raise BindingError(
                f"no factor for phenotype {code} of {b.name}",
                where=b.key,
                hint=f"add {code} = … to factors (has {', '.join(b.factors)})",
            )
        return b.factors[code], f"factor[{code}] = {b.factors[code]:g}"
    if call.activity_score is None:
        raise BindingError(
            f"law '{b.law.value}' needs an activity score, but {b.name} was given as a phenotype "
            f"({call.phenotype.value})",
            where=b.key,
            hint='give a diplotype or activity score in the profile, or use law = "phenotype_table"',
        )
    ref = float(b.reference) if b.reference is not None else reference_activity_score(b.name)
    ratio = call.activity_score / ref
    if b.law is Law.ACTIVITY_SCORE_LINEAR:
        return ratio, f"f = AS/{ref:g} = {ratio:.4g}"
    assert b.exponent is not None
    if ratio == 0 and b.exponent < 0:
        raise BindingError(
            f"(AS/ref)^{b.exponent:g} is infinite for AS 0",
            where=b.key,
            hint="use a positive exponent",
        )
    value = ratio**b.exponent
    return value, f"f = (AS/{ref:g})^{b.exponent:g} = {value:.4g}"


@functools.lru_cache(maxsize=256)
def unit_factor(from_unit: str, target: ModelUnit, where: str) -> float:
    """Model units per one ``from_unit`` (conversions are linear; pint runs once per pair)."""
    return to_model_units(parse_quantity(f"1 {from_unit}"), target, where=where)


@functools.lru_cache(maxsize=256)
def reference_value(text: str, unit: str) -> float:
    """A reference quantity (e.g. "70 kg") as a number in ``unit``."""
    return float(parse_quantity(text).to(unit).magnitude)


def _covariate_value(b: Binding, value: float, why: str, unit: ModelUnit) -> tuple[float, str]:
    if b.law is Law.VALUE:
        target = unit if unit.declared else ModelUnit(b.unit or "", f"1 {b.unit}")
        return value * unit_factor(COVARIATES[b.name], target, b.key), why
    if b.law is Law.ALLOMETRIC:
        assert b.exponent is not None
        ref = reference_value(b.reference or "70 kg", COVARIATES[b.name])
        f = allometric_factor(value, reference_kg=ref, exponent=b.exponent)
        return f, f"{why} → ({value:.4g}/{ref:g})^{b.exponent:g} = {f:.4g}"
    assert b.reference is not None
    ref = reference_value(b.reference, COVARIATES[b.name])
    return value / ref, f"{why} → /{b.reference} = {value / ref:.4g}"


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
    """The parameter changes that make ``model`` into ``profile``'s twin, with reasons."""
    _validate_once(bindings, model)
    values = {e.sid: e.value for e in model.elements if e.kind in ("parameter", "compartment")}
    sets: dict[str, tuple[float, str]] = {}
    scales: dict[str, list[tuple[float, str]]] = {}
    versions: dict[str, str] = {}

    for b in bindings.bindings:
        unit = model.units.get(b.parameter, ModelUnit.undeclared())
        result = _one(b, profile, unit, versions)
        if result is None:
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
    return ParameterSet(tuple(changes), twin_id=profile.id, versions=versions)


def _one(
    b: Binding,
    profile: TwinProfile,
    unit: ModelUnit,
    versions: dict[str, str],
) -> tuple[float, str] | None:
    def missing(what: str) -> None:
        if b.on_missing == "error":
            raise ProfileError(
                f"profile '{profile.id}' gives no {what}",
                where=profile.source,
                hint=f"{b.key} needs it",
            )

    if b.section == "genes":
        call = profile.genes.get(b.name)
        if call is None:
            missing(f"genotype or phenotype for {b.name}")
            return None
        versions[b.name] = call.table_version
        factor, why = gene_factor(b, call)
        return factor, f"{call.reason()} → {why}"
    if b.section == "covariates":
        found = _covariate(b.name, profile)
        if found is None:
            missing(b.name)
            return None
        return _covariate_value(b, *found, unit)
    # conditions: child_pugh
    if profile.child_pugh is None:
        return None
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
