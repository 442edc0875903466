"""CPIC activity values, activity scores and phenotypes: worked examples from the CPIC tables.

Values are CPIC's (CYP2D6 data version 2024-08-27, after the 2023 change of *9/*41 to 0.25;
CPIC CYP2D6 guideline PMID 31006110 / activity-score consensus PMID 31647186 for the bins).
Activity scores are sums of multiples of 0.25, exact in binary floating point: compared with ==.
"""

from __future__ import annotations

import pickle

import pytest

from sbmltwin.errors import GenotypeError
from sbmltwin.pgx import (
    GeneCall,
    Phenotype,
    call_activity_score,
    call_genotype,
    call_phenotype,
    known_genes,
    reference_activity_score,
    table_version,
)

P = Phenotype


@pytest.mark.parametrize(
    ("allele", "value"),
    [
        ("*1", 1.0),
        ("*2", 1.0),
        ("*35", 1.0),
        ("*17", 0.5),
        ("*29", 0.5),
        ("*9", 0.25),
        ("*10", 0.25),
        ("*41", 0.25),
        ("*3", 0.0),
        ("*4", 0.0),
        ("*5", 0.0),
        ("*6", 0.0),
        ("*36", 0.0),
        ("*13", 0.0),
        ("*68", 0.0),
    ],
)
def test_cyp2d6_activity_values(allele: str, value: float) -> None:
    # against a no-function allele the score is the allele's own value
    assert call_genotype("CYP2D6", f"{allele}/*4").activity_score == value


@pytest.mark.parametrize(
    ("gene", "diplotype", "score", "phenotype"),
    [
        ("CYP2D6", "*1/*1", 2.0, P.NM),
        ("CYP2D6", "*1/*1x2", 3.0, P.UM),
        ("CYP2D6", "*4/*36+*10", 0.25, P.IM),
        ("CYP2D6", "*1/*4", 1.0, P.IM),
        ("CYP2D6", "*4/*4", 0.0, P.PM),
        ("CYP2D6", "*1/*41", 1.25, P.NM),
        ("CYP2D6", "*10/*41", 0.5, P.IM),
        ("CYP2D6", "*1/*2x2", 3.0, P.UM),
        ("CYP2D6", "*1/*9", 1.25, P.NM),
        ("CYP2D6", "*2/*17", 1.5, P.NM),
        ("CYP2D6", "*1/*1x≥3", 4.0, P.UM),  # CPIC "≥4.0"
        ("CYP2D6", "*4x2/*10", 0.25, P.IM),
        ("CYP2D6", "*41x3/*4", 0.75, P.IM),
        ("CYP2D6", "*36+*10/*36+*10", 0.5, P.IM),
        ("CYP2D6", "*13+*2/*1", 2.0, P.NM),
        ("CYP2D6", "*68+*4/*1", 1.0, P.IM),
        ("CYP2D6", "*13 + *68x2 + *4/*1", 1.0, P.IM),
        ("CYP2D6", "*1/*22", None, P.INDETERMINATE),  # *22: uncertain function, AS n/a
        ("CYP2C9", "*1/*1", 2.0, P.NM),
        ("CYP2C9", "*1/*2", 1.5, P.IM),
        ("CYP2C9", "*1/*3", 1.0, P.IM),
        ("CYP2C9", "*2/*3", 0.5, P.PM),
        ("CYP2C9", "*3/*3", 0.0, P.PM),
        ("DPYD", "Reference/Reference", 2.0, P.NM),
        ("DPYD", "Reference/c.1905+1G>A (*2A)", 1.0, P.IM),
        ("DPYD", "Reference/HapB3", 1.5, P.IM),
        ("DPYD", "*2A/HapB3", 0.5, P.PM),
        ("DPYD", "c.557A>G/c.1679T>G (*13)", 0.5, P.PM),
    ],
)
def test_activity_score_examples(
    gene: str, diplotype: str, score: float | None, phenotype: Phenotype
) -> None:
    call = call_genotype(gene, diplotype)
    assert call.activity_score == score
    assert call.phenotype is phenotype
    assert call.source == "CPIC diplotype table"
    assert call.table_version == table_version(gene)


