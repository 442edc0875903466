"""Reading and writing diplotypes: spellings, canonical text, located errors."""

from __future__ import annotations

import pickle

import pytest

from sbmltwin.errors import GenotypeError
from sbmltwin.pgx import Allele, Diplotype, known_alleles, known_genes, parse_diplotype


def hap(*names: str) -> tuple[Allele, ...]:
    out = []
    for n in names:
        base, _, copies = n.partition("x")
        out.append(Allele(base, int(copies) if copies else 1))
    return tuple(out)


@pytest.mark.parametrize(
    ("text", "gene", "haplotypes", "canonical"),
    [
        ("*1/*4", "CYP2D6", (hap("*1"), hap("*4")), "*1/*4"),
        ("CYP2D6*1/*4", None, (hap("*1"), hap("*4")), "*1/*4"),
        ("CYP2D6 *1/*4", None, (hap("*1"), hap("*4")), "*1/*4"),
        ("cyp2d6 *4 / *1", "CYP2D6", (hap("*1"), hap("*4")), "*1/*4"),
        ("*1/*1x2", "CYP2D6", (hap("*1"), hap("*1x2")), "*1/*1x2"),
        ("*2x3/*4", "CYP2D6", (hap("*2x3"), hap("*4")), "*2x3/*4"),
        ("*4/*36+*10", "CYP2D6", (hap("*4"), hap("*36", "*10")), "*4/*36+*10"),
        ("*36 + *10/*4", "CYP2D6", (hap("*4"), hap("*36", "*10")), "*4/*36+*10"),
        ("*1/*41", "CYP2D6", (hap("*1"), hap("*41")), "*1/*41"),
        ("*4.001/*1", "CYP2D6", (hap("*1"), (Allele("*4.001"),)), "*1/*4.001"),
        ("*1/*1x≥3", "CYP2D6", (hap("*1"), (Allele("*1", 3, at_least=True),)), "*1/*1x≥3"),
        ("*13 + *68x2 + *4/*2", "CYP2D6", (hap("*2"), hap("*13", "*68x2", "*4")), None),
        ("[*36 + *10]/*1", "CYP2D6", (hap("*1"), hap("*36", "*10")), "*1/*36+*10"),
        ("CYP2D6*1/CYP2D6*4", None, (hap("*1"), hap("*4")), "*1/*4"),
        ("*1|*4", "CYP2D6", (hap("*1"), hap("*4")), "*1/*4"),
        ("*3a/*1", "TPMT", (hap("*1"), hap("*3A")), "*1/*3A"),
        ("*80+*28/*1", "UGT1A1", (hap("*1"), (Allele("*80+*28"),)), "*1/*80+*28"),
        ("*17/*2", "CYP2C19", (hap("*2"), hap("*17")), "*2/*17"),
    ],
)
def test_parse_examples(
    text: str, gene: str | None, haplotypes: tuple[tuple[Allele, ...], ...], canonical: str | None
) -> None:
    d = parse_diplotype(text, gene)
    assert d.haplotypes == haplotypes
    if canonical is not None:
        assert str(d) == canonical
    assert parse_diplotype(str(d), d.gene) == d


def test_dpyd_names_short_forms_and_plus_inside_names() -> None:
    full = "c.1905+1G>A (*2A)"
    assert full in known_alleles("DPYD")
    for spelling in (full, "c.1905+1G>A", "*2A", "C.1905+1G>A (*2A)"):
        d = parse_diplotype(f"Reference/{spelling}", "DPYD")
        assert d.haplotypes[1] == (Allele(full),)
    hapb3 = parse_diplotype("DPYD HapB3/c.2846A>T")
    assert str(hapb3) == "c.1129-5923C>G, c.1236G>A (HapB3)/c.2846A>T"
    # a tandem of two variants, one of whose names contains '+'
    two = parse_diplotype("c.1905+1G>A+c.2846A>T/Reference", "DPYD")
    assert two.haplotypes[1] == (Allele(full), Allele("c.2846A>T"))


def test_rsid_named_alleles() -> None:
    d = parse_diplotype("rs2231142 reference (G)/rs2231142 variant (T)", "ABCG2")
    assert str(d) == "rs2231142 reference (G)/rs2231142 variant (T)"


