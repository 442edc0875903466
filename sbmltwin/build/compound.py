"""The compound file: a drug's properties, each number with its source (``sbmltwin build``).

Every number is a table ``{ value = …, unit = "…", source = "…" }``; ``unit`` may be left out
for dimensionless values, ``note`` may say more. A bare number, an empty source or an unknown key
is a :class:`~sbmltwin.errors.CompoundError` naming the file, the section and the key (exit 2).
The README ("Building a PBPK model from a compound file") documents every key with an example.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbmltwin.errors import CompoundError, UnitError, check_keys
from sbmltwin.units import parse_quantity

__all__ = [
    "Cited",
    "Compound",
    "GeneLaw",
    "Metabolite",
    "Pathway",
    "Renal",
    "Uptake",
    "load_compound",
    "parse_compound",
]

SCHEMA_VERSION = 1
_ID = re.compile(r"^[A-Za-z0-9]+$")
_NUMBER_KEYS = {"value", "unit", "source", "note"}
_GENE_LAWS = {"activity_score_linear", "activity_score_power", "phenotype_table"}


@dataclass(frozen=True, slots=True)
class Cited:
    """A number in the builder's unit (``unit``), where it came from, and the key it was read at."""

    value: float
    unit: str
    source: str
    key: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class CitedList:
    """Several numbers with one source (pKa values)."""

    values: tuple[float, ...]
    source: str
    key: str


@dataclass(frozen=True, slots=True)
class Pathway:
    """A clearance pathway in the liver: unbound CLint, or Vmax/Km, scaled by its enzyme factor."""

    id: str
    enzyme: str | None
    clint: Cited | None
    vmax: Cited | None
    km: Cited | None
    metabolite: str | None
    fraction: Cited | None


@dataclass(frozen=True, slots=True)
class GeneLaw:
    """How a gene's activity score or phenotype becomes its enzyme or transporter factor."""

    gene: str
    law: str
    exponent: Cited | None = None
    factors: Mapping[str, float] = field(default_factory=dict)
    factors_source: str = ""
    reference: Cited | None = None


@dataclass(frozen=True, slots=True)
class Renal:
    """Filtration of unbound drug (GFR·fu), a reabsorbed fraction and unbound secretion."""

    filtration: bool
    reabsorption: Cited | None
    secretion: Cited | None


@dataclass(frozen=True, slots=True)
class Uptake:
    """Permeability-limited liver: active uptake (transporter) and passive diffusion clearances."""

    active: Cited
    passive: Cited
    transporter: str | None


@dataclass(frozen=True, slots=True)
class Metabolite:
    """A metabolite with one distribution volume and its own clearances."""

    id: str
    name: str
    molecular_weight: Cited | None
    volume: Cited
    clearance: Cited | None
    clearance_to: str | None
    renal_clearance: Cited | None


@dataclass(frozen=True)
class Compound:
    """A parsed compound file; numbers in the builder's units (L, h, µmol, g/mol)."""

    source: str
    id: str
    name: str
    molecular_weight: Cited
    salt_factor: Cited | None
    log_p: Cited
    pka_acid: CitedList | None
    pka_base: CitedList | None
    fu: Cited
    bp: Cited
    hematocrit: Cited | None
    ka: Cited | None
    fa: Cited | None
    fg: Cited | None
    liver_model: str
    uptake: Uptake | None
    pathways: tuple[Pathway, ...]
    genes: Mapping[str, GeneLaw]
    renal: Renal
    metabolites: tuple[Metabolite, ...]
    sha256: str = ""  # of the compound file's bytes ("" when parsed from a mapping)
    lag: Cited | None = None  # mean transit time of the absorption delay (3 transit compartments)

    def numbers(self) -> list[Cited]:
        """Every cited number, in file order (for the README table)."""
        out: list[Cited] = [self.molecular_weight]
        if self.salt_factor:
            out.append(self.salt_factor)
        out += [self.log_p, self.fu, self.bp]
        out += [c for c in (self.hematocrit, self.ka, self.lag, self.fa, self.fg) if c]
        if self.uptake:
            out += [self.uptake.active, self.uptake.passive]
        for p in self.pathways:
            out += [c for c in (p.clint, p.vmax, p.km, p.fraction) if c]
        for g in self.genes.values():
            out += [c for c in (g.exponent, g.reference) if c]
        out += [c for c in (self.renal.reabsorption, self.renal.secretion) if c]
        for m in self.metabolites:
            out += [c for c in (m.molecular_weight, m.volume, m.clearance, m.renal_clearance) if c]
        return out


