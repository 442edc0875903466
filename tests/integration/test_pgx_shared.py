"""sbmltwin.pgx reproduces EVERY row of the CPIC diplotype lists in ../shared/pgx.

shared/pgx/derived/diplotype_phenotype_<GENE>.tsv are the full CPIC diplotype → activity score →
phenotype lists (CYP2D6 15,051 rows, CPIC 2024-08-27; others CPIC 2025-11-05) as carried by
PharmGKB/PharmCAT. CPIC writes "≥4.0" for copy-number bins "x≥3"; sbmltwin reads "x≥3" as at
least 3 copies, so its score must equal the bound and be marked as one (CPIC's text, "≥" included). Scores are sums of multiples of 0.25: compared exactly.
All ~30,000 rows take about a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sbmltwin.pgx import (
    Phenotype,
    call_genotype,
    known_genes,
    parse_diplotype,
    read_pharmcat_outside_call,
    read_pharmcat_phenotype_json,
    table_version,
)

pytestmark = [pytest.mark.integration, pytest.mark.shared]

REQUIRED = ("CYP2D6", "CYP2C9", "CYP2C19")
EXPECTED_ROWS = {"CYP2D6": 15051, "CYP2C9": 2850, "CYP2C19": 666}


@pytest.fixture(scope="module")
def pgx_dir(shared_dir: Path) -> Path:
    path = shared_dir / "pgx"
    if not path.is_dir():
        pytest.skip(f"{path} not found")
    return path


def _rows(pgx_dir: Path, gene: str) -> list[list[str]]:
    path = pgx_dir / "derived" / f"diplotype_phenotype_{gene}.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "gene\tdiplotype\tactivity_score\tphenotype"
    return [line.split("\t") for line in lines[1:] if line]


@pytest.mark.parametrize("gene", [*REQUIRED, *(g for g in known_genes() if g not in REQUIRED)])
def test_every_cpic_row(pgx_dir: Path, gene: str) -> None:
    rows = _rows(pgx_dir, gene)
    if gene in EXPECTED_ROWS:
        assert len(rows) == EXPECTED_ROWS[gene]
    bad = []
    scored = 0
    for row_gene, text, score, phenotype in rows:
        assert row_gene == gene
        call = call_genotype(gene, text)
        want = None if score in ("", "n/a") else float(score.lstrip("≥"))
        scored += want is not None
        text = "n/a" if score == "" else score
        if (
            call.activity_score != want
            or call.phenotype is not Phenotype(phenotype)
            or (want is not None and call.score_text != text)
        ):
            bad.append((text, score, phenotype, call.activity_score, call.phenotype.value))
    assert not bad, f"{gene}: {len(bad)} of {len(rows)} rows differ, e.g. {bad[:5]}"
    assert call.table_version == table_version(gene)
    if gene in ("CYP2D6", "CYP2C9", "DPYD"):
        assert scored > 0


def test_pharmcat_hybrid_tandems(pgx_dir: Path) -> None:
    # PharmCAT's current CYP2D6 list names hybrid tandems the 2024-08 CPIC JSON lacks
    table = (pgx_dir / "pharmcat_examples" / "pharmcat_supported_phenotypes.tsv").read_text(
        encoding="utf-8"
    )
    line = next(x for x in table.splitlines() if x.startswith("CYP2D6\t"))
    names = line.split("\t")[1].split(";")
    tandems = [n for n in names if "+" in n]
    assert len(tandems) >= 8
    for name in tandems:
        call = call_genotype("CYP2D6", f"{name}/*4")
        parts = [p.strip() for p in name.split("+")]
        parts_score = sum(call_genotype("CYP2D6", f"{p}/*4").activity_score or 0 for p in parts)
        assert call.activity_score == parts_score, name
    for name in names:  # every named CYP2D6 allele PharmCAT supports parses
        parse_diplotype(f"{name.replace('≥', '')}/*1", "CYP2D6")


def test_pharmcat_example_outside_call(pgx_dir: Path) -> None:
    calls = read_pharmcat_outside_call(
        pgx_dir / "pharmcat_examples" / "pharmcat.example.outsideCall.tsv"
    )
    assert list(calls) == ["CYP2D6"]
    assert calls["CYP2D6"].diplotype == "*1/*3"
    assert calls["CYP2D6"].activity_score == 1.0
    assert calls["CYP2D6"].phenotype is Phenotype.IM


def test_pharmcat_example_phenotype_json(pgx_dir: Path) -> None:
    path = pgx_dir / "pharmcat_examples" / "pharmcat.example.phenotype.json"
    calls = read_pharmcat_phenotype_json(path)
    assert set(calls) == set(known_genes())
    assert calls["CYP2D6"].reason() == (
        "CYP2D6 *1/*3 → AS 1.0 (PharmCAT phenotype JSON, CPIC 2025-11-05) → IM"
    )
    assert calls["CYP2C19"].diplotype == "*38/*38"
    assert calls["DPYD"].activity_score == 2.0
    assert calls["SLCO1B1"].phenotype is Phenotype.NORMAL_FUNCTION
    # PharmCAT's own calls agree with sbmltwin's for the same diplotypes
    for gene, call in calls.items():
        assert call.diplotype is not None
        ours = call_genotype(gene, call.diplotype)
        assert (ours.phenotype, ours.activity_score) == (call.phenotype, call.activity_score)


def test_pharmcat_example_report_tsv_agrees(pgx_dir: Path) -> None:
    lines = (
        (pgx_dir / "pharmcat_examples" / "pharmcat.example.report.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    header = lines[1].split("\t")
    checked = 0
    for line in lines[2:]:
        row = dict(zip(header, line.split("\t"), strict=False))
        if row["Gene"] not in known_genes():
            continue
        call = call_genotype(row["Gene"], row["Source Diplotype"])
        assert call.phenotype is Phenotype(row["Phenotype"])
        score = row["Activity Score"]
        assert call.activity_score == (float(score) if score else None)
        checked += 1
    assert checked == len(known_genes())