def test_haplotypes_are_ordered_so_equal_genotypes_compare_equal() -> None:
    a = Diplotype("CYP2D6", ((Allele("*10"),), (Allele("*2"),)))
    b = parse_diplotype("*2/*10", "CYP2D6")
    assert a == b
    assert str(a) == "*2/*10"


def test_known_genes_and_alleles() -> None:
    genes = known_genes()
    for g in ("CYP2D6", "CYP2C9", "CYP2C19", "DPYD", "SLCO1B1", "ABCG2", "TPMT", "NUDT15"):
        assert g in genes
    cyp2d6 = known_alleles("CYP2D6")
    for a in ("*1", "*2", "*4", "*5", "*10", "*13", "*36", "*41", "*68"):
        assert a in cyp2d6
    assert not any("x" in a for a in cyp2d6), "copy-number names are not separate alleles"
    assert known_alleles("cyp2d6") == cyp2d6


@pytest.mark.parametrize(
    ("text", "gene", "expected"),
    [
        ("*1/*999", "CYP2D6", ["CYP2D6", "'*999'", "nearest known CYP2D6 alleles"]),
        ("*1/*4", "CYP9Z9", ["'CYP9Z9'", "nearest"]),
        ("CYP2D7*1/*4", None, ["'CYP2D7'", "CYP2D6"]),
        ("CYP2C19*1/*2", "CYP2D6", ["CYP2C19", "does not match", "CYP2D6"]),
        ("*1/*4", None, ["no gene given"]),
        ("*1", "CYP2D6", ["two haplotypes"]),
        ("*1/*4/*5", "CYP2D6", ["two haplotypes"]),
        ("*1/", "CYP2D6", ["empty haplotype"]),
        ("*1x0/*4", "CYP2D6", ["'*1x0'", "copy number"]),
        ("*1x11/*4", "CYP2D6", ["copy number"]),
        ("*36+*99999/*1", "CYP2D6", ["'*99999'"]),
        ("*1/" + "*1+" * 20 + "*1", "CYP2D6", ["too many '+'"]),
        ("*1/*4" + " " * 600, "CYP2D6", ["longer than"]),
    ],
)
def test_errors_name_gene_token_and_neighbours(
    text: str, gene: str | None, expected: list[str]
) -> None:
    with pytest.raises(GenotypeError) as info:
        parse_diplotype(text, gene)
    for part in expected:
        assert part in str(info.value)


def test_unknown_allele_lists_three_nearest() -> None:
    with pytest.raises(GenotypeError) as info:
        parse_diplotype("*1/*4100", "CYP2D6")
    hint = info.value.hint or ""
    assert hint.startswith("nearest known CYP2D6 alleles: ")
    assert len(hint.split(": ")[1].split(", ")) == 3


def test_non_text_input_is_a_genotype_error() -> None:
    with pytest.raises(GenotypeError):
        parse_diplotype(42, "CYP2D6")  # type: ignore[arg-type]
    with pytest.raises(GenotypeError):
        parse_diplotype("*1/*4", 42)  # type: ignore[arg-type]


def test_bad_constructor_arguments() -> None:
    with pytest.raises(GenotypeError):
        Allele("*1", 0)
    with pytest.raises(GenotypeError):
        Allele("*1", True)
    with pytest.raises(GenotypeError):
        Allele("")
    with pytest.raises(GenotypeError):
        Diplotype("CYP2D6", ((Allele("*1"),),))  # type: ignore[arg-type]
    with pytest.raises(GenotypeError):
        Diplotype("CYP2D6", ((), (Allele("*1"),)))


def test_types_pickle() -> None:
    d = parse_diplotype("*4/*36+*10", "CYP2D6")
    assert pickle.loads(pickle.dumps(d)) == d
    assert pickle.loads(pickle.dumps(Allele("*1", 2))) == Allele("*1", 2)
    try:
        parse_diplotype("*1/*999", "CYP2D6")
    except GenotypeError as err:
        back = pickle.loads(pickle.dumps(err))
        assert str(back) == str(err)
