"""Genotype → CPIC activity score → phenotype, and phenotype or activity score given directly.

Activity-score genes (CYP2D6, CYP2C9, DPYD): each allele has a CPIC activity value; ``xN``
multiplies it by N and a tandem (``*36+*10``) adds its parts, which reproduces every copy-number
row of the CPIC CYP2D6 list (checked by ``tools/build_pgx_tables.py``). CYP2D6 and CYP2C9 sum all
alleles; DPYD follows CPIC and sums the two lowest values (the conservative reading when more
than two variants are found). The score is binned to a phenotype with the CPIC bins (CYP2D6: 0 PM,
0.25–1.0 IM, 1.25–2.25 NM, > 2.25 UM). An allele of uncertain/unknown function ("n/a") gives
"Indeterminate" with no score. Other genes take the phenotype of the CPIC
(allele-1 function, allele-2 function) pair.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sbmltwin.errors import GenotypeError

from ._tables import GeneTable, gene_table, gene_tables
from .alleles import Diplotype, core_allele, parse_diplotype, table_for
from .phenotypes import Phenotype

__all__ = [
    "GeneCall",
    "call_activity_score",
    "call_genotype",
    "call_phenotype",
    "reference_activity_score",
    "table_version",
]

SOURCE_DIPLOTYPE = "CPIC diplotype table"
SOURCE_PHENOTYPE = "given phenotype"
SOURCE_SCORE = "given activity score"

_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


def format_score(score: float) -> str:
    """``1.0``, ``0.25``, ``3.0``: at least one decimal, at most two (CPIC's spelling)."""
    text = f"{score:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


@dataclass(frozen=True, slots=True)
class GeneCall:
    """The phenotype of one gene and how it was reached.

    ``diplotype`` is the canonical diplotype text (None when only a phenotype or score was
    given); ``activity_score`` is None for genes phenotyped by allele function and when an
    allele has no CPIC activity value; ``table_version`` is the CPIC data version used;
    ``source`` says where the call came from ("CPIC diplotype table", "given phenotype",
    "given activity score", "PharmCAT outside call", "PharmCAT phenotype JSON").
    """

    gene: str
    diplotype: str | None
    activity_score: float | None
    phenotype: Phenotype
    table_version: str
    source: str
    conversion: str = ""  # the full reason after phenoconversion (sbmltwin.pgx.inhibitors)
    lower_bound: bool = False  # the score is a lower bound (CPIC "x≥3" copies): "≥4.0"

    @property
    def score_text(self) -> str:
        """The activity score as CPIC writes it (``"1.0"``, ``"≥4.0"``); ``"n/a"`` without one."""
        if self.activity_score is None:
            return "n/a"
        return ("≥" if self.lower_bound else "") + format_score(self.activity_score)

    def reason(self) -> str:
        """One line for reports, e.g. ``"CYP2D6 *1/*4 → AS 1.0 (CPIC 2024-08-27) → IM"``."""
        if self.conversion:
            return self.conversion
        head = self.gene if self.diplotype is None else f"{self.gene} {self.diplotype}"
        steps = [head]
        if self.activity_score is not None:
            steps.append(f"AS {self.score_text}")
        elif self.diplotype is not None and self.source == SOURCE_DIPLOTYPE:
            table = gene_table(self.gene)
            if table is not None and table.uses_activity_score:
                steps.append("AS n/a")
        m = _DATE_RE.match(self.table_version)
        version = f"CPIC {m.group(0) if m else self.table_version}"
        tag = version if self.source == SOURCE_DIPLOTYPE else f"{self.source}, {version}"
        steps[-1] += f" ({tag})"
        steps.append(self.phenotype.short)
        return " → ".join(steps)


def table_version(gene: str) -> str:
    """The CPIC data version of the tables for ``gene``, e.g. ``"2024-08-27-21-12"``."""
    return table_for(gene).version


def reference_activity_score(gene: str) -> float:
    """The activity score of the reference diplotype (``*1/*1``; DPYD ``Reference/Reference``).

    >>> reference_activity_score("CYP2D6")
    2.0
    """
    table = _as_table(gene)
    value = table.activity[table.reference_allele]
    if value is None:  # pragma: no cover - a reference allele always has a value
        raise GenotypeError(f"{table.gene} reference allele has no activity value")
    return 2.0 * value


def call_genotype(gene: str, diplotype: str | Diplotype) -> GeneCall:
    """The CPIC phenotype (and activity score) of a diplotype.

    >>> call_genotype("CYP2D6", "*1/*4").reason()
    'CYP2D6 *1/*4 → AS 1.0 (CPIC 2024-08-27) → IM'
    >>> call_genotype("CYP2C19", "*2/*17").phenotype
    <Phenotype.IM: 'Intermediate Metabolizer'>
    """
    table = table_for(gene)
    if isinstance(diplotype, str):
        d = parse_diplotype(diplotype, table.gene)
    elif isinstance(diplotype, Diplotype):
        d = diplotype
        if d.gene.strip().upper() != table.gene:
            raise GenotypeError(f"diplotype of {d.gene} given for gene {table.gene}")
    else:
        raise GenotypeError(
            f"a diplotype must be text or Diplotype, not {type(diplotype).__name__}"
        )
    bound = False
    if table.uses_activity_score:
        score = _activity_score(table, d)
        phenotype = Phenotype.INDETERMINATE if score is None else _bin(table, score, d)
        bound = score is not None and any(
            a.at_least and bool(table.activity[core_allele(table, a.name)]) for a in d.alleles
        )
    else:
        score = None
        phenotype = _function_pair(table, d)
    return GeneCall(
        table.gene, str(d), score, phenotype, table.version, SOURCE_DIPLOTYPE, lower_bound=bound
    )


def call_phenotype(gene: str, phenotype: str | Phenotype) -> GeneCall:
    """A call from a known phenotype (no genotype); it must be one CPIC uses for the gene."""
    table = table_for(gene)
    if isinstance(phenotype, str):
        p = Phenotype.parse(phenotype)
    elif isinstance(phenotype, Phenotype):
        p = phenotype
    else:
        raise GenotypeError(
            f"a phenotype must be text or Phenotype, not {type(phenotype).__name__}"
        )
    allowed = table.phenotypes
    if p not in allowed:
        names = ", ".join(sorted(a.value for a in allowed))
        raise GenotypeError(
            f"CPIC has no phenotype {p.value!r} for {table.gene}", hint=f"use one of: {names}"
        )
    return GeneCall(table.gene, None, None, p, table.version, SOURCE_PHENOTYPE)


def call_activity_score(gene: str, score: float) -> GeneCall:
    """A call from a known activity score: a multiple of 0.25 within the CPIC range of the gene.

    >>> call_activity_score("CYP2D6", 2.5).phenotype.short
    'UM'
    """
    table = _as_table(gene)
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise GenotypeError(f"{table.gene} activity score must be a finite number, not {score!r}")
    quarters = round(score * 4)
    top = table.max_listed_score or 0.0
    if abs(score * 4 - quarters) > 1e-9 or not 0 <= quarters / 4 <= top:
        raise GenotypeError(
            f"{table.gene} activity score {score!r} is not a multiple of 0.25 in [0, {top}]",
            hint=f"CPIC {table.gene} scores: {_bins_text(table)}",
        )
    value = quarters / 4
    phenotype = _bin(table, value, None)
    return GeneCall(table.gene, None, value, phenotype, table.version, SOURCE_SCORE)


def _as_table(gene: str) -> GeneTable:
    table = table_for(gene)
    if not table.uses_activity_score:
        raise GenotypeError(
            f"CPIC phenotypes {table.gene} by allele function, not by activity score",
            hint="activity-score genes: "
            + ", ".join(g for g, t in gene_tables().items() if t.uses_activity_score),
        )
    return table


def _activity_score(table: GeneTable, d: Diplotype) -> float | None:
    values: list[float] = []
    for allele in d.alleles:
        value = table.activity[core_allele(table, allele.name)]
        if value is None:
            return None
        values.extend([value] * allele.copies)
    if table.method == "as_two_lowest":
        values = sorted(values)[:2]
    return float(sum(values))


def _bin(table: GeneTable, score: float, d: Diplotype | None) -> Phenotype:
    for lo, hi, phenotype in table.bins:
        if lo <= score <= hi:
            return phenotype
    what = f"{table.gene} {d} has" if d is not None else f"{table.gene}"
    raise GenotypeError(
        f"{what} activity score {format_score(score)}, outside the CPIC {table.gene} table",
        hint=f"CPIC {table.gene} scores: {_bins_text(table)}",
    )


def _bins_text(table: GeneTable) -> str:
    parts = []
    for lo, hi, p in table.bins:
        span = (
            f"> {format_score(lo - 0.25)}"
            if math.isinf(hi)
            else format_score(lo)
            if lo == hi
            else f"{format_score(lo)}–{format_score(hi)}"
        )
        parts.append(f"{span} {p.short}")
    return ", ".join(parts)


def _function_pair(table: GeneTable, d: Diplotype) -> Phenotype:
    functions = []
    for hap in d.haplotypes:
        if len(hap) != 1 or hap[0].copies != 1:
            text = "+".join(str(a) for a in hap)
            raise GenotypeError(
                f"CPIC assigns no function to the {table.gene} haplotype {text!r}"
                " (copy number or tandem)",
                where=f"{table.gene} {d}",
                hint="give the phenotype instead (call_phenotype)",
            )
        functions.append(table.function[core_allele(table, hap[0].name)])
    f1, f2 = sorted(functions)
    phenotype = table.pairs.get((f1, f2))
    if phenotype is None:  # pragma: no cover - the build script checks every pair is present
        raise GenotypeError(f"CPIC has no {table.gene} phenotype for {f1} + {f2}")
    return phenotype
