"""Phenoconversion by co-medication: FDA strengths and the Borges/Cicali rule (AS × 0 / × 0.5)."""

from __future__ import annotations

import pytest

from sbmltwin.errors import GenotypeError
from sbmltwin.pgx import (
    InhibitorStrength,
    Phenotype,
    call_activity_score,
    call_genotype,
    call_phenotype,
    inhibitor_table_version,
    inhibitors,
    phenoconvert,
)


def test_nm_on_paroxetine_is_as_zero_with_source_and_date_in_the_reason() -> None:
    call = phenoconvert(call_genotype("CYP2D6", "*1/*1"), ["Paroxetine"])
    assert call.activity_score == 0.0
    assert call.phenotype is Phenotype.PM
    reason = call.reason()
    assert "paroxetine (strong CYP2D6 inhibitor" in reason
    assert "FDA Table 3-1/3-2" in reason and "2026-12-04" in reason
    assert reason.startswith("CYP2D6 *1/*1 → AS 2.0 (CPIC 2024-08-27) → NM → ")
    assert reason.endswith("→ PM")


@pytest.mark.parametrize(
    ("score", "expected", "phenotype"),
    [(2.0, 1.0, "IM"), (1.0, 0.5, "IM"), (3.0, 1.5, "NM"), (0.25, 0.125, "IM"), (0.0, 0.0, "PM")],
)
def test_moderate_inhibitor_halves_the_score(score: float, expected: float, phenotype: str) -> None:
    call = phenoconvert(call_activity_score("CYP2D6", score), ["duloxetine"])
    assert call.activity_score == expected
    assert call.phenotype.short == phenotype
    assert "× 0.5" in call.reason()


def test_strongest_inhibitor_counts_and_others_are_named() -> None:
    call = phenoconvert(call_genotype("CYP2D6", "*1/*2"), ["duloxetine", "bupropion"])
    assert call.activity_score == 0.0
    assert "also duloxetine" in call.reason()


def test_unlisted_drug_changes_nothing_and_says_so() -> None:
    base = call_genotype("CYP2D6", "*1/*4")
    call = phenoconvert(base, ["metoprolol"])
    assert (call.activity_score, call.phenotype) == (base.activity_score, base.phenotype)
    assert "unchanged" in call.reason()
    assert phenoconvert(base, []) is base


def test_cyp2c9_and_cyp2c19() -> None:
    c9 = phenoconvert(call_genotype("CYP2C9", "*1/*1"), ["fluconazole"])
    assert c9.activity_score == 1.0 and c9.phenotype is Phenotype.IM
    c19 = phenoconvert(call_genotype("CYP2C19", "*1/*1"), ["fluvoxamine"])
    assert c19.phenotype is Phenotype.PM
    c19m = phenoconvert(call_genotype("CYP2C19", "*1/*17"), ["felbamate"])
    assert c19m.phenotype is Phenotype.NM  # RM one class lower


def test_phenotype_only_as_gene_cannot_convert() -> None:
    with pytest.raises(GenotypeError, match="without an activity score"):
        phenoconvert(call_phenotype("CYP2D6", "NM"), ["paroxetine"])


def test_table_matches_the_fda_index_inhibitors() -> None:
    # FDA Table 3-1 clinical index inhibitors (strong CYP2D6: fluoxetine, paroxetine; moderate
    # CYP2D6: mirabegron; strong CYP2C19: fluvoxamine; moderate CYP2C9: fluconazole)
    index = {(r.drug, r.gene, r.strength) for r in inhibitors() if r.index}
    assert index == {
        ("fluoxetine", "CYP2D6", InhibitorStrength.STRONG),
        ("paroxetine", "CYP2D6", InhibitorStrength.STRONG),
        ("mirabegron", "CYP2D6", InhibitorStrength.MODERATE),
        ("fluvoxamine", "CYP2C19", InhibitorStrength.STRONG),
        ("fluconazole", "CYP2C9", InhibitorStrength.MODERATE),
    }
    assert "2026-12-04" in inhibitor_table_version()
    assert {r.gene for r in inhibitors()} == {"CYP2D6", "CYP2C19", "CYP2C9"}
