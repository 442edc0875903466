"""The Phenotype enumeration and the CPIC tables shipped inside the package."""

from __future__ import annotations

from importlib import resources

import pytest

from sbmltwin.errors import GenotypeError
from sbmltwin.pgx import Phenotype, call_phenotype, known_genes, table_version

DATA = resources.files("sbmltwin.pgx").joinpath("data")
FILES = ("genes.tsv", "alleles.tsv", "activity_phenotype.tsv", "function_pairs.tsv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PM", Phenotype.PM),
        ("um", Phenotype.UM),
        ("Rapid Metabolizer", Phenotype.RM),
        ("  normal   METABOLISER ", Phenotype.NM),
        ("Likely Intermediate Metabolizer", Phenotype.LIKELY_IM),
        ("possible decreased function", Phenotype.POSSIBLE_DECREASED_FUNCTION),
        ("Indeterminate", Phenotype.INDETERMINATE),
    ],
)
def test_phenotype_parse(text: str, expected: Phenotype) -> None:
    assert Phenotype.parse(text) is expected


@pytest.mark.parametrize("text", ["", "EM", "slow", "Poor", "PM IM", "Metabolizer"])
def test_phenotype_parse_rejects(text: str) -> None:
    with pytest.raises(GenotypeError, match="not a CPIC phenotype"):
        Phenotype.parse(text)


def test_short_codes() -> None:
    assert [p.short for p in (Phenotype.PM, Phenotype.IM, Phenotype.NM, Phenotype.RM)] == [
        "PM",
        "IM",
        "NM",
        "RM",
    ]
    assert Phenotype.LIKELY_PM.short == "Likely Poor Metabolizer"
    assert Phenotype.POOR_FUNCTION.short == "Poor Function"
    for p in Phenotype:
        assert Phenotype.parse(p.value) is p
        assert Phenotype.parse(p.short) is p


def test_every_phenotype_is_used_by_some_gene() -> None:
    used = set()
    for gene in known_genes():
        for p in Phenotype:
            try:
                used.add(call_phenotype(gene, p).phenotype)
            except GenotypeError:
                pass
    assert used == set(Phenotype)


@pytest.mark.parametrize("name", FILES)
def test_data_files_name_source_and_version(name: str) -> None:
    text = DATA.joinpath(name).read_text(encoding="utf-8")
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert any("source: CPIC" in line and "PharmGKB/PharmCAT" in line for line in head)
    assert any("c8100ec878f6d0731ba9f1403f1a5ecb91061abb" in line for line in head)
    assert any("CC0" in line for line in head)
    columns = next(line for line in text.splitlines() if not line.startswith("#")).split("\t")
    assert "cpic_version" in columns
    assert "source" in columns


def test_data_is_small() -> None:
    total = sum(len(DATA.joinpath(n).read_bytes()) for n in FILES)
    assert total < 3_000_000


def test_versions_are_cpic_dates() -> None:
    for gene in known_genes():
        assert table_version(gene)[:4] in {"2024", "2025"}
