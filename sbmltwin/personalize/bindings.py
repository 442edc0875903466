"""Bindings: which SBML parameter each gene, covariate, condition, dose and output drives.

A bindings file (TOML) is how any model — a library model or a community model — exposes
personalization::

    schema_version = 1
    [model]
    sbml = "model.xml"                        # optional, relative to this file
    [genes.CYP2D6]
    parameter = "f_cyp2d6"                    # dimensionless factor parameter
    law = "activity_score_linear"             # f = AS / reference AS (2.0 for CYP2D6)
    [genes.CYP2C19]
    parameter = "CLint_2c19"
    law = "phenotype_table"
    apply = "scale"                           # multiply the model's value (default for laws
    factors = { PM = 0.0, IM = 0.5, NM = 1.0, RM = 1.2, UM = 1.5 }   # that give a factor: set)
    [[covariates.weight]]                     # a list when one covariate drives several ids
    parameter = "BW"
    law = "value"                             # set BW to the weight, in BW's unit
    [[covariates.weight]]
    parameter = "CL_renal"
    law = "allometric"                        # f = (W / reference)^exponent, applied as scale
    exponent = 0.75
    reference = "70 kg"
    [conditions.child_pugh]
    parameter = "f_cyp3a4"
    law = "child_pugh"
    factor = "CYP3A4"                         # which factor of the Child-Pugh table
    [dosing.oral]
    target = "A_gut"
    unit = "mg"                               # only needed when the model declares no unit
    molecular_weight = "271.4 g/mol"          # optional: mass doses into amount species
    [outputs]
    plasma = { id = "[C_plasma]", unit = "mg/L" }   # molecular_weight = "…" for mass ↔ molar
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbmltwin.errors import BindingError, GenotypeError, UnitError, check_keys
from sbmltwin.model import Model
from sbmltwin.personalize.laws import COVARIATE_REGISTRY, LAWS, Law
from sbmltwin.pgx import canonical_gene
from sbmltwin.units import ModelUnit, parse_quantity

__all__ = [
    "COVARIATES",
    "Binding",
    "Bindings",
    "DoseTarget",
    "Law",
    "OutputSpec",
    "load_bindings",
    "parse_bindings",
    "validate_bindings",
]

SCHEMA_VERSION = 1


_GENE_LAWS = {law for law, info in LAWS.items() if info.section == "genes"}
_COVARIATE_LAWS = {law for law, info in LAWS.items() if info.section == "covariates"}

#: covariates a binding can name, with the unit their value is computed in
COVARIATES: dict[str, str] = {name: c.unit for name, c in COVARIATE_REGISTRY.items()}
_CONDITIONS = {"child_pugh"}
_ENTRY_KEYS = {
    "parameter",
    "law",
    "apply",
    "reference",
    "exponent",
    "factors",
    "unit",
    "factor",
    "on_missing",
}


@dataclass(frozen=True, slots=True)
class Binding:
    """One rule: profile item ``name`` (of ``section`` genes/covariates/conditions) → ``parameter``."""

    section: str
    name: str
    parameter: str
    law: Law
    apply: str = "set"
    reference: str | None = None
    exponent: float | None = None
    factors: Mapping[str, float] = field(default_factory=dict)
    unit: str | None = None
    factor: str | None = None
    on_missing: str = "keep"

    @property
    def key(self) -> str:
        return f"[{self.section}.{self.name}]"


@dataclass(frozen=True, slots=True)
class DoseTarget:
    """Where a route's doses go: a species (amount) or parameter id."""

    route: str
    target: str
    unit: str | None = None
    molecular_weight: str | None = None


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """A named output: a selection (``[S]``, ``S`` or a parameter id) and the unit to report in."""

    name: str
    id: str
    unit: str | None = None
    molecular_weight: str | None = None  # for mass ↔ amount conversions of this output


@dataclass(frozen=True)
class Bindings:
    """A parsed bindings file."""

    source: str
    bindings: tuple[Binding, ...]
    dosing: Mapping[str, DoseTarget] = field(default_factory=dict)
    outputs: Mapping[str, OutputSpec] = field(default_factory=dict)
    model_path: Path | None = None

    def dose_targets(self) -> dict[str, str]:
        """Route name → target id (for doses without ``into SID``)."""
        return {route: t.target for route, t in self.dosing.items()}

    def dose_molecular_weight(self) -> str | None:
        """The first ``molecular_weight`` of the dosing routes (mass doses → amounts), if any."""
        return next((d.molecular_weight for d in self.dosing.values() if d.molecular_weight), None)