def load_compound(path: str | Path) -> Compound:
    """Read and check a compound TOML file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise CompoundError("no such file", where=str(p), hint="check the path") from None
    except tomllib.TOMLDecodeError as err:
        raise CompoundError(f"not valid TOML: {err}", where=str(p)) from err
    except (OSError, UnicodeDecodeError) as err:
        raise CompoundError(f"cannot read the compound file: {err}", where=str(p)) from err
    return dataclasses.replace(
        parse_compound(data, source=str(p)), sha256=hashlib.sha256(raw).hexdigest()
    )


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def where(self, section: str, key: str = "") -> str:
        return f"{self.source} [{section}]" + (f" {key}" if key else "")

    def table(self, data: Mapping[str, Any], key: str, allowed: set[str]) -> Mapping[str, Any]:
        raw = data.get(key, {})
        if not isinstance(raw, Mapping):
            raise CompoundError("must be a table", where=self.where(key))
        check_keys(raw, allowed, error=CompoundError, where=self.where(key))
        return raw

    def text(self, table: Mapping[str, Any], section: str, key: str, *, required: bool) -> str:
        raw = table.get(key)
        if raw is None:
            if required:
                raise CompoundError(f"missing key '{key}'", where=self.where(section, key))
            return ""
        if not isinstance(raw, str) or not raw.strip():
            raise CompoundError(f"'{key}' must be a non-empty string", where=self.where(section))
        return raw.strip()

    def ident(self, table: Mapping[str, Any], section: str, key: str) -> str:
        value = self.text(table, section, key, required=True)
        if not _ID.match(value):
            raise CompoundError(
                f"'{key}' = {value!r} is not a plain identifier",
                where=self.where(section, key),
                hint="use letters and digits only (it becomes part of SBML ids such as CLint_<id>)",
            )
        return value

    def cited(
        self,
        table: Mapping[str, Any],
        section: str,
        key: str,
        unit: str,
        *,
        required: bool = True,
    ) -> Cited | None:
        where = self.where(section, key)
        raw = table.get(key)
        if raw is None:
            if required:
                raise CompoundError(f"missing key '{key}'", where=where)
            return None
        if not isinstance(raw, Mapping):
            raise CompoundError(
                f"'{key}' has no source: every number needs one",
                where=where,
                hint=f'write {key} = {{ value = {raw!r}, source = "doi:… (table/page)" }}',
            )
        check_keys(raw, _NUMBER_KEYS, error=CompoundError, where=where)
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            raise CompoundError(
                f"'{key}' has no source: every number needs one",
                where=where,
                hint='add source = "PMID/doi/table" (or "assumption: why")',
            )
        value = raw.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CompoundError(f"'{key}' value must be a number, not {value!r}", where=where)
        if not math.isfinite(value):
            raise CompoundError(f"'{key}' value must be finite", where=where)
        given = raw.get("unit")
        if unit in ("", "1"):
            if given not in (None, "", "1", "dimensionless"):
                raise CompoundError(f"'{key}' is dimensionless, not {given!r}", where=where)
            number = float(value)
        else:
            if not isinstance(given, str):
                raise CompoundError(
                    f"'{key}' needs a unit (e.g. \"{unit}\")",
                    where=where,
                    hint=f'add unit = "{unit}" or another unit of that dimension',
                )
            try:
                number = float(parse_quantity(f"{value} {given}", where=where).to(unit).magnitude)
            except UnitError as err:
                raise CompoundError(err.what, where=where, hint=err.hint) from None
            except Exception as err:
                raise CompoundError(f"unit {given!r} is not a unit of {unit}", where=where) from err
        note = raw.get("note", "")
        return Cited(number, unit, source.strip(), f"[{section}] {key}", str(note))

    def positive(self, c: Cited | None, *, upper: float | None = None) -> None:
        if c is None:
            return
        if c.value <= 0.0 or (upper is not None and c.value > upper):
            limit = f"in (0, {upper:g}]" if upper is not None else "> 0"
            raise CompoundError(
                f"{c.key.split('] ')[1]} must be {limit}, got {c.value!r}",
                where=f"{self.source} {c.key}",
            )

    def pkas(self, table: Mapping[str, Any], section: str, key: str) -> CitedList | None:
        raw = table.get(key)
        if raw is None:
            return None
        where = self.where(section, key)
        if not isinstance(raw, Mapping):
            raise CompoundError(
                f"'{key}' has no source: every number needs one",
                where=where,
                hint=f'write {key} = {{ value = [9.2], source = "…" }}',
            )
        check_keys(raw, _NUMBER_KEYS - {"unit"}, error=CompoundError, where=where)
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            raise CompoundError(f"'{key}' has no source: every number needs one", where=where)
        values = raw.get("value")
        values = [values] if isinstance(values, int | float) else values
        if (
            not isinstance(values, list)
            or not values
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in values)
        ):
            raise CompoundError(f"'{key}' value must be a number or a list of numbers", where=where)
        return CitedList(tuple(float(v) for v in values), source.strip(), f"[{section}] {key}")


def parse_compound(data: Mapping[str, Any], *, source: str = "<compound>") -> Compound:
    """Check a compound mapping: keys, sources, units and ranges."""
    r = _Reader(source)
    top = {
        "schema_version",
        "compound",
        "physchem",
        "absorption",
        "liver",
        "clearance",
        "genes",
        "renal",
        "metabolites",
    }
    check_keys(data, top, error=CompoundError, where=source)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise CompoundError(
            f"schema_version {data.get('schema_version')!r} is not supported",
            where=f"{source} schema_version",
            hint="start the file with schema_version = 1",
        )
    ident = r.table(data, "compound", {"id", "name", "molecular_weight", "salt_factor"})
    cid = r.ident(ident, "compound", "id")
    name = r.text(ident, "compound", "name", required=True)
    mw = r.cited(ident, "compound", "molecular_weight", "g/mol")
    salt = r.cited(ident, "compound", "salt_factor", "", required=False)
    r.positive(mw)
    r.positive(salt, upper=1.0)

    phys = r.table(data, "physchem", {"log_p", "pka_acid", "pka_base", "fu", "bp", "hematocrit"})
    log_p = r.cited(phys, "physchem", "log_p", "")
    fu = r.cited(phys, "physchem", "fu", "")
    bp = r.cited(phys, "physchem", "bp", "")
    hct = r.cited(phys, "physchem", "hematocrit", "", required=False)
    r.positive(fu, upper=1.0)
    r.positive(bp)
    r.positive(hct, upper=0.99)

    absorption = r.table(data, "absorption", {"ka", "fa", "fg", "lag"})
    ka = r.cited(absorption, "absorption", "ka", "1/h", required=False)
    lag = r.cited(absorption, "absorption", "lag", "h", required=False)
    if lag is not None and ka is None:
        raise CompoundError("lag needs ka", where=r.where("absorption", "lag"))
    r.positive(lag)
    fa = r.cited(absorption, "absorption", "fa", "", required=ka is not None)
    fg = r.cited(absorption, "absorption", "fg", "", required=False)
    r.positive(ka)
    r.positive(fa, upper=1.0)
    r.positive(fg, upper=1.0)

    liver = r.table(data, "liver", {"model", "uptake"})
    model = str(liver.get("model", "perfusion"))
    if model not in ("perfusion", "permeability"):
        raise CompoundError(
            f"model = {model!r}", where=r.where("liver", "model"), hint="perfusion or permeability"
        )
    uptake = None
    if model == "permeability":
        up = r.table(liver, "uptake", {"active", "passive", "transporter"})
        active = r.cited(up, "liver.uptake", "active", "L/h")
        passive = r.cited(up, "liver.uptake", "passive", "L/h")
        r.positive(passive)
        assert active is not None and passive is not None
        if active.value < 0:
            raise CompoundError("active must be ≥ 0", where=r.where("liver.uptake", "active"))
        transporter = r.text(up, "liver.uptake", "transporter", required=False) or None
        uptake = Uptake(active, passive, transporter)
    elif "uptake" in liver:
        raise CompoundError('uptake needs model = "permeability"', where=r.where("liver", "uptake"))

    pathways = _pathways(r, data.get("clearance", []))
    genes = _genes(r, data.get("genes", {}))
    renal_t = r.table(data, "renal", {"filtration", "reabsorption", "secretion"})
    filtration = renal_t.get("filtration", True)
    if not isinstance(filtration, bool):
        raise CompoundError("filtration must be true or false", where=r.where("renal"))
    reabs = r.cited(renal_t, "renal", "reabsorption", "", required=False)
    if reabs is not None and not 0.0 <= reabs.value <= 1.0:
        raise CompoundError("reabsorption must be in [0, 1]", where=r.where("renal"))
    secretion = r.cited(renal_t, "renal", "secretion", "L/h", required=False)
    metabolites = _metabolites(r, data.get("metabolites", []))

    known = {m.id for m in metabolites}
    for p in pathways:
        if p.metabolite is not None and p.metabolite not in known:
            raise CompoundError(
                f"pathway '{p.id}' forms '{p.metabolite}', which [[metabolites]] does not define",
                where=r.where("clearance", "metabolite"),
                hint=f"metabolites: {', '.join(sorted(known)) or 'none'}",
            )
    for m in metabolites:
        if m.clearance_to is not None and m.clearance_to not in known - {m.id}:
            raise CompoundError(
                f"metabolite '{m.id}' forms '{m.clearance_to}', which is not another metabolite",
                where=r.where("metabolites", "clearance_to"),
            )
    enzymes = {p.enzyme for p in pathways} | {uptake.transporter if uptake else None}
    for gene in genes:
        if gene not in enzymes:
            raise CompoundError(
                f"[genes.{gene}] drives no pathway or transporter",
                where=r.where(f"genes.{gene}"),
                hint="name it as a clearance pathway's enzyme or the uptake transporter",
            )
    ids = [cid, *known]
    if len(set(ids)) != len(ids):
        raise CompoundError("compound and metabolite ids must differ", where=source)
    assert mw is not None and log_p is not None and fu is not None and bp is not None
    return Compound(
        source=source,
        id=cid,
        name=name,
        molecular_weight=mw,
        salt_factor=salt,
        log_p=log_p,
        pka_acid=r.pkas(phys, "physchem", "pka_acid"),
        pka_base=r.pkas(phys, "physchem", "pka_base"),
        fu=fu,
        bp=bp,
        hematocrit=hct,
        ka=ka,
        fa=fa,
        fg=fg,
        liver_model=model,
        uptake=uptake,
        pathways=pathways,
        genes=genes,
        renal=Renal(filtration, reabs, secretion),
        metabolites=metabolites,
        lag=lag,
    )


def _entries(r: _Reader, raw: Any, section: str) -> list[Mapping[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(e, Mapping) for e in raw):
        raise CompoundError(f"use [[{section}]] tables", where=r.where(section))
    return list(raw)


def _pathways(r: _Reader, raw: Any) -> tuple[Pathway, ...]:
    allowed = {"id", "tissue", "enzyme", "clint", "vmax", "km", "metabolite", "fraction", "note"}
    out = []
    for entry in _entries(r, raw, "clearance"):
        check_keys(entry, allowed, error=CompoundError, where=r.where("clearance"))
        pid = r.ident(entry, "clearance", "id")
        section = f"clearance.{pid}"
        tissue = str(entry.get("tissue", "liver"))
        if tissue != "liver":
            raise CompoundError(
                f"tissue = {tissue!r}: only liver pathways are built",
                where=r.where(section, "tissue"),
                hint="renal elimination goes in [renal]; gut-wall extraction is [absorption] fg",
            )
        enzyme = r.text(entry, section, "enzyme", required=False) or None
        clint = r.cited(entry, section, "clint", "L/h", required=False)
        vmax = r.cited(entry, section, "vmax", "µmol/h", required=False)
        km = r.cited(entry, section, "km", "µmol/L", required=False)
        if (clint is None) == (vmax is None) or (vmax is None) != (km is None):
            raise CompoundError(
                "give either clint, or vmax and km",
                where=r.where(section),
                hint="clint: unbound intrinsic clearance of the whole liver",
            )
        r.positive(clint)
        r.positive(vmax)
        r.positive(km)
        metabolite = r.text(entry, section, "metabolite", required=False) or None
        fraction = r.cited(entry, section, "fraction", "", required=metabolite is not None)
        r.positive(fraction, upper=1.0)
        out.append(Pathway(pid, enzyme, clint, vmax, km, metabolite, fraction))
    if len({p.id for p in out}) != len(out):
        raise CompoundError("clearance ids must be unique", where=r.where("clearance"))
    return tuple(out)


def _genes(r: _Reader, raw: Any) -> dict[str, GeneLaw]:
    if not isinstance(raw, Mapping):
        raise CompoundError("must be a table", where=r.where("genes"))
    out = {}
    for gene, entry in raw.items():
        section = f"genes.{gene}"
        if not isinstance(entry, Mapping):
            raise CompoundError("must be a table with law = …", where=r.where(section))
        check_keys(
            entry,
            {"law", "exponent", "factors", "reference"},
            error=CompoundError,
            where=r.where(section),
        )
        law = r.text(entry, section, "law", required=True)
        if law not in _GENE_LAWS:
            raise CompoundError(
                f"unknown law {law!r}",
                where=r.where(section, "law"),
                hint=", ".join(sorted(_GENE_LAWS)),
            )
        exponent = r.cited(entry, section, "exponent", "", required=law == "activity_score_power")
        reference = r.cited(entry, section, "reference", "", required=False)
        factors: dict[str, float] = {}
        factors_source = ""
        if law == "phenotype_table":
            f = entry.get("factors")
            where = r.where(section, "factors")
            if not isinstance(f, Mapping) or not isinstance(f.get("value"), Mapping):
                raise CompoundError(
                    "phenotype_table needs factors = { value = { PM = …, NM = 1.0 }, source = … }",
                    where=where,
                )
            check_keys(f, {"value", "source", "note"}, error=CompoundError, where=where)
            factors_source = str(f.get("source", "")).strip()
            if not factors_source:
                raise CompoundError("'factors' has no source: every number needs one", where=where)
            for k, v in f["value"].items():
                if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                    raise CompoundError(f"factor {k} must be a number ≥ 0", where=where)
                factors[str(k).upper()] = float(v)
        out[str(gene)] = GeneLaw(str(gene), law, exponent, factors, factors_source, reference)
    return out


def _metabolites(r: _Reader, raw: Any) -> tuple[Metabolite, ...]:
    allowed = {
        "id",
        "name",
        "molecular_weight",
        "volume",
        "clearance",
        "clearance_to",
        "renal_clearance",
        "note",
    }
    out = []
    for entry in _entries(r, raw, "metabolites"):
        check_keys(entry, allowed, error=CompoundError, where=r.where("metabolites"))
        mid = r.ident(entry, "metabolites", "id")
        section = f"metabolites.{mid}"
        volume = r.cited(entry, section, "volume", "L")
        r.positive(volume)
        mw = r.cited(entry, section, "molecular_weight", "g/mol", required=False)
        cl = r.cited(entry, section, "clearance", "L/h", required=False)
        to = r.text(entry, section, "clearance_to", required=False) or None
        if to is not None and cl is None:
            raise CompoundError("clearance_to needs a clearance", where=r.where(section))
        renal = r.cited(entry, section, "renal_clearance", "L/h", required=False)
        assert volume is not None
        name = r.text(entry, section, "name", required=False) or mid
        out.append(Metabolite(mid, name, mw, volume, cl, to, renal))
    return tuple(out)
