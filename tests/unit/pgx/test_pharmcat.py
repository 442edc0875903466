"""PharmCAT outside-call TSV and phenotype JSON: calls read, malformed files located."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sbmltwin.errors import GenotypeError
from sbmltwin.pgx import (
    Phenotype,
    read_pharmcat_outside_call,
    read_pharmcat_phenotype_json,
)

# the outside-call example of PharmCAT (docs/examples/pharmcat.example.outsideCall.tsv)
EXAMPLE_OUTSIDE = "CYP2D6\t*1/*3\nHLA-B\t*15:02/*57:01\nMT-RNR1\t1555A>G\n"


def write(tmp_path: Path, text: str, name: str = "calls.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_outside_call_example(tmp_path: Path) -> None:
    calls = read_pharmcat_outside_call(write(tmp_path, EXAMPLE_OUTSIDE))
    assert list(calls) == ["CYP2D6"]
    call = calls["CYP2D6"]
    assert (call.diplotype, call.activity_score, call.phenotype) == ("*1/*3", 1.0, Phenotype.IM)
    assert call.source == "PharmCAT outside call"
    assert call.reason() == ("CYP2D6 *1/*3 → AS 1.0 (PharmCAT outside call, CPIC 2024-08-27) → IM")


def test_outside_call_unknown_genes_can_be_refused(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE_OUTSIDE)
    with pytest.raises(GenotypeError) as info:
        read_pharmcat_outside_call(path, skip_unknown_genes=False)
    assert f"{path}:2" in str(info.value) and "HLA-B" in str(info.value)


def test_outside_call_columns(tmp_path: Path) -> None:
    text = (
        "# comment\n"
        "CYP2C9\t\t\t2.0\n"
        "CYP2C19\t\tLikely Poor Metabolizer\n"
        "CYP2D6\t*1/*1x2\tUltrarapid Metabolizer\t3.0\n"
        "\n"
        "SLCO1B1\t*1/*5\n"
    )
    calls = read_pharmcat_outside_call(write(tmp_path, text))
    assert calls["CYP2C9"].activity_score == 2.0
    assert calls["CYP2C9"].phenotype is Phenotype.NM
    assert calls["CYP2C9"].diplotype is None
    assert calls["CYP2C19"].phenotype is Phenotype.LIKELY_PM
    assert calls["CYP2D6"].diplotype == "*1/*1x2"
    assert calls["CYP2D6"].activity_score == 3.0
    assert calls["SLCO1B1"].phenotype is Phenotype.DECREASED_FUNCTION
    assert {c.source for c in calls.values()} == {"PharmCAT outside call"}


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("CYP2D6\t*1/*999\n", 1, "'*999'"),
        ("# x\nCYP2D6\t*1/*4\tNormal Metabolizer\n", 2, "Intermediate Metabolizer"),
        ("CYP2D6\t*1/*4\t\t2.0\n", 1, "activity score"),
        ("CYP2D6\t\t\tlots\n", 1, "not a number"),
        ("CYP2D6\n", 1, "no diplotype, phenotype or activity score"),
        ("CYP2D6\t*1/*4\nCYP2D6\t*1/*1\n", 2, "second line"),
        ("CYP2D6\t*1/*4\t\t\textra\n", 1, "at most 4"),
        ("\t*1/*4\n", 1, "no gene symbol"),
        ("CYP2C19\t\tFast\n", 1, "not a CPIC phenotype"),
    ],
)
def test_outside_call_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(GenotypeError) as info:
        read_pharmcat_outside_call(path)
    assert f"{path}:{line}" in str(info.value)
    assert expected in str(info.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(GenotypeError, match="cannot read"):
        read_pharmcat_outside_call(tmp_path / "missing.tsv")
    bad = tmp_path / "latin1.tsv"
    bad.write_bytes(b"CYP2D6\t*1/*4 \xe9\n")
    with pytest.raises(GenotypeError, match="not UTF-8"):
        read_pharmcat_outside_call(bad)


def source_diplotype(label: str, phenotype: str, score: str | None) -> dict[str, Any]:
    return {"label": label, "phenotypes": [phenotype], "activityScore": score}


def report(*sources: dict[str, Any], version: str = "2025-11-05-00-25") -> dict[str, Any]:
    return {"phenotypeVersion": version, "sourceDiplotypes": list(sources)}


def test_phenotype_json(tmp_path: Path) -> None:
    doc = {
        "geneReports": {
            "CYP2D6": report(source_diplotype("*1/*3", "Intermediate Metabolizer", "1.0")),
            "CYP2C19": report(source_diplotype("*38/*38", "Normal Metabolizer", None)),
            "HLA-A": report({"label": "Unknown/Unknown", "phenotypes": [], "activityScore": None}),
            "TPMT": report({"label": "Unknown/Unknown", "phenotypes": [], "activityScore": None}),
        }
    }
    path = write(tmp_path, json.dumps(doc), "x.phenotype.json")
    calls = read_pharmcat_phenotype_json(path)
    assert sorted(calls) == ["CYP2C19", "CYP2D6"]  # TPMT uncalled, HLA-A unknown to sbmltwin
    c = calls["CYP2D6"]
    assert (c.diplotype, c.activity_score, c.phenotype) == ("*1/*3", 1.0, Phenotype.IM)
    assert (c.table_version, c.source) == ("2025-11-05-00-25", "PharmCAT phenotype JSON")
    assert calls["CYP2C19"].activity_score is None


def test_phenotype_json_pharmcat2_layout(tmp_path: Path) -> None:
    doc = {"geneReports": {"CPIC": {"CYP2C9": report(source_diplotype("*1/*2", "IM", "1.5"))}}}
    calls = read_pharmcat_phenotype_json(write(tmp_path, json.dumps(doc), "x.json"))
    assert calls["CYP2C9"].phenotype is Phenotype.IM


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("{", "line 1 column 2"),
        ("[]", "missing key 'geneReports'"),
        ({"geneReports": []}, "is list, expected dict"),
        ({"geneReports": {"CYP2D6": {}}}, "geneReports.CYP2D6: missing key 'sourceDiplotypes'"),
        (
            {"geneReports": {"CYP2D6": report({"phenotypes": ["PM"]})}},
            "sourceDiplotypes[0]: missing key 'label'",
        ),
        (
            {"geneReports": {"CYP2D6": report(source_diplotype("*1/*1", "Great", None))}},
            "sourceDiplotypes[0].phenotypes",
        ),
        (
            {"geneReports": {"CYP2D6": report(source_diplotype("*1/*1", "NM", "two"))}},
            "not a number",
        ),
        (
            {
                "geneReports": {
                    "CYP2D6": report(
                        source_diplotype("*1/*4", "Intermediate Metabolizer", "1.0"),
                        source_diplotype("*1/*1", "Normal Metabolizer", "2.0"),
                    )
                }
            },
            "ambiguous",
        ),
    ],
)
def test_phenotype_json_errors_name_file_and_key(
    tmp_path: Path, doc: object, expected: str
) -> None:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    path = write(tmp_path, text, "bad.json")
    with pytest.raises(GenotypeError) as info:
        read_pharmcat_phenotype_json(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)