def load_bindings(path: str | Path) -> Bindings:
    """Read and check the syntax of a bindings TOML file (semantics: :func:`validate_bindings`)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BindingError("no such file", where=str(p), hint="check the --bindings path") from None
    except tomllib.TOMLDecodeError as err:
        raise BindingError(f"not valid TOML: {err}", where=str(p)) from err
    except (OSError, UnicodeDecodeError) as err:
        raise BindingError(f"cannot read the bindings: {err}", where=str(p)) from err
    return parse_bindings(data, source=str(p), base_dir=p.parent)


def _err(where: str, key: str, what: str, hint: str | None = None) -> BindingError:
    return BindingError(what, where=f"{where} {key}".strip(), hint=hint)


def _number(value: Any, where: str, key: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _err(where, key, f"'{name}' must be a finite number, not {value!r}")
    return float(value)


def parse_bindings(
    data: Mapping[str, Any], *, source: str = "<bindings>", base_dir: Path | None = None
) -> Bindings:
    """Check a bindings mapping's syntax: keys, laws, and the numbers each law needs."""
    allowed = {"schema_version", "model", "genes", "covariates", "conditions", "dosing", "outputs"}
    check_keys(data, allowed, error=BindingError, where=source)
    if data.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise _err(
            source,
            "",
            f"schema_version {data['schema_version']!r} is not supported",
            "use schema_version = 1",
        )
    rules: list[Binding] = []
    for section in ("genes", "covariates", "conditions"):
        table = data.get(section, {})
        if not isinstance(table, Mapping):
            raise _err(source, f"[{section}]", "must be a table")
        spelled: dict[str, str] = {}
        for name, entries in table.items():
            for entry in entries if isinstance(entries, list) else [entries]:
                rule = _binding(section, str(name), entry, source)
                first = spelled.setdefault(rule.name, str(name))
                if first != str(name):
                    raise _err(
                        source,
                        f"[{section}.{name}]",
                        f"{rule.name} is bound twice, as [{section}.{first}] and [{section}.{name}]",
                        "gene names are matched without regard to case: keep one table "
                        "(use [[...]] for several entries)",
                    )
                rules.append(rule)
    dosing: dict[str, DoseTarget] = {}
    for route, entry in dict(data.get("dosing", {})).items():
        key = f"[dosing.{route}]"
        if route not in {"oral", "iv", "infusion"}:
            raise _err(source, key, f"unknown route '{route}'", "use oral, iv or infusion")
        if not isinstance(entry, Mapping) or "target" not in entry:
            raise _err(source, key, 'needs target = "SID"')
        allowed_keys = {"target", "unit", "molecular_weight"}
        check_keys(entry, allowed_keys, error=BindingError, where=f"{source} {key}")
        dosing[route] = DoseTarget(
            route,
            str(entry["target"]),
            _opt_str(entry, "unit"),
            _opt_str(entry, "molecular_weight"),
        )
    outputs: dict[str, OutputSpec] = {}
    for name, entry in dict(data.get("outputs", {})).items():
        key = f"[outputs.{name}]"
        if isinstance(entry, str):
            entry = {"id": entry}
        if (
            not isinstance(entry, Mapping)
            or "id" not in entry
            or set(entry) - {"id", "unit", "molecular_weight"}
        ):
            raise _err(
                source, key, 'must be { id = "SID", unit = "...", molecular_weight = "..." }'
            )
        outputs[str(name)] = OutputSpec(
            str(name),
            str(entry["id"]),
            _opt_str(entry, "unit"),
            _opt_str(entry, "molecular_weight"),
        )
    model_path = None
    model_table = data.get("model", {})
    if isinstance(model_table, Mapping) and "sbml" in model_table:
        model_path = Path(str(model_table["sbml"]))
        if base_dir is not None and not model_path.is_absolute():
            model_path = base_dir / model_path
    return Bindings(source, tuple(rules), dosing, outputs, model_path)


def _opt_str(entry: Mapping[str, Any], key: str) -> str | None:
    return None if entry.get(key) is None else str(entry[key])