def test_dpyd_uses_the_two_lowest_values() -> None:
    # three variants (two in cis on one haplotype): CPIC DPYD takes the two lowest values
    call = call_genotype("DPYD", "c.557A>G+c.2846A>T/Reference")
    assert call.activity_score == 1.0  # 0.5 (c.557A>G) + 0.5 (c.2846A>T), not + 1.0
    assert call.phenotype is P.IM


@pytest.mark.parametrize(
    ("gene", "diplotype", "phenotype"),
    [
        ("CYP2C19", "*1/*1", P.NM),
        ("CYP2C19", "*1/*17", P.RM),
        ("CYP2C19", "*2/*17", P.IM),
        ("CYP2C19", "*17/*17", P.UM),
        ("CYP2C19", "*2/*2", P.PM),
        ("CYP2C19", "*1/*2", P.IM),
        ("CYP2C19", "*1/*9", P.LIKELY_IM),
        ("CYP2C19", "*2/*9", P.LIKELY_PM),
        ("CYP2C19", "*1/*12", P.INDETERMINATE),
        ("CYP3A5", "*3/*3", P.PM),
        ("CYP3A5", "*1/*3", P.IM),
        ("SLCO1B1", "*1/*5", P.DECREASED_FUNCTION),
        ("SLCO1B1", "*5/*5", P.POOR_FUNCTION),
        ("SLCO1B1", "*1/*14", P.NORMAL_FUNCTION),
        ("SLCO1B1", "*14/*14", P.INCREASED_FUNCTION),
        ("SLCO1B1", "*5/*2", P.POSSIBLE_DECREASED_FUNCTION),
        ("TPMT", "*1/*3A", P.IM),
        ("TPMT", "*3A/*3C", P.PM),
        ("NUDT15", "*1/*3", P.IM),
        ("UGT1A1", "*28/*28", P.PM),
        ("UGT1A1", "*1/*80+*28", P.IM),
        ("ABCG2", "rs2231142 reference (G)/rs2231142 variant (T)", P.DECREASED_FUNCTION),
        ("NAT2", "*5/*6", P.PM),
        ("NAT2", "*4/*5", P.IM),
    ],
)
def test_function_pair_examples(gene: str, diplotype: str, phenotype: Phenotype) -> None:
    call = call_genotype(gene, diplotype)
    assert call.phenotype is phenotype
    assert call.activity_score is None


def test_function_pair_genes_refuse_copy_numbers_and_tandems() -> None:
    with pytest.raises(GenotypeError, match="no function to the CYP2C19 haplotype '\\*17x2'"):
        call_genotype("CYP2C19", "*1/*17x2")
    with pytest.raises(GenotypeError, match="tandem"):
        call_genotype("CYP2C19", "*1/*2+*17")


def test_score_outside_the_cpic_table_is_an_error() -> None:
    # CPIC lists no CYP2C9 copy-number alleles: 3.0 is not in its table
    with pytest.raises(GenotypeError, match="outside the CPIC CYP2C9 table"):
        call_genotype("CYP2C9", "*1x2/*1")


def test_sub_allele_scores_as_its_core_allele() -> None:
    assert call_genotype("CYP2D6", "*1/*4.001").activity_score == 1.0
    assert call_genotype("CYP2D6", "*1/*4.001").diplotype == "*1/*4.001"


def test_diplotype_object_and_gene_mismatch() -> None:
    from sbmltwin.pgx import parse_diplotype

    d = parse_diplotype("*1/*4", "CYP2D6")
    assert call_genotype("CYP2D6", d).activity_score == 1.0
    with pytest.raises(GenotypeError, match="diplotype of CYP2D6 given for gene CYP2C9"):
        call_genotype("CYP2C9", d)
    with pytest.raises(GenotypeError):
        call_genotype("CYP2D6", 3)  # type: ignore[arg-type]


