"""Phenoconversion: a co-medication that inhibits an enzyme lowers the twin's functional phenotype.

The inhibitors and their FDA strength are in ``data/cyp_inhibitors.tsv`` (FDA Drug Development
and Drug Interactions tables; the file names the pages and carries the table version). The rule
is the one used in pharmacogenomic practice for the CYP2D6 activity score (Borges et al. 2010,
J Clin Pharmacol 50:450, doi:10.1177/0091270009359182; Cicali et al. 2021, Clin Pharmacol Ther
110:677, doi:10.1002/cpt.2354, the tutorial behind the UF Health phenoconversion calculator):

* a **strong** inhibitor multiplies the activity score by 0 (the twin is a poor metabolizer);
* a **moderate** inhibitor multiplies it by 0.5;
* a weak inhibitor, or a drug not in the table, changes nothing (the reason says so).

It applies to every activity-score gene in the table (CYP2D6, CYP2C9). CYP2C19 is phenotyped by
allele function, so sbmltwin carries the same rule over to its phenotype classes: strong → PM,
moderate → one class lower (UM → RM → NM → IM → PM). That CYP2C19 step is sbmltwin's reading of
the convention, not a published table, and its reason says so. With several inhibitors of one
enzyme, the strongest one counts (inhibitions are not compounded).
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from types import MappingProxyType

from sbmltwin.errors import GenotypeError

from ._tables import GeneTable
from .alleles import table_for
from .phenotypes import Phenotype
from .scores import GeneCall, format_score

__all__ = [
    "RULE",
    "Inhibitor",
    "InhibitorStrength",
    "inhibitor_table_version",
    "inhibitors",
    "normalize_drug",
    "phenoconvert",
]

RULE = (
    "phenoconversion rule: strong inhibitor AS × 0, moderate AS × 0.5 "
    "(Borges 2010 doi:10.1177/0091270009359182; Cicali 2021 doi:10.1002/cpt.2354)"
)
_FACTOR = {"strong": 0.0, "moderate": 0.5}
_ORDER = (Phenotype.PM, Phenotype.IM, Phenotype.NM, Phenotype.RM, Phenotype.UM)


class InhibitorStrength(enum.Enum):
    STRONG = "strong"
    MODERATE = "moderate"

    @property
    def factor(self) -> float:
        """What the activity score is multiplied by."""
        return _FACTOR[self.value]


@dataclass(frozen=True, slots=True)
class Inhibitor:
    """One row of the packaged table: ``drug`` inhibits ``gene`` with ``strength``."""

    drug: str
    gene: str
    strength: InhibitorStrength
    index: bool
    source: str


def normalize_drug(name: str) -> str:
    """Lower-case, single-spaced drug name (the table's key)."""
    if not isinstance(name, str) or not name.strip():
        raise GenotypeError(f"a co-medication must be a drug name, not {name!r}")
    return " ".join(name.split()).casefold()


@functools.cache
def _load() -> tuple[str, Mapping[tuple[str, str], Inhibitor]]:
    text = resources.files("sbmltwin.pgx").joinpath("data", "cyp_inhibitors.tsv").read_text("utf-8")
    version = ""
    rows: dict[tuple[str, str], Inhibitor] = {}
    lines = []
    for line in text.splitlines():
        if line.startswith("# version:"):
            version = line.split(":", 1)[1].strip()
        elif line and not line.startswith("#"):
            lines.append(line)
    for line in lines[1:]:
        drug, gene, strength, index, source = line.split("\t")
        rows[(drug, gene)] = Inhibitor(
            drug, gene, InhibitorStrength(strength), index == "yes", source
        )
    if not version:  # pragma: no cover - packaging bug
        raise RuntimeError("cyp_inhibitors.tsv has no '# version:' line")
    return version, MappingProxyType(rows)


def inhibitor_table_version() -> str:
    """The packaged table's version, e.g. ``"FDA DDI tables, compiled 2026-12-04"``."""
    return _load()[0]


def inhibitors(gene: str | None = None) -> tuple[Inhibitor, ...]:
    """Every listed strong/moderate inhibitor (of ``gene``, when given)."""
    rows = _load()[1].values()
    return tuple(r for r in rows if gene is None or r.gene == gene.upper())


def _strongest(gene: str, drugs: Iterable[str]) -> Inhibitor | None:
    table = _load()[1]
    found = [table[(d, gene)] for d in drugs if (d, gene) in table]
    if not found:
        return None
    return min(found, key=lambda r: (r.strength.factor, r.drug))


def phenoconvert(call: GeneCall, comedications: Iterable[str]) -> GeneCall:
    """``call`` as the co-medications leave it, with the conversion in its reason.

    >>> from sbmltwin.pgx import call_genotype
    >>> phenoconvert(call_genotype("CYP2D6", "*1/*1"), ["Paroxetine"]).activity_score
    0.0
    >>> phenoconvert(call_genotype("CYP2D6", "*1/*1"), ["duloxetine"]).phenotype.short
    'IM'
    """
    drugs = sorted({normalize_drug(d) for d in comedications})
    if not drugs:
        return call
    version = inhibitor_table_version()
    gene = call.gene
    hit = _strongest(gene, drugs)
    if hit is None:
        listed = gene in {r.gene for r in inhibitors()}
        what = (
            f"{', '.join(drugs)}: no strong/moderate {gene} inhibitor in {version}"
            if listed
            else f"{version} lists no {gene} inhibitors"
        )
        return replace(call, conversion=f"{call.reason()} → {what} → unchanged")
    head = f"{hit.drug} ({hit.strength.value} {gene} inhibitor, {hit.source}, {version})"
    others = [d for d in drugs if d != hit.drug and _strongest(gene, [d]) is not None]
    if others:
        head += f"; also {', '.join(others)} (the strongest counts)"
    table = table_for(gene)
    if call.activity_score is not None:
        score = call.activity_score * hit.strength.factor
        phenotype = _bin_continuous(table, score)
        step = (
            f"{head} → AS {format_score(call.activity_score)} × {hit.strength.factor:g} "
            f"= {format_score(score)} ({RULE}) → {phenotype.short}"
        )
        return replace(
            call,
            activity_score=score,
            phenotype=phenotype,
            conversion=f"{call.reason()} → {step}",
        )
    if table.uses_activity_score or call.phenotype not in _ORDER:
        raise GenotypeError(
            f"cannot phenoconvert {gene} {call.phenotype.value} without an activity score",
            where=f"co-medication {hit.drug}",
            hint="give the genotype or activity score instead of the phenotype",
        )
    if hit.strength is InhibitorStrength.STRONG:
        phenotype = Phenotype.PM
    else:
        phenotype = _ORDER[max(0, _ORDER.index(call.phenotype) - 1)]
    step = (
        f"{head} → {call.phenotype.short} → {phenotype.short} (function-pair gene: strong → PM, "
        f"moderate → one class lower; sbmltwin's reading of the AS rule)"
    )
    return replace(call, phenotype=phenotype, conversion=f"{call.reason()} → {step}")


def _bin_continuous(table: GeneTable, score: float) -> Phenotype:
    """CPIC bins read as continuous: the highest bin starting at or below ``score``; a score
    above 0 is never PM-by-zero (CPIC CYP2D6: PM is AS 0 exactly)."""
    bins = sorted(table.bins, key=lambda b: b[0])
    chosen = bins[0]
    for lo, hi, p in bins:
        if lo <= score + 1e-12:
            chosen = (lo, hi, p)
    lo, hi, p = chosen
    if score > 0 and hi == 0 and len(bins) > 1:
        return bins[1][2]
    if not math.isfinite(score):  # pragma: no cover - scores are finite
        raise GenotypeError(f"activity score {score!r} is not finite")
    return p
