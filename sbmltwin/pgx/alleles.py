"""Read and write diplotypes: ``"*1/*4"``, ``"CYP2D6 *1/*1x2"``, ``"*4/*36+*10"`` → :class:`Diplotype`.

Allele names are the ones the CPIC tables use: star alleles (``*1``, ``*3A``), rsID-based names
(ABCG2 ``rs2231142 variant (T)``) and DPYD variant names (``c.1905+1G>A (*2A)``, also accepted as
``c.1905+1G>A`` or ``*2A``). A haplotype is one allele or a tandem of alleles joined by ``+``
(``*36+*10``); ``xN`` gives N copies (``*1x2``; CPIC's ``x≥3`` bin is read as at least 3 copies: its activity score is a lower
bound, ``GeneCall.lower_bound``).
A PharmVar sub-allele (``*4.001``) keeps its name and is scored as its core allele (``*4``)
unless CPIC lists it. Every failure is a :class:`~sbmltwin.errors.GenotypeError`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sbmltwin.errors import GenotypeError

from ._tables import GeneTable, gene_table, gene_tables

__all__ = [
    "Allele",
    "Diplotype",
    "canonical_gene",
    "known_alleles",
    "known_genes",
    "parse_diplotype",
]

MAX_COPIES = 10
_MAX_TEXT = 500
_MAX_TANDEM = 8

_COPY_RE = re.compile(
    r"^(?P<base>.*?)\s*(?:[xX×]\s*(?P<ge>≥|>=)?|(?P<ge2>≥|>=))\s*(?P<n>[0-9]{1,3})$"
)
_SUB_RE = re.compile(r"^(?P<core>\*[0-9]+[A-Za-z]?)\.(?P<sub>[0-9]{1,4})$")
_PREFIX_RE = re.compile(r"^(?P<gene>[A-Za-z][A-Za-z0-9-]*)(?P<sep>\s*[:*]|\s+)")
_NUM_RE = re.compile(r"([0-9]+)")


def _natural(name: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _NUM_RE.split(name) if p)


@dataclass(frozen=True, slots=True)
class Allele:
    """One named allele (haplotype) and its copy number: ``"*1x2"`` is ``Allele("*1", 2)``."""

    name: str
    copies: int = 1
    at_least: bool = field(default=False, repr=False)  # CPIC's "x≥N": N or more copies

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise GenotypeError(f"allele name must be non-empty text, not {self.name!r}")
        if (
            isinstance(self.copies, bool)
            or not isinstance(self.copies, int)
            or not 1 <= self.copies <= MAX_COPIES
        ):
            raise GenotypeError(
                f"copy number of {self.name} must be an integer 1–{MAX_COPIES}, not {self.copies!r}"
            )

    def __str__(self) -> str:
        if self.at_least:
            return f"{self.name}x≥{self.copies}"
        return self.name if self.copies == 1 else f"{self.name}x{self.copies}"

    def _key(self) -> tuple[tuple[tuple[int, int | str], ...], int, bool]:
        return (_natural(self.name), self.copies, self.at_least)


Haplotype = tuple[Allele, ...]


@dataclass(frozen=True, slots=True)
class Diplotype:
    """A gene and its two haplotypes; each haplotype is a tuple of alleles (a tandem has several).

    The two haplotypes are kept in natural order (``*4/*1`` is stored as ``*1/*4``), so equal
    genotypes compare equal and ``parse_diplotype(str(d), d.gene) == d``.

    >>> d = parse_diplotype("CYP2D6 *36 + *10 / *4")
    >>> d.haplotypes
    ((Allele(name='*4', copies=1),), (Allele(name='*36', copies=1), Allele(name='*10', copies=1)))
    >>> str(d)
    '*4/*36+*10'
    """

    gene: str
    haplotypes: tuple[Haplotype, Haplotype]

    def __post_init__(self) -> None:
        if not isinstance(self.gene, str) or not self.gene:
            raise GenotypeError(f"gene must be a non-empty symbol, not {self.gene!r}")
        haps = self.haplotypes
        if not isinstance(haps, tuple) or len(haps) != 2:
            raise GenotypeError(f"{self.gene}: a diplotype has two haplotypes, got {haps!r}")
        for hap in haps:
            if not isinstance(hap, tuple) or not hap or not all(isinstance(a, Allele) for a in hap):
                raise GenotypeError(
                    f"{self.gene}: a haplotype is a non-empty tuple of Allele, got {hap!r}"
                )
        ordered = tuple(sorted(haps, key=lambda h: tuple(a._key() for a in h)))
        object.__setattr__(self, "haplotypes", ordered)

    def __str__(self) -> str:
        return "/".join("+".join(str(a) for a in hap) for hap in self.haplotypes)

    @property
    def alleles(self) -> tuple[Allele, ...]:
        """All alleles of both haplotypes, in order."""
        return self.haplotypes[0] + self.haplotypes[1]


def known_genes() -> tuple[str, ...]:
    """HGNC symbols of the genes with CPIC tables, e.g. ``("CYP2D6", "CYP2C9", "DPYD", ...)``."""
    return tuple(gene_tables())


def known_alleles(gene: str) -> tuple[str, ...]:
    """CPIC allele names for ``gene``, in CPIC order (copy-number names like ``*1x2`` excluded).

    >>> known_alleles("CYP2C19")[:4]
    ('*1', '*2', '*3', '*4')
    """
    return table_for(gene).alleles


def table_for(gene: str, *, where: str | None = None) -> GeneTable:
    """The CPIC table of ``gene``; GenotypeError naming the nearest known genes otherwise."""
    if not isinstance(gene, str):
        raise GenotypeError(
            f"a gene must be an HGNC symbol, not {type(gene).__name__}", where=where
        )
    table = gene_table(gene)
    if table is None:
        near = difflib.get_close_matches(gene.strip().upper(), known_genes(), n=3, cutoff=0.0)
        raise GenotypeError(
            f"{gene.strip()[:40]!r} is not a gene with CPIC tables in sbmltwin",
            where=where,
            hint=f"nearest: {', '.join(near)}; known genes: {', '.join(known_genes())}",
        )
    return table


def canonical_gene(gene: str, *, where: str | None = None) -> str:
    """The HGNC symbol sbmltwin uses for ``gene`` (any case, surrounding blanks ignored):
    ``"cyp2d6"`` → ``"CYP2D6"``. An unknown gene is a GenotypeError naming the nearest ones.

    >>> canonical_gene(" cyp2c19 ")
    'CYP2C19'
    """
    return table_for(gene, where=where).gene


def core_allele(table: GeneTable, name: str) -> str:
    """The CPIC allele that gives ``name`` its function: itself, or the core of a sub-allele."""
    if name in table.function:
        return name
    m = _SUB_RE.match(name)
    if m and m["core"] in table.function:
        return m["core"]
    raise GenotypeError(
        f"{name[:60]!r} is not a known {table.gene} allele",
        hint=_nearest(table, name),
    )


def _nearest(table: GeneTable, token: str) -> str:
    near = difflib.get_close_matches(token, table.alleles, n=3, cutoff=0.0)
    return f"nearest known {table.gene} alleles: {', '.join(near)}"


def _single(table: GeneTable, token: str) -> Allele | None:
    """One allele with an optional copy number, or None."""
    text = " ".join(token.split())
    if not text:
        return None
    name = _name(table, text)
    if name is not None:
        return Allele(name)
    m = _COPY_RE.match(text)
    if m:
        base = _name(table, m["base"])
        n = int(m["n"])
        if base is not None and 1 <= n <= MAX_COPIES:
            return Allele(base, n, at_least=bool(m["ge"] or m["ge2"]))
    return None


def _name(table: GeneTable, text: str) -> str | None:
    found = table.lookup.get(text) or table.lookup.get(text.casefold())
    if found is not None:
        return found
    m = _SUB_RE.match(text)
    if m:
        core = table.lookup.get(m["core"]) or table.lookup.get(m["core"].casefold())
        if core is not None and core.startswith("*"):
            return f"{core}.{m['sub']}"
    return None


def _haplotype(table: GeneTable, text: str, where: str) -> Haplotype:
    """Split a haplotype on '+' into the fewest known alleles (names may themselves contain '+')."""
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):  # PharmCAT combination syntax
        body = body[1:-1]
    upper = body.upper()
    if upper.startswith(table.gene) and body[len(table.gene) : len(table.gene) + 1] in ("*", " "):
        body = body[len(table.gene) :]
    parts = body.split("+")
    if not body.strip():
        raise GenotypeError("empty haplotype", where=where, hint="write e.g. '*1/*4'")
    if len(parts) > _MAX_TANDEM * 2:
        raise GenotypeError(f"too many '+' in {body[:60]!r}", where=where)
    n = len(parts)
    best: list[Haplotype | None] = [None] * (n + 1)
    best[0] = ()
    for j in range(1, n + 1):
        for i in range(j):
            prev = best[i]
            if prev is None:
                continue
            allele = _single(table, "+".join(parts[i:j]))
            if allele is not None and (best[j] is None or len(prev) + 1 < len(best[j] or ())):
                best[j] = (*prev, allele)
    result = best[n]
    if result is None:
        start = max(i for i in range(n) if best[i] is not None)
        token = " ".join("+".join(parts[start:]).split())
        hint = _nearest(table, token)
        m = _COPY_RE.match(token)
        if m and _name(table, m["base"]) is not None:
            hint = f"copy number must be 1–{MAX_COPIES} (e.g. '*1x2')"
        raise GenotypeError(
            f"{token[:60]!r} is not a known {table.gene} allele", where=where, hint=hint
        )
    if len(result) > _MAX_TANDEM:
        raise GenotypeError(f"more than {_MAX_TANDEM} alleles in one haplotype", where=where)
    return result


def parse_diplotype(text: str, gene: str | None = None) -> Diplotype:
    """Read a diplotype such as ``"*1/*4"``, ``"CYP2D6*1/*1x2"`` or ``"*4/*36 + *10"``.

    The gene comes from ``gene`` or from a prefix of ``text`` ("CYP2D6 *1/*4", "CYP2D6*1/*4");
    when both are given they must agree. Raises :class:`~sbmltwin.errors.GenotypeError` (and
    nothing else, whatever the text) for an unknown gene, an unknown allele (naming the three
    nearest known alleles) or malformed text.

    >>> parse_diplotype("*1/*1x2", "CYP2D6")
    Diplotype(gene='CYP2D6', haplotypes=((Allele(name='*1', copies=1),), (Allele(name='*1', copies=2),)))
    >>> str(parse_diplotype("dpyd c.1905+1G>A/Reference"))
    'Reference/c.1905+1G>A (*2A)'
    """
    if not isinstance(text, str):
        raise GenotypeError(f"a diplotype must be text, not {type(text).__name__}")
    shown = " ".join(text.split())
    where = f"diplotype {shown[:80]!r}" + ("…" if len(shown) > 80 else "")
    if len(text) > _MAX_TEXT:
        raise GenotypeError(f"text longer than {_MAX_TEXT} characters", where=where)
    body = text.strip()
    named: str | None = None
    m = _PREFIX_RE.match(body)
    if m:
        candidate = m["gene"].upper()
        if gene_table(candidate) is not None:
            named = candidate
            body = body[m.end("gene") :].lstrip().removeprefix(":").strip()
        elif m["sep"].strip() == "*":
            table_for(candidate, where=where)  # "CYP2D7*1/*4": raises naming the nearest genes
    if gene is None and named is None:
        raise GenotypeError(
            "no gene given",
            where=where,
            hint=f"pass gene= or write e.g. 'CYP2D6 *1/*4'; known genes: {', '.join(known_genes())}",
        )
    table = table_for(gene if gene is not None else named or "", where=where)
    if named is not None and named != table.gene:
        raise GenotypeError(f"gene prefix {named} does not match gene {table.gene}", where=where)
    where = f"{table.gene} {where}"
    halves = re.split(r"[/|]", body)
    if len(halves) != 2:
        raise GenotypeError(
            "a diplotype is two haplotypes separated by '/'",
            where=where,
            hint="write e.g. '*1/*4' or '*1/*36+*10'",
        )
    first = _haplotype(table, halves[0], where)
    second = _haplotype(table, halves[1], where)
    return Diplotype(table.gene, (first, second))
