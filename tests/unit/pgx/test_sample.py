"""Every row of a fixed 300-row sample of the CPIC diplotype lists (runs without ../shared).

tests/data/pgx/diplotype_sample.tsv: see tests/data/pgx/README.md for its source. CPIC writes
"≥4.0" for copy-number bins "x≥3"; sbmltwin reads "x≥3" as at least 3 copies and must give the
bound, marked as one (``GeneCall.score_text`` is CPIC's text, "≥" included).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sbmltwin.pgx import Phenotype, call_genotype

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "pgx" / "diplotype_sample.tsv"


def _rows() -> list[list[str]]:
    lines = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    assert lines[0].startswith("# Sample of CPIC") and lines[1].startswith("# source:")
    assert lines[2] == "gene\tdiplotype\tactivity_score\tphenotype"
    return [line.split("\t") for line in lines[3:] if line]


ROWS = _rows()


def test_sample_size() -> None:
    assert len(ROWS) == 300
    assert {r[0] for r in ROWS} == {"CYP2D6", "CYP2C9", "CYP2C19"}


def test_every_sampled_row() -> None:
    bad = []
    for gene, diplotype, score, phenotype in ROWS:
        call = call_genotype(gene, diplotype)
        want_score = None if score in ("", "n/a") else float(score.lstrip("≥"))
        text = "n/a" if score == "" else score
        if (
            call.activity_score != want_score
            or call.phenotype is not Phenotype(phenotype)
            or call.score_text != text
        ):
            bad.append((gene, diplotype, score, phenotype, call.activity_score, call.phenotype))
    assert not bad, f"{len(bad)} of {len(ROWS)} rows differ: {bad[:5]}"


@pytest.mark.parametrize("gene", ["CYP2D6", "CYP2C9", "CYP2C19"])
def test_sample_covers_each_phenotype_seen(gene: str) -> None:
    assert len({r[3] for r in ROWS if r[0] == gene}) >= 3
