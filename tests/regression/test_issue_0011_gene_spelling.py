"""Issue 11, "gene spelling": lower-case gene names personalized nothing, silently.

A profile with ``cyp2d6 = "*4/*4"`` (or ``[phenotype] cyp2c19 = "PM"``), bindings with
``[genes.cyp2c19]`` or a population spec with ``genes = ["cyp2d6"]`` must give exactly what the
canonical spelling gives; a binding for a gene sbmltwin does not know (``[genes.CYP2D66]``) is
an error naming the nearest gene.

Reference the code did not compute: the example model's clearance is
CL = CL_other + CL_2d6 · AS/2 = 10 + 40 · AS/2 L/h (CPIC: *4 has activity 0), so the *4/*4 twin
has f_cyp2d6 = 0, and with linear kinetics AUC(0–∞) = dose / CL = 100 mg / 10 L/h = 10 mg·h/L.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.cohort.run import run_cohort
from sbmltwin.cohort.sampling import parse_population
from sbmltwin.engine import IntegratorSettings, parse_regimen, prepare_run
from sbmltwin.errors import BindingError
from sbmltwin.model import parse_model
from sbmltwin.personalize import parse_bindings, parse_profile, personalize
from sbmltwin.pk import auc_trapezoid

pytestmark = pytest.mark.integration


def _model():  # type: ignore[no-untyped-def]
    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    return parse_model(ant, fmt="antimony")


def _bindings(gene_2d6: str = "CYP2D6", gene_2c19: str = "CYP2C19"):  # type: ignore[no-untyped-def]
    return parse_bindings(
        {
            "genes": {
                gene_2d6: {"parameter": "f_cyp2d6", "law": "activity_score_linear"},
                gene_2c19: {
                    "parameter": "CL_other",
                    "law": "phenotype_table",
                    "apply": "scale",
                    "factors": {"PM": 0.5, "IM": 0.75, "NM": 1.0, "RM": 1.0, "UM": 1.0},
                },
            },
            "covariates": {"weight": {"parameter": "BW", "law": "value"}},
            "dosing": {"oral": {"target": "A_gut"}},
        }
    )


@pytest.mark.parametrize("spelling", ["cyp2d6", "Cyp2D6", " CYP2D6 "])
def test_profile_and_binding_spellings_give_identical_parameter_sets(spelling: str) -> None:
    model = _model()
    upper = parse_profile(
        {"id": "t", "genotype": {"CYP2D6": "*4/*4"}, "phenotype": {"CYP2C19": "PM"}}
    )
    lower = parse_profile(
        {"id": "t", "genotype": {spelling: "*4/*4"}, "phenotype": {"cyp2c19": "pm"}}
    )
    assert set(lower.genes) == {"CYP2D6", "CYP2C19"}
    reference = personalize(model, upper, _bindings())
    got = personalize(model, lower, _bindings(spelling, "cyp2c19"))
    assert got == reference
    assert got.as_dict() == {"f_cyp2d6": 0.0, "CL_other": 5.0}


def test_lower_case_poor_metabolizer_is_simulated_as_one() -> None:
    profile = parse_profile({"id": "pm", "genotype": {"cyp2d6": "*4/*4"}})
    bindings = parse_bindings(
        {
            "genes": {"cyp2d6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"}},
            "dosing": {"oral": {"target": "A_gut"}},
        }
    )
    run = prepare_run(_model(), parse_regimen("100 mg oral"), bindings=bindings, profile=profile)
    res = run.simulate(
        end=400,
        points=40001,
        outputs=["[C_plasma]"],
        integrator=IntegratorSettings(absolute_tolerance=1e-12, relative_tolerance=1e-10),
    )
    auc = auc_trapezoid(res.frame["time"].to_numpy(), res.frame["[C_plasma]"].to_numpy())
    # dose / CL_other = 10 mg·h/L; the tail beyond 400 h is below 1e-12 (k = 10/140 per h)
    assert auc == pytest.approx(10.0, rel=1e-5)


def test_two_spellings_of_one_gene_are_refused() -> None:
    with pytest.raises(BindingError, match="bound twice"):
        parse_bindings(
            {
                "genes": {
                    "CYP2D6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"},
                    "cyp2d6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"},
                }
            }
        )


def test_unknown_gene_binding_exits_2_naming_the_nearest(tmp_path: Path) -> None:
    bindings = tmp_path / "b.toml"
    bindings.write_text(
        '[genes.CYP2D66]\nparameter = "f_cyp2d6"\nlaw = "activity_score_linear"\n',
        encoding="utf-8",
    )
    profile = tmp_path / "p.toml"
    profile.write_text('[genotype]\nCYP2D6 = "*1/*4"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "personalize",
            "example:cyp2d6_substrate",
            "--profile",
            str(profile),
            "--bindings",
            str(bindings),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "[genes.CYP2D66]" in result.output
    assert "nearest: CYP2D6" in result.output


def test_population_and_binding_spellings_give_identical_cohort_tables(tmp_path: Path) -> None:
    model = _model()
    tables = []
    for gene in ("CYP2D6", "cyp2d6"):
        bindings = parse_bindings(
            {
                "genes": {gene: {"parameter": "f_cyp2d6", "law": "activity_score_linear"}},
                "dosing": {"oral": {"target": "A_gut"}},
            }
        )
        spec = parse_population({"population": "European", "genes": [gene]})
        out = tmp_path / f"{gene}.parquet"
        run_cohort(
            model,
            bindings,
            spec,
            parse_regimen("100 mg oral"),
            n=60,
            seed=3,
            output=out,
            outputs=["[C_plasma]"],
            summary_only=True,
        )
        tables.append(pq.read_table(out).to_pandas())
    assert tables[0].equals(tables[1])
    pm = tables[0][tables[0]["CYP2D6_phenotype"] == "PM"]
    nm = tables[0][tables[0]["CYP2D6_phenotype"] == "NM"]
    assert len(nm) > 0
    if len(pm):  # PM twins keep only CL_other: their AUC is far above the NM twins'
        assert pm["[C_plasma].auc_0_inf"].median() > 2 * nm["[C_plasma].auc_0_inf"].median()
