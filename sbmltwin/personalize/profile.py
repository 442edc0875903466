"""Twin profiles: who the twin is (TOML or JSON), parsed strictly with pint.

Shape (all keys optional except as noted; unknown keys are refused)::

    schema_version = 1
    id = "patient-042"
    sex = "female"
    age = "54 year"
    weight = "160 lb"
    height = "165 cm"
    [genotype]
    CYP2D6 = "*1/*4"                       # a diplotype …
    CYP2C9 = { activity_score = 1.5 }      # … or an activity score
    [phenotype]                            # used only for genes without a genotype
    CYP2C19 = "IM"
    [labs]
    serum_creatinine = "88 µmol/L"         # or "1.0 mg/dL"; a unit is required
    [conditions]
    child_pugh = "A"
    comedications = ["paroxetine"]         # phenoconversion (sbmltwin.pgx.inhibitors)
    [pharmcat]                             # optional PharmCAT outputs, paths relative to the profile
    outside_call = "sample.outsideCall.tsv"
    phenotype_json = "sample.phenotype.json"
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbmltwin.errors import GenotypeError, ProfileError, UnitError, check_keys
from sbmltwin.pgx import (
    GeneCall,
    call_activity_score,
    call_genotype,
    call_phenotype,
    phenoconvert,
    read_pharmcat_outside_call,
    read_pharmcat_phenotype_json,
)
from sbmltwin.physiology import Covariates, Sex
from sbmltwin.units import Q_, parse_quantity

__all__ = ["TwinProfile", "load_profile", "parse_profile"]

SCHEMA_VERSION = 1
_TOP_KEYS = {
    "schema_version",
    "id",
    "sex",
    "age",
    "weight",
    "height",
    "genotype",
    "phenotype",
    "labs",
    "conditions",
    "pharmcat",
    "comedications",
}
_LAB_KEYS = {"serum_creatinine"}
_CONDITION_KEYS = {"child_pugh"}
_PHARMCAT_KEYS = {"outside_call", "phenotype_json"}
_CREATININE_MW = "113.12 g/mol"  # creatinine, C4H7N3O (1 mg/dL = 88.4 µmol/L)


@dataclass(frozen=True, slots=True)
class TwinProfile:
    """A parsed profile. Quantities are floats in fixed units (years, kg, cm, mg/dL).

    ``genes`` holds one :class:`~sbmltwin.pgx.GeneCall` per gene: from the genotype when given,
    else from PharmCAT outputs, else from the stated phenotype or activity score.
    """

    id: str
    sex: Sex | None = None
    age_years: float | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    serum_creatinine_mg_dl: float | None = None
    child_pugh: str | None = None
    genes: Mapping[str, GeneCall] = field(default_factory=dict)
    comedications: tuple[str, ...] = ()
    source: str = "<profile>"
    raw: Mapping[str, Any] = field(default_factory=dict)

    def covariates(self) -> Covariates:
        """The :class:`~sbmltwin.physiology.Covariates` (needs sex, age, weight and height)."""
        missing = [
            name
            for name, value in (
                ("sex", self.sex),
                ("age", self.age_years),
                ("weight", self.weight_kg),
                ("height", self.height_cm),
            )
            if value is None
        ]
        if missing:
            raise ProfileError(
                f"profile '{self.id}' lacks {', '.join(missing)}",
                where=self.source,
                hint="the bindings use body-size covariates: add them to the profile",
            )
        assert self.sex is not None and self.age_years is not None
        assert self.weight_kg is not None and self.height_cm is not None
        return Covariates(
            sex=self.sex,
            age_years=self.age_years,
            weight_kg=self.weight_kg,
            height_cm=self.height_cm,
            serum_creatinine_mg_dl=self.serum_creatinine_mg_dl,
            child_pugh=self.child_pugh,
        )


def load_profile(path: str | Path) -> TwinProfile:
    """Read a profile from a ``.toml`` or ``.json`` file."""
    p = Path(path)
    where = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError("no such file", where=where, hint="check the --profile path") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError(f"cannot read the profile: {err}", where=where) from err
    data = _parse_text(text, json_format=p.suffix.lower() == ".json", where=where)
    return parse_profile(data, source=where, base_dir=p.parent)


def _parse_text(text: str, *, json_format: bool, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if json_format else tomllib.loads(text)
    except json.JSONDecodeError as err:
        raise ProfileError(f"not valid JSON (line {err.lineno}): {err.msg}", where=where) from err
    except tomllib.TOMLDecodeError as err:
        raise ProfileError(f"not valid TOML: {err}", where=where) from err
    if not isinstance(data, dict):
        raise ProfileError("a profile must be a table of keys", where=where)
    return data


def _quantity(
    value: Any, key: str, unit: str, where: str, lo: float, hi: float, **ctx: Any
) -> float:
    if not isinstance(value, str):
        raise ProfileError(
            f"'{key}' = {value!r} needs a unit",
            where=where,
            hint=f"write it as a string, e.g. '{lo + (hi - lo) / 4:g} {unit}'",
        )
    try:
        q = parse_quantity(value, where=f"{where} '{key}'")
    except UnitError as err:
        raise ProfileError(err.what, where=f"{where} '{key}'", hint=err.hint) from None
    if q.unitless:
        raise ProfileError(
            f"'{key}' = {value!r} has no unit", where=where, hint=f"e.g. '{value} {unit}'"
        )
    try:
        magnitude = float(q.to(unit, *(["chemistry"] if ctx else []), **ctx).magnitude)
    except Exception as err:
        raise ProfileError(
            f"'{key}' = {value!r} is not convertible to {unit}",
            where=where,
            hint=f"give it in {unit} or a compatible unit",
        ) from err
    if not (math.isfinite(magnitude) and lo <= magnitude <= hi):
        raise ProfileError(
            f"'{key}' = {value!r} is outside the plausible range {lo:g}–{hi:g} {unit}", where=where
        )
    return magnitude


def parse_profile(
    data: Mapping[str, Any], *, source: str = "<profile>", base_dir: Path | None = None
) -> TwinProfile:
    """Validate a profile given as a mapping (from TOML or JSON)."""
    where = source
    check_keys(data, _TOP_KEYS, error=ProfileError, where=where)
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ProfileError(
            f"schema_version {version!r} is not supported",
            where=where,
            hint="use schema_version = 1",
        )
    twin_id = str(data.get("id", Path(source).stem if source != "<profile>" else "twin"))
    sex = None
    if "sex" in data:
        try:
            sex = Sex.parse(str(data["sex"]))
        except ProfileError as err:
            raise ProfileError(err.what, where=f"{where} 'sex'", hint=err.hint) from None
    age = _quantity(data["age"], "age", "year", where, 0, 120) if "age" in data else None
    weight = (
        _quantity(data["weight"], "weight", "kg", where, 0.5, 400) if "weight" in data else None
    )
    height = _quantity(data["height"], "height", "cm", where, 30, 250) if "height" in data else None

    labs = _table(data, "labs", where)
    check_keys(labs, _LAB_KEYS, error=ProfileError, where=f"{where} [labs]")
    scr = None
    if "serum_creatinine" in labs:
        scr = _quantity(
            labs["serum_creatinine"],
            "serum_creatinine",
            "mg/dL",
            where,
            0.1,
            20,
            mw=Q_(_CREATININE_MW),
        )
    conditions = _table(data, "conditions", where)
    check_keys(conditions, _CONDITION_KEYS, error=ProfileError, where=f"{where} [conditions]")
    child_pugh = None
    if "child_pugh" in conditions:
        child_pugh = str(conditions["child_pugh"]).strip().upper()
        if child_pugh not in {"A", "B", "C"}:
            raise ProfileError(
                f"child_pugh = {conditions['child_pugh']!r} is not A, B or C", where=where
            )

    genes = _genes(data, where, base_dir)
    comeds = data.get("comedications", [])
    if not isinstance(comeds, list) or not all(isinstance(d, str) and d.strip() for d in comeds):
        raise ProfileError(
            "comedications must be a list of drug names", where=f"{where} 'comedications'"
        )
    if comeds:
        try:
            genes = {g: phenoconvert(call, comeds) for g, call in genes.items()}
        except GenotypeError as err:
            raise GenotypeError(err.what, where=f"{where}: {err.where}", hint=err.hint) from None
    return TwinProfile(
        id=twin_id,
        sex=sex,
        age_years=age,
        weight_kg=weight,
        height_cm=height,
        serum_creatinine_mg_dl=scr,
        child_pugh=child_pugh,
        genes=genes,
        comedications=tuple(comeds),
        source=source,
        raw=dict(data),
    )


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ProfileError(f"[{key}] must be a table", where=where)
    return value


def _genes(data: Mapping[str, Any], where: str, base_dir: Path | None) -> dict[str, GeneCall]:
    """One call per gene, keyed by its canonical symbol (any spelling: ``cyp2d6`` is CYP2D6).
    A genotype wins over PharmCAT, which wins over a stated phenotype."""
    calls: dict[str, GeneCall] = {}

    def put(table: str, seen: dict[str, str], gene: str, call: GeneCall) -> None:
        first = seen.setdefault(call.gene, gene)
        if first != gene:
            raise ProfileError(
                f"[{table}] gives {call.gene} twice, as {first!r} and {gene!r}",
                where=where,
                hint="gene names are matched without regard to case: keep one",
            )
        calls[call.gene] = call

    try:
        seen: dict[str, str] = {}
        for gene, value in _table(data, "phenotype", where).items():
            put("phenotype", seen, gene, call_phenotype(gene, str(value)))
        pharmcat = _table(data, "pharmcat", where)
        check_keys(pharmcat, _PHARMCAT_KEYS, error=ProfileError, where=f"{where} [pharmcat]")
        for key, reader in (
            ("phenotype_json", read_pharmcat_phenotype_json),
            ("outside_call", read_pharmcat_outside_call),
        ):
            if key in pharmcat:
                path = Path(str(pharmcat[key]))
                calls.update(
                    reader((base_dir / path) if base_dir and not path.is_absolute() else path)
                )
        seen = {}
        for gene, value in _table(data, "genotype", where).items():
            if isinstance(value, str):
                put("genotype", seen, gene, call_genotype(gene, value))
            elif isinstance(value, Mapping) and set(value) == {"activity_score"}:
                score = value["activity_score"]
                if isinstance(score, bool) or not isinstance(score, int | float):
                    raise ProfileError(
                        f"[genotype] {gene}: activity_score must be a number", where=where
                    )
                put("genotype", seen, gene, call_activity_score(gene, float(score)))
            elif isinstance(value, Mapping) and set(value) == {"diplotype"}:
                put("genotype", seen, gene, call_genotype(gene, str(value["diplotype"])))
            else:
                raise ProfileError(
                    f"[genotype] {gene} = {value!r} is neither a diplotype nor {{ activity_score = … }}",
                    where=where,
                    hint='e.g. CYP2D6 = "*1/*4" or CYP2D6 = { activity_score = 1.0 }',
                )
    except GenotypeError as err:
        raise GenotypeError(
            err.what, where=f"{where}: {err.where}" if err.where else where, hint=err.hint
        ) from None
    return calls
