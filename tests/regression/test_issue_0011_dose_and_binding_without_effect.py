"""Issue 11, "dose targets and bindings without effect": in the community model
metoprolol_body_flat.xml, ``"100 mg oral into PODOSE_met"`` gave all-zero concentrations and
``"5 mg iv into IVDOSE_met"`` an endless infusion, and ``check`` said 0 warnings; binding
omeprazole_body_flat.xml's ``LI__OMECYP_Vmax`` to CYP2C19 gave PM/NM = 1.0000 (uptake limits
clearance) and nobody was told.

The small models below reproduce the three structures: a dose parameter read only by a rule
that feeds the feces, a dose parameter read by an input reaction and never emptied, and a
metabolic Vmax behind a slow uptake. Each now gives a warning naming the id and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.engine import check_effects, parse_regimen, prepare_run, prepare_setup
from sbmltwin.model import parse_model
from sbmltwin.personalize import parse_bindings, parse_profile

pytestmark = pytest.mark.integration

DOSING = """
model dosing
  unit substance = 1e-3 gram
  unit extent = 1e-3 gram
  unit volume = litre
  unit time_unit = 3600 second
  compartment Vgu = 1; compartment Vve = 5
  species Cgu in Vgu = 0; species Cve in Vve = 0
  substanceOnly species Afeces in Vgu = 0
  var PODOSE = 0; var IVDOSE = 0; var GUTDOSE = 0
  PODOSE has substance; IVDOSE has substance; GUTDOSE has substance
  Ka_dis = 1; Ki = 0.02; Ka_abs = 1; F = 0.5; k = 0.1
  dissolution := Ka_dis * PODOSE
  excretion: -> Afeces; (1 - F) * dissolution
  iv: -> Cve; Ki * IVDOSE
  absorption: -> Cve; Ka_abs * GUTDOSE
  elimination: Cve -> ; k * Cve
end
"""

UPTAKE = """
model uptake
  unit substance = 1e-3 gram
  unit extent = 1e-3 gram
  unit volume = litre
  unit time_unit = 3600 second
  compartment Vve = 5; compartment Vli = 1
  species Cve in Vve = 0; species Cli in Vli = 0
  J_uptake: Cve -> Cli; kup * Cve
  J_metabolism: Cli -> ; f_cyp * Vmax * Cli / (Km + Cli)
  kup = 0.05; Vmax = 1000; Km = 0.1; f_cyp = 1