def test_reason_lines() -> None:
    assert call_genotype("CYP2D6", "*1/*4").reason() == (
        "CYP2D6 *1/*4 → AS 1.0 (CPIC 2024-08-27) → IM"
    )
    assert call_genotype("CYP2D6", "*4/*36+*10").reason() == (
        "CYP2D6 *4/*36+*10 → AS 0.25 (CPIC 2024-08-27) → IM"
    )
    assert (
        call_genotype("CYP2D6", "*1/*22")
        .reason()
        .endswith("→ AS n/a (CPIC 2024-08-27) → Indeterminate")
    )
    assert call_genotype("CYP2C19", "*1/*17").reason() == "CYP2C19 *1/*17 (CPIC 2025-11-05) → RM"
    assert call_phenotype("CYP2D6", "PM").reason() == (
        "CYP2D6 (given phenotype, CPIC 2024-08-27) → PM"
    )
    assert call_activity_score("CYP2D6", 1.5).reason() == (
        "CYP2D6 → AS 1.5 (given activity score, CPIC 2024-08-27) → NM"
    )


def test_reference_activity_score() -> None:
    for gene in ("CYP2D6", "CYP2C9", "DPYD"):
        assert reference_activity_score(gene) == 2.0
    with pytest.raises(GenotypeError, match="by allele function"):
        reference_activity_score("CYP2C19")


def test_table_versions() -> None:
    assert table_version("CYP2D6") == "2024-08-27-21-12"
    assert table_version("CYP2C19") == "2025-11-05-00-25"
    assert all(table_version(g) for g in known_genes())
    with pytest.raises(GenotypeError, match="'NOPE'"):
        table_version("NOPE")


@pytest.mark.parametrize(
    ("score", "phenotype"),
    [(0, P.PM), (0.25, P.IM), (1.0, P.IM), (1.25, P.NM), (2.25, P.NM), (2.5, P.UM), (6, P.UM)],
)
def test_call_activity_score_cyp2d6_bins(score: float, phenotype: Phenotype) -> None:
    call = call_activity_score("CYP2D6", score)
    assert call.phenotype is phenotype
    assert call.activity_score == score
    assert call.diplotype is None
    assert call.source == "given activity score"


@pytest.mark.parametrize("score", [-0.25, 0.1, 6.25, float("nan"), float("inf"), True, "1.0"])
def test_call_activity_score_rejects(score: object) -> None:
    with pytest.raises(GenotypeError):
        call_activity_score("CYP2D6", score)  # type: ignore[arg-type]


def test_call_activity_score_gaps_and_non_as_genes() -> None:
    with pytest.raises(GenotypeError, match="outside the CPIC CYP2C9 table"):
        call_activity_score("CYP2C9", 0.75)  # CPIC CYP2C9 values are 0, 0.5, 1
    with pytest.raises(GenotypeError, match="by allele function"):
        call_activity_score("CYP2C19", 1.0)


def test_call_phenotype() -> None:
    call = call_phenotype("CYP2C19", "rapid metabolizer")
    assert call == GeneCall("CYP2C19", None, None, P.RM, "2025-11-05-00-25", "given phenotype")
    assert call_phenotype("SLCO1B1", P.POSSIBLE_DECREASED_FUNCTION).phenotype is (
        P.POSSIBLE_DECREASED_FUNCTION
    )
    with pytest.raises(GenotypeError, match="no phenotype 'Rapid Metabolizer' for CYP2D6"):
        call_phenotype("CYP2D6", "RM")
    with pytest.raises(GenotypeError, match="not a CPIC phenotype"):
        call_phenotype("CYP2D6", "fast")
    with pytest.raises(GenotypeError):
        call_phenotype("CYP2D6", 1)  # type: ignore[arg-type]


def test_gene_call_pickles() -> None:
    call = call_genotype("CYP2D6", "*1/*1x2")
    assert pickle.loads(pickle.dumps(call)) == call
