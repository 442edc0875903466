"""Personalization end to end on a model with a CYP2D6-driven linear clearance.

References the code did not compute: with linear kinetics AUC(0–∞) = dose / CL, and
CL = CL_other + CL_2d6 · AS/2 (CPIC CYP2D6 activity values: *1 = 1, *4 = 0), so the PM/NM AUC
ratio is (5 + 20)/5 = 5 and the IM (*1/*4, AS 1) AUC is dose/15.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import libsbml
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sbmltwin.cli import cli
from sbmltwin.engine import IntegratorSettings, compile_model, parse_regimen, simulate
from sbmltwin.engine import compile as compile_module
from sbmltwin.errors import BindingError, ProfileError
from sbmltwin.model import check_model, load_model
from sbmltwin.personalize import (
    ParameterChange,
    ParameterSet,
    inject,
    load_bindings,
    load_profile,
    parse_bindings,
    parse_profile,
    personalize,
)

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "personalize"
TIGHT = IntegratorSettings(absolute_tolerance=1e-14, relative_tolerance=1e-10)
DOSE = 100.0  # mg


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return load_model(DATA / "cyp2d6_model.ant")


@pytest.fixture(scope="module")
def bindings():  # type: ignore[no-untyped-def]
    return load_bindings(DATA / "bindings.toml")


def _auc_inf(model, params: dict[str, float]) -> float:  # type: ignore[no-untyped-def]
    """AUC(0–∞) from the model's own AUC' = C state plus the exact tail C(T)/k."""
    res = simulate(
        compile_model(model),
        params,
        parse_regimen(f"{DOSE} mg iv into C"),
        end=200,
        points=3,
        outputs=["AUC", "[C]", "f_cyp2d6", "central"],
        integrator=TIGHT,
    )
    last = res.frame.iloc[-1]
    cl = 5 + 20 * last["f_cyp2d6"]
    return float(last["AUC"] + last["[C]"] * last["central"] / cl)


def _profile(cyp2d6: str, weight: str = "70 kg") -> object:
    return parse_profile({"id": cyp2d6, "weight": weight, "genotype": {"CYP2D6": cyp2d6}})


def test_pm_nm_auc_ratio_is_the_analytic_value(model, bindings) -> None:  # type: ignore[no-untyped-def]
    auc = {
        name: _auc_inf(model, personalize(model, _profile(d), bindings).as_dict())
        for name, d in {"PM": "*4/*4", "IM": "*1/*4", "NM": "*1/*1"}.items()
    }
    assert auc["NM"] == pytest.approx(DOSE / 25, rel=1e-7)
    assert auc["IM"] == pytest.approx(DOSE / 15, rel=1e-7)
    assert auc["PM"] / auc["NM"] == pytest.approx(5.0, rel=1e-7)


def test_reason_chain_names_genotype_score_phenotype_and_factor(model, bindings) -> None:  # type: ignore[no-untyped-def]
    pset = personalize(model, load_profile(DATA / "twin_im.toml"), bindings)
    change = {c.sid: c for c in pset.changes}
    assert change["f_cyp2d6"].new == 0.5 and change["f_cyp2d6"].old == 1.0
    reason = change["f_cyp2d6"].reason
    assert re.search(r"CYP2D6 \*1/\*4 → AS 1(\.0)? .*→ (IM|Intermediate Metabolizer)", reason), (
        reason
    )
    assert "f_cyp2d6 = 0.5" in reason
    assert change["BW"].new == pytest.approx(
        220.462 * 0.45359237, rel=1e-12
    )  # lb → kg, exact factor
    assert change["BW"].unit == "kg"
    assert "CYP2D6" in pset.versions


def test_applying_reuses_the_compiled_model_and_moves_weight_initial_assignment(
    model, bindings
) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_model(model)
    n_cached = len(compile_module._CACHE)
    rr = compiled.roadrunner
    pset = personalize(model, load_profile(DATA / "twin_im.toml"), bindings)  # 220.462 lb ≈ 100 kg
    res = simulate(
        compiled,
        pset.as_dict(),
        parse_regimen("100 mg iv into C"),
        end=1,
        points=2,
        outputs=["V", "central", "[C]"],
    )
    assert compile_model(model) is compiled and compiled.roadrunner is rr
    assert len(compile_module._CACHE) == n_cached  # nothing compiled
    # V = 0.8 L/kg · BW; the compartment follows
    volume = 0.8 * 220.462 * 0.45359237
    assert res.frame["V"].iloc[0] == pytest.approx(volume) and res.frame["central"].iloc[
        0
    ] == pytest.approx(volume)
    assert res.frame["[C]"].iloc[0] == pytest.approx(100 / volume)
    back = simulate(
        compiled, {}, parse_regimen("100 mg iv into C"), end=1, points=2, outputs=["central"]
    )
    assert back.frame["central"].iloc[0] == pytest.approx(56.0)  # 0.8 · 70 kg again


def test_inject_writes_values_and_provenance_and_stays_consistent(model, bindings) -> None:  # type: ignore[no-untyped-def]
    profile = load_profile(DATA / "twin_pm.json")
    pset = personalize(model, profile, bindings)
    twin = inject(model, pset, profile=profile, bindings=bindings)
    errors = [i for i in check_model(twin) if i.severity.value == "error"]
    assert not errors, errors
    m = libsbml.readSBMLFromString(twin.sbml).getModel()
    assert m.getParameter("f_cyp2d6").getValue() == 0.0
    assert "*4/*4" in m.getNotesString()
    annotation = m.getAnnotationString()
    payload = json.loads(re.search(r">(\{.*\})<", annotation.replace("&quot;", '"')).group(1))
    assert payload["twin_id"] == "pm-001" and payload["base_model_sha256"] == model.sha256
    changes = {c["id"]: c for c in payload["changes"]}
    assert set(changes) == {"f_cyp2d6", "BW"}
    assert changes["BW"]["old"] == changes["BW"]["new"] == 70.0  # 70 kg twin: recorded, same value
    # the injected twin simulates to the same AUC as the ParameterSet applied at run time
    assert _auc_inf(twin, {}) == pytest.approx(_auc_inf(model, pset.as_dict()), rel=1e-9)


@given(st.permutations(range(4)))
def test_parameter_set_ignores_the_order_of_changes(order: list[int]) -> None:
    changes = [ParameterChange(f"p{i}", 1.0, float(i), "1", f"r{i}") for i in range(4)]
    assert ParameterSet(tuple(changes[i] for i in order)) == ParameterSet(tuple(changes))


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"wieght": "70 kg"}, "unknown key 'wieght'"),
        ({"weight": "-70 kg"}, "weight"),
        ({"age": "300 year"}, "age"),
        ({"weight": 70}, "needs a unit"),
        ({"labs": {"serum_creatinine": "1.1"}}, "serum_creatinine"),
        ({"labs": {"serum_creatinine": 1.1}}, "serum_creatinine"),
        ({"weight": "70 parsec"}, "weight"),
        ({"conditions": {"child_pugh": "D"}}, "child_pugh"),
        ({"sex": "robot"}, "sex"),
        ({"genotype": {"CYP2D6": 3}}, "CYP2D6"),
    ],
)
def test_bad_profiles_name_the_key(data: dict[str, object], match: str) -> None:
    with pytest.raises(ProfileError, match=match):
        parse_profile(data, source="p.toml")


def test_units_in_profiles_convert() -> None:
    p = parse_profile(
        {"weight": "160 lb", "height": "5.5 ft", "labs": {"serum_creatinine": "88.4 µmol/L"}}
    )
    assert p.weight_kg == pytest.approx(72.57478, rel=1e-6)
    assert p.height_cm == pytest.approx(167.64, rel=1e-9)
    assert p.serum_creatinine_mg_dl == pytest.approx(
        88.4e-6 * 113.12 * 100, rel=1e-9
    )  # mol/L → mg/dL


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            {"genes": {"CYP2D6": {"parameter": "f_cyp2d7", "law": "activity_score_linear"}}},
            "'f_cyp2d7'.*did you mean f_cyp2d6",
        ),
        (
            {"genes": {"CYP2D6": {"parameter": "CL_2d6", "law": "activity_score_linear"}}},
            "dimensionless factor.*l/h",
        ),
        (
            {"genes": {"CYP2D6": {"parameter": "V", "law": "activity_score_linear"}}},
            "computed by the model",
        ),
        ({"covariates": {"weight": {"parameter": "CL_2d6", "law": "value"}}}, "does not match"),
        (
            {"genes": {"CYP2D6": {"parameter": "f_cyp2d6", "law": "activity_score_cubic"}}},
            "unknown law",
        ),
        ({"dosing": {"oral": {"target": "Cx"}}}, "'Cx'"),
        ({"outputs": {"x": {"id": "[Q]"}}}, "'Q'"),
    ],
)
def test_bad_bindings_name_the_file_key_and_id(model, data: dict[str, object], match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BindingError, match=match) as info:
        personalize(
            model, parse_profile({"weight": "70 kg"}), parse_bindings(data, source="twin.toml")
        )
    assert str(info.value).startswith("twin.toml")


def _write(tmp: Path, name: str, text: str) -> str:
    (tmp / name).write_text(text, encoding="utf-8")
    return str(tmp / name)


@pytest.mark.parametrize(
    ("profile", "bindings"),
    [
        ('weight = "-3 kg"\n', None),
        ('age = "300 year"\n', None),
        ('[labs]\nserum_creatinine = "1.1"\n', None),
        ('colour = "blue"\n', None),
        ('[genotype]\nCYP2D6 = "*1/*999"\n', None),
        (None, '[genes.CYP2D6]\nparameter = "nope"\nlaw = "activity_score_linear"\n'),
        (None, '[covariates.weight]\nparameter = "CL_2d6"\nlaw = "value"\n'),
        (None, "[genes.CYP2D6\n"),
    ],
)
def test_cli_bad_profiles_and_bindings_are_one_line_exit_2(
    tmp_path: Path, profile: str | None, bindings: str | None
) -> None:
    p = _write(tmp_path, "p.toml", profile or 'weight = "70 kg"\n')
    b = _write(tmp_path, "b.toml", bindings) if bindings else str(DATA / "bindings.toml")
    result = CliRunner().invoke(
        cli, ["personalize", str(DATA / "cyp2d6_model.ant"), "--profile", p, "--bindings", b]
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sbmltwin: error: "), result.output


def test_cli_personalize_explain_and_inject(tmp_path: Path) -> None:
    out = tmp_path / "twin.xml"
    result = CliRunner().invoke(
        cli,
        [
            "personalize",
            "--profile",
            str(DATA / "twin_im.toml"),
            "--bindings",
            str(DATA / "bindings.toml"),
            "--explain",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "f_cyp2d6: 1 → 0.5" in result.output and "*1/*4" in result.output
    assert load_model(out).model_id == "cyp2d6_iv"


def test_cli_simulate_with_profile_is_one_command(tmp_path: Path) -> None:
    out = tmp_path / "pm.csv"
    args = [
        "simulate",
        str(DATA / "cyp2d6_model.ant"),
        "--end",
        "200h",
        "--points",
        "3",
        "--dose",
        "100 mg iv",
        "--select",
        "AUC",
        "--atol",
        "1e-14",
        "--rtol",
        "1e-10",
        "-o",
        str(out),
    ]
    pm = CliRunner().invoke(
        cli,
        [*args, "--profile", str(DATA / "twin_pm.json"), "--bindings", str(DATA / "bindings.toml")],
    )
    assert pm.exit_code == 0, pm.output
    auc_200 = np.loadtxt(out, delimiter=",", skiprows=1)[-1, 1]
    # PM: CL = 5 L/h, V = 56 L → AUC(0–200 h) = D/CL · (1 − e^{−CL/V·200})
    assert auc_200 == pytest.approx(100 / 5 * (1 - np.exp(-5 / 56 * 200)), rel=1e-7)


def test_cli_genotype_table_and_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["genotype", "CYP2D6", "*1/*4", "*1/*1x2", "*4/*36+*10"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split("\t") == [
        "gene",
        "diplotype",
        "activity_score",
        "phenotype",
        "table_version",
    ]
    scores = [line.split("\t")[2] for line in lines[1:]]
    assert scores == ["1.0", "3.0", "0.25"]  # CPIC's spelling of activity scores
    f = _write(tmp_path, "d.txt", "# CYP2C19\n*1/*17\n*2/*2\n")
    js = CliRunner().invoke(cli, ["genotype", "CYP2C19", "--input", f, "--format", "json"])
    rows = json.loads(js.output)
    assert [r["phenotype"] for r in rows] == ["Rapid Metabolizer", "Poor Metabolizer"]
    bad = CliRunner().invoke(cli, ["genotype", "CYP2D6", "*1/*999"])
    assert (
        bad.exit_code == 2 and bad.output.startswith("sbmltwin: error: ") and "*999" in bad.output
    )


def _pset(model, bindings: dict[str, object], profile: dict[str, object]):  # type: ignore[no-untyped-def]
    return personalize(
        model, parse_profile(profile), parse_bindings(bindings, source="b.toml")
    ).as_dict()


def test_activity_score_power_law_scales_by_ratio_to_the_exponent(model) -> None:  # type: ignore[no-untyped-def]
    b = {
        "genes": {
            "CYP2D6": {
                "parameter": "CL_2d6",
                "law": "activity_score_power",
                "exponent": 0.7,
                "apply": "scale",
            }
        }
    }
    got = _pset(model, b, {"genotype": {"CYP2D6": "*1/*41"}})  # AS 1.25 (CPIC 2023: *41 = 0.25)
    assert got["CL_2d6"] == pytest.approx(20 * (1.25 / 2) ** 0.7, rel=1e-12)


def test_phenotype_table_law_and_phenotype_only_profiles(model) -> None:  # type: ignore[no-untyped-def]
    b = {
        "genes": {
            "CYP2C19": {
                "parameter": "f_cyp2d6",
                "law": "phenotype_table",
                "factors": {"PM": 0.0, "IM": 0.5, "NM": 1.0, "RM": 1.25, "UM": 1.5},
            }
        }
    }
    assert _pset(model, b, {"genotype": {"CYP2C19": "*1/*17"}})["f_cyp2d6"] == 1.25  # RM
    assert _pset(model, b, {"phenotype": {"CYP2C19": "PM"}})["f_cyp2d6"] == 0.0
    lin = {"genes": {"CYP2D6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"}}}
    with pytest.raises(BindingError, match="needs an activity score"):
        _pset(model, lin, {"phenotype": {"CYP2D6": "IM"}})
    assert _pset(model, lin, {"genotype": {"CYP2D6": {"activity_score": 1.5}}})["f_cyp2d6"] == 0.75


def test_allometric_and_scale_compose_on_one_parameter(model) -> None:  # type: ignore[no-untyped-def]
    b = {
        "genes": {
            "CYP2D6": {"parameter": "CL_2d6", "law": "activity_score_linear", "apply": "scale"}
        },
        "covariates": {
            "weight": [
                {
                    "parameter": "CL_2d6",
                    "law": "allometric",
                    "exponent": 0.75,
                    "reference": "70 kg",
                },
                {"parameter": "BW", "law": "value"},
            ]
        },
    }
    got = _pset(model, b, {"weight": "100 kg", "genotype": {"CYP2D6": "*1/*4"}})
    assert got["CL_2d6"] == pytest.approx(20 * 0.5 * (100 / 70) ** 0.75, rel=1e-12)
    assert got["BW"] == 100.0


def test_ratio_law_with_ckd_epi_2021(model) -> None:  # type: ignore[no-untyped-def]
    # CKD-EPI 2021 (Inker 2021, PMID 34554658), female, Scr 1.0 mg/dL, 50 y:
    # 142 · (1.0/0.7)^-1.200 · 0.9938^50 · 1.012
    egfr = 142 * (1.0 / 0.7) ** -1.200 * 0.9938**50 * 1.012
    b = {
        "covariates": {"egfr": {"parameter": "CL_other", "law": "ratio", "reference": "100 mL/min"}}
    }
    profile = {"sex": "female", "age": "50 year", "labs": {"serum_creatinine": "1.0 mg/dL"}}
    assert _pset(model, b, profile)["CL_other"] == pytest.approx(5 * egfr / 100, rel=1e-9)


def test_missing_profile_items_keep_model_values_unless_required(model) -> None:  # type: ignore[no-untyped-def]
    b = {
        "genes": {"CYP2D6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"}},
        "covariates": {"weight": {"parameter": "BW", "law": "value", "on_missing": "error"}},
    }
    with pytest.raises(ProfileError, match="gives no weight"):
        _pset(model, b, {"genotype": {"CYP2D6": "*1/*4"}})
    assert _pset(model, b, {"weight": "60 kg"}) == {"BW": 60.0}  # no CYP2D6 given: f stays 1


def test_child_pugh_condition_scales_a_cyp(model) -> None:  # type: ignore[no-untyped-def]
    from sbmltwin.physiology import child_pugh_scaling

    b = {
        "conditions": {
            "child_pugh": {
                "parameter": "CL_2d6",
                "law": "child_pugh",
                "factor": "CYP2D6",
                "apply": "scale",
            }
        }
    }
    got = _pset(model, b, {"conditions": {"child_pugh": "B"}})
    assert 0 < got["CL_2d6"] < 20
    assert got["CL_2d6"] == pytest.approx(20 * child_pugh_scaling("B").cyp_capacity("CYP2D6"))
    assert _pset(model, b, {}) == {}
