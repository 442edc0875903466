"""Property tests (hypothesis) for diplotype parsing and activity scores."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from sbmltwin.errors import GenotypeError
from sbmltwin.pgx import (
    Allele,
    Diplotype,
    call_genotype,
    known_alleles,
    known_genes,
    parse_diplotype,
)
from sbmltwin.pgx._tables import gene_table

GENES = known_genes()
AS_GENES = ("CYP2D6", "CYP2C9", "DPYD")
ORDER = {"Poor Metabolizer": 0, "Intermediate Metabolizer": 1, "Normal Metabolizer": 2}
ORDER["Ultrarapid Metabolizer"] = 3

# text close to diplotype syntax, so the parser gets past its first checks
ALPHABET = "*/+ x≥.0123456789ACGTcrs()[]|:-,>≥ReferencHapBCYP2D6\t\n×"
ATOMS = st.sampled_from(
    ["*1", "*4", "*36", "*10", "x2", "x≥3", "+", " + ", "/", "CYP2D6", "DPYD", "c.1905+1G>A"]
)
DIPLOTYPE_LIKE = st.lists(st.one_of(ATOMS, st.text(ALPHABET, max_size=4)), max_size=12).map("".join)


@given(
    st.one_of(st.text(max_size=200), DIPLOTYPE_LIKE),
    st.one_of(st.none(), st.sampled_from(GENES), st.text(max_size=12)),
)
def test_parse_raises_only_genotype_error(text: str, gene: str | None) -> None:
    try:
        d = parse_diplotype(text, gene)
    except GenotypeError as err:
        assert str(err)
    else:
        assert parse_diplotype(str(d), d.gene) == d


@st.composite
def diplotypes(draw: st.DrawFn, genes: tuple[str, ...] = GENES) -> Diplotype:
    gene = draw(st.sampled_from(genes))
    names = known_alleles(gene)
    allele = st.builds(
        Allele,
        st.sampled_from(names),
        st.integers(1, 4) if gene == "CYP2D6" else st.just(1),
    )
    haplotype = st.lists(allele, min_size=1, max_size=3 if gene == "CYP2D6" else 1).map(tuple)
    d = Diplotype(gene, (draw(haplotype), draw(haplotype)))
    table = gene_table(gene)
    assert table is not None
    for hap in d.haplotypes:  # "*80"+"*28" would read back as the CPIC allele "*80+*28"
        assume(len(hap) == 1 or "+".join(a.name for a in hap) not in table.lookup)
    return d


@given(diplotypes())
def test_format_parse_round_trip(d: Diplotype) -> None:
    assert parse_diplotype(str(d), d.gene) == d
    assert parse_diplotype(f"{d.gene} {d}") == d
    if str(d).startswith("*"):
        assert parse_diplotype(f"{d.gene}{d}") == d


def _null_allele(gene: str) -> str:
    table = gene_table(gene)
    assert table is not None
    return next(a for a in table.alleles if table.activity[a] == 0.0)


def _scored(gene: str) -> list[str]:
    table = gene_table(gene)
    assert table is not None
    return [a for a in table.alleles if table.activity[a] is not None]


@st.composite
def scored_diplotypes(draw: st.DrawFn) -> Diplotype:
    gene = draw(st.sampled_from(AS_GENES))
    names = _scored(gene)
    copies = st.integers(1, 3) if gene == "CYP2D6" else st.just(1)
    allele = st.builds(Allele, st.sampled_from(names), copies)
    size = 3 if gene in ("CYP2D6", "DPYD") else 1
    haplotype = st.lists(allele, min_size=1, max_size=size).map(tuple)
    return Diplotype(gene, (draw(haplotype), draw(haplotype)))


@given(scored_diplotypes(), st.data())
def test_no_function_allele_never_raises_the_score(d: Diplotype, data: st.DataObject) -> None:
    before = call_genotype(d.gene, d)
    side = data.draw(st.integers(0, 1))
    index = data.draw(st.integers(0, len(d.haplotypes[side]) - 1))
    hap = list(d.haplotypes[side])
    hap[index] = Allele(_null_allele(d.gene), hap[index].copies)
    other = d.haplotypes[1 - side]
    after = call_genotype(d.gene, Diplotype(d.gene, (tuple(hap), other)))
    assert before.activity_score is not None and after.activity_score is not None
    assert after.activity_score <= before.activity_score
    assert ORDER[after.phenotype.value] <= ORDER[before.phenotype.value]


@given(st.sampled_from(_scored("CYP2D6")), st.integers(1, 10))
def test_copies_multiply(name: str, copies: int) -> None:
    null = _null_allele("CYP2D6")
    one = call_genotype("CYP2D6", Diplotype("CYP2D6", ((Allele(name),), (Allele(null),))))
    many = call_genotype("CYP2D6", Diplotype("CYP2D6", ((Allele(name, copies),), (Allele(null),))))
    assert one.activity_score is not None
    assert many.activity_score == copies * one.activity_score
    # and "*1x2" is exactly two *1, written either way
    assert call_genotype("CYP2D6", f"{name}x{copies}/{null}").activity_score == (
        many.activity_score
    )


def test_star1_x2_is_twice_star1() -> None:
    assert call_genotype("CYP2D6", "*1x2/*4").activity_score == 2 * (
        call_genotype("CYP2D6", "*1/*4").activity_score or 0
    )