def _binding(section: str, name: str, entry: Any, source: str) -> Binding:
    key = f"[{section}.{name}]"
    if section == "genes":
        try:
            name = canonical_gene(name)
        except GenotypeError as err:
            raise _err(source, key, err.what, err.hint) from None
    if not isinstance(entry, Mapping):
        raise _err(source, key, "must be a table with parameter and law")
    check_keys(entry, _ENTRY_KEYS, error=BindingError, where=f"{source} {key}")
    if "parameter" not in entry or "law" not in entry:
        raise _err(source, key, "needs both 'parameter' and 'law'")
    try:
        law = Law(str(entry["law"]))
    except ValueError:
        raise _err(
            source,
            key,
            f"unknown law {entry['law']!r}",
            f"laws: {', '.join(lw.value for lw in Law)}",
        ) from None
    if section == "genes" and law not in _GENE_LAWS:
        raise _err(
            source,
            key,
            f"law '{law.value}' is not for genes",
            f"use {', '.join(sorted(lw.value for lw in _GENE_LAWS))}",
        )
    if section == "covariates":
        if name not in COVARIATES:
            raise _err(
                source, key, f"unknown covariate '{name}'", f"covariates: {', '.join(COVARIATES)}"
            )
        if law not in _COVARIATE_LAWS:
            raise _err(
                source,
                key,
                f"law '{law.value}' is not for covariates",
                "use value, allometric or ratio",
            )
    if section == "conditions" and (name not in _CONDITIONS or law is not Law.CHILD_PUGH):
        raise _err(source, key, 'the only condition is child_pugh, with law = "child_pugh"')
    apply = str(entry.get("apply", LAWS[law].apply))
    if apply not in {"set", "scale"} or (law is Law.VALUE and apply != "set"):
        raise _err(
            source,
            key,
            f"apply = {apply!r} is not allowed here",
            "use 'set' or 'scale' ('set' for law value)",
        )
    exponent = _number(entry["exponent"], source, key, "exponent") if "exponent" in entry else None
    if law in {Law.ACTIVITY_SCORE_POWER, Law.ALLOMETRIC} and exponent is None:
        raise _err(source, key, f"law '{law.value}' needs an exponent", "e.g. exponent = 0.75")
    factors: dict[str, float] = {}
    if law is Law.PHENOTYPE_TABLE:
        raw = entry.get("factors")
        if not isinstance(raw, Mapping) or not raw:
            raise _err(
                source, key, "law 'phenotype_table' needs factors = { PM = …, IM = …, NM = … }"
            )
        factors = {str(k).upper(): _number(v, source, key, f"factors.{k}") for k, v in raw.items()}
        if any(v < 0 for v in factors.values()):
            raise _err(source, key, "phenotype factors must be ≥ 0")
    if law is Law.RATIO and "reference" not in entry:
        raise _err(
            source, key, "law 'ratio' needs a reference quantity", 'e.g. reference = "100 mL/min"'
        )
    if law is Law.CHILD_PUGH and "factor" not in entry:
        raise _err(
            source, key, "law 'child_pugh' needs factor = \"CYP3A4\" (or another table column)"
        )
    reference = entry.get("reference")
    if reference is not None and section == "covariates":
        try:
            q = parse_quantity(str(reference), where=f"{source} {key} reference")
            q.to(COVARIATES[name])
        except (UnitError, Exception) as err:
            raise _err(
                source, key, f"reference {reference!r} is not a {COVARIATES[name]} quantity"
            ) from err
    on_missing = str(entry.get("on_missing", "keep"))
    if on_missing not in {"keep", "error"}:
        raise _err(
            source,
            key,
            f"on_missing = {on_missing!r}",
            "use 'keep' (model value, reason recorded) or 'error'",
        )
    return Binding(
        section=section,
        name=name,
        parameter=str(entry["parameter"]),
        law=law,
        apply=apply,
        reference=None if reference is None else str(reference),
        exponent=exponent,
        factors=factors,
        unit=_opt_str(entry, "unit"),
        factor=_opt_str(entry, "factor"),
        on_missing=on_missing,
    )


def _computed(model: Model) -> dict[str, str]:
    return {e.sid: f"set by {e.computed_by}" for e in model.elements if e.computed_by}