end
"""

GENE_BINDINGS = {
    "genes": {
        "CYP2C19": {
            "parameter": "f_cyp",
            "law": "phenotype_table",
            "factors": {"PM": 0.0, "IM": 0.5, "NM": 1.0, "RM": 1.2, "UM": 1.5},
        }
    },
    "dosing": {"iv": {"target": "Cve"}},
    "outputs": {"plasma": {"id": "[Cve]"}},
}


def test_dose_parameter_read_only_on_the_way_to_the_feces() -> None:
    model = parse_model(DOSING, fmt="antimony")
    setup = prepare_setup(model, parse_regimen("100 mg oral into PODOSE"), outputs=["[Cve]"])
    text = "\n".join(setup.warnings)
    assert "'PODOSE'" in text and "no rate rule changes" in text
    assert "cannot reach output(s) Cve" in text


def test_dose_parameter_that_drives_an_endless_input() -> None:
    model = parse_model(DOSING, fmt="antimony")
    setup = prepare_setup(model, parse_regimen("5 mg iv into IVDOSE"), outputs=["[Cve]"])
    assert len(setup.warnings) == 1
    assert "'IVDOSE'" in setup.warnings[0] and "reaction iv" in setup.warnings[0]
    assert "never decays" in setup.warnings[0]


def test_a_dose_into_the_species_is_fine() -> None:
    model = parse_model(DOSING, fmt="antimony")
    assert prepare_setup(model, parse_regimen("5 mg iv into Cve"), outputs=["[Cve]"]).warnings == ()


def test_simulate_and_check_print_the_dose_warnings(tmp_path: Path) -> None:
    (tmp_path / "m.ant").write_text(DOSING, encoding="utf-8")
    args = ["simulate", str(tmp_path / "m.ant"), "--end", "10 h", "--select", "[Cve]"]
    result = CliRunner().invoke(cli, [*args, "--dose", "5 mg iv into IVDOSE"])
    assert result.exit_code == 0, result.output
    assert "warning: dose target 'IVDOSE'" in result.output
    (tmp_path / "b.toml").write_text(
        '[dosing.oral]\ntarget = "PODOSE"\n[outputs]\nplasma = { id = "[Cve]" }\n',
        encoding="utf-8",
    )
    checked = CliRunner().invoke(
        cli, ["check", str(tmp_path / "m.ant"), "--bindings", str(tmp_path / "b.toml")]
    )
    assert checked.exit_code == 0, checked.output
    assert "warning: dose target 'PODOSE'" in checked.output
    assert "0 warning(s)" not in checked.output


def test_gene_binding_behind_a_slow_uptake_moves_nothing() -> None:
    model = parse_model(UPTAKE, fmt="antimony")
    bindings = parse_bindings(GENE_BINDINGS)
    profile = parse_profile({"phenotype": {"CYP2C19": "NM"}})
    warnings = check_effects(model, bindings, profile)
    assert len(warnings) == 1
    assert "[genes.CYP2C19]" in warnings[0] and "'f_cyp'" in warnings[0]
    assert "[Cve]" in warnings[0]
    # and indeed: the NM and IM twins' AUCs agree to 0.1 % (the uptake, not the CYP, limits)
    aucs = []
    for phenotype in ("NM", "IM"):
        run = prepare_run(
            model,
            parse_regimen("1 mg iv into Cve"),
            bindings=bindings,
            profile=parse_profile({"phenotype": {"CYP2C19": phenotype}}),
        )
        res = run.simulate(end=200, points=2001, outputs=["[Cve]"])
        aucs.append(float(res.frame["[Cve]"].sum()))
    assert aucs[0] == pytest.approx(aucs[1], rel=1e-3)


def test_a_binding_that_limits_clearance_is_not_flagged() -> None:
    model = parse_model(UPTAKE, fmt="antimony")
    data = {**GENE_BINDINGS, "genes": {"CYP2C19": {**GENE_BINDINGS["genes"]["CYP2C19"]}}}
    data["genes"]["CYP2C19"]["parameter"] = "kup"
    data["genes"]["CYP2C19"]["apply"] = "scale"
    profile = parse_profile({"phenotype": {"CYP2C19": "IM"}})
    assert check_effects(model, parse_bindings(data), profile) == ()


def test_personalize_explain_prints_the_binding_warning(tmp_path: Path) -> None:
    (tmp_path / "m.ant").write_text(UPTAKE, encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        "[genes.CYP2C19]\n"
        'parameter = "f_cyp"\nlaw = "phenotype_table"\n'
        "factors = { PM = 0.0, IM = 0.5, NM = 1.0, RM = 1.2, UM = 1.5 }\n"
        '[dosing.iv]\ntarget = "Cve"\n[outputs]\nplasma = { id = "[Cve]" }\n',
        encoding="utf-8",
    )
    (tmp_path / "p.toml").write_text('[phenotype]\nCYP2C19 = "NM"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "personalize",
            str(tmp_path / "m.ant"),
            "--profile",
            str(tmp_path / "p.toml"),
            "--bindings",
            str(tmp_path / "b.toml"),
            "--explain",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "warning: [genes.CYP2C19] → 'f_cyp'" in result.output


def test_a_poor_metabolizer_whose_metabolite_is_zero_is_not_flagged() -> None:
    # at f = 0 the metabolite's AUC is 0; one step of CYP activity makes it positive: an
    # effect (infinite relative sensitivity), not "no effect"
    model = parse_model(
        UPTAKE.replace("J_metabolism: Cli -> ;", "J_metabolism: Cli -> M;").replace(
            "species Cli in Vli = 0", "species Cli in Vli = 0; species M in Vli = 0"
        ),
        fmt="antimony",
    )
    data = {**GENE_BINDINGS, "outputs": {"metabolite": {"id": "[M]"}}}
    profile = parse_profile({"phenotype": {"CYP2C19": "PM"}})
    assert check_effects(model, parse_bindings(data), profile) == ()


def test_cohort_run_record_carries_the_binding_warning(tmp_path: Path) -> None:
    from sbmltwin.cohort.run import run_cohort, run_record
    from sbmltwin.cohort.sampling import parse_population

    run = run_cohort(
        parse_model(UPTAKE, fmt="antimony"),
        parse_bindings(GENE_BINDINGS),
        parse_population({"population": "European", "genes": ["CYP2C19"]}),
        parse_regimen("1 mg iv into Cve"),
        n=8,
        seed=1,
        output=tmp_path / "c.parquet",
        outputs=["[Cve]"],
        end=24.0,
        points=49,
    )
    assert run.failed == 0
    warnings = run_record(tmp_path / "c.parquet")["warnings"]
    assert any("[genes.CYP2C19] → 'f_cyp'" in w for w in warnings), warnings