def _unknown_id(
    bindings: Bindings, key: str, sid: str, model: Model, kinds: tuple[str, ...]
) -> BindingError:
    known = [e.sid for e in model.elements if e.kind in kinds]
    close = difflib.get_close_matches(sid, known, n=3)
    return _err(
        bindings.source,
        key,
        f"'{sid}' is not a {'/'.join(kinds)} of model '{model.model_id}' ({model.source})",
        f"did you mean {', '.join(close)}?"
        if close
        else f"run 'sbmltwin info {model.source}' to list ids",
    )


def validate_bindings(bindings: Bindings, model: Model) -> None:
    """Check ``bindings`` against ``model``: ids exist, are settable, and units fit."""
    computed = _computed(model)
    for b in bindings.bindings:
        kind = model.kind_of(b.parameter)
        if kind not in ("parameter", "compartment"):
            raise _unknown_id(bindings, b.key, b.parameter, model, ("parameter", "compartment"))
        if b.parameter in computed:
            raise _err(
                bindings.source,
                b.key,
                f"'{b.parameter}' is computed by the model ({computed[b.parameter]}) and cannot be set",
                "bind one of the values its rule or initial assignment uses instead",
            )
        unit = model.units.get(b.parameter, ModelUnit.undeclared())
        if b.law is Law.VALUE:
            _check_value_unit(bindings, b, unit)
        elif b.apply == "set" and unit.declared and not unit.quantity().dimensionless:
            raise _err(
                bindings.source,
                b.key,
                f"law '{b.law.value}' gives a dimensionless factor but '{b.parameter}' has unit {unit.text}",
                'use apply = "scale" to multiply the model\'s value, or bind a dimensionless factor parameter',
            )
    for route, target in bindings.dosing.items():
        key = f"[dosing.{route}]"
        if model.kind_of(target.target) not in ("species", "parameter"):
            raise _unknown_id(bindings, key, target.target, model, ("species", "parameter"))
        model_unit = model.units.get(target.target, ModelUnit.undeclared())
        if target.unit is not None and model_unit.declared:
            _same_dimension(
                bindings, key, target.unit, model_unit, target.target, allow_mass_substance=True
            )
    for name, out in bindings.outputs.items():
        sid = out.id[1:-1] if out.id.startswith("[") and out.id.endswith("]") else out.id
        if model.kind_of(sid) is None:
            raise _unknown_id(
                bindings,
                f"[outputs.{name}]",
                sid,
                model,
                ("species", "parameter", "compartment", "reaction"),
            )


def _same_dimension(
    bindings: Bindings,
    key: str,
    unit_text: str,
    model_unit: ModelUnit,
    sid: str,
    *,
    allow_mass_substance: bool = False,
) -> None:
    try:
        given = parse_quantity(f"1 {unit_text}", where=f"{bindings.source} {key} unit")
    except UnitError as err:
        raise _err(bindings.source, key, err.what, err.hint) from None
    want = model_unit.quantity()
    if given.dimensionality == want.dimensionality:
        return
    dims = str(given.dimensionality) + str(want.dimensionality)
    if allow_mass_substance and "[mass]" in dims and "[substance]" in dims:
        return
    raise _err(
        bindings.source,
        key,
        f"unit {unit_text} does not match '{sid}' in the model ({model_unit.text})",
        "fix the unit in the bindings or in the model",
    )


def _check_value_unit(bindings: Bindings, b: Binding, unit: ModelUnit) -> None:
    covariate_unit = COVARIATES.get(b.name)
    if covariate_unit is None:
        return
    if unit.declared:
        if b.unit is not None:
            _same_dimension(bindings, b.key, b.unit, unit, b.parameter)
        _same_dimension(bindings, b.key, covariate_unit, unit, b.parameter)
    elif b.unit is None:
        raise _err(
            bindings.source,
            b.key,
            f"'{b.parameter}' has no unit in the model, so the {b.name} cannot be converted",
            f'add unit = "…" saying what unit \'{b.parameter}\' is in (e.g. "{covariate_unit}")',
        )
    else:
        try:
            parse_quantity(f"1 {covariate_unit}").to(parse_quantity(f"1 {b.unit}").units)
        except Exception as err:
            raise _err(
                bindings.source,
                b.key,
                f"unit {b.unit!r} is not a unit of {b.name} ({covariate_unit})",
            ) from err
