"""``sbmltwin build``: analytic checks on a built whole-body PBPK model.

The references are computed by hand from tests/data/build/base.toml and ICRP 89 numbers (cardiac
output 6.5 L/min, liver 25.5 % and kidney 19 % of it, Table 2.40; GFR 120 mL/min), not by the
builder: well-stirred hepatic and renal blood clearance, mass balance, and Vss.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sbmltwin.build import build_model, load_compound, parse_compound
from sbmltwin.cli import cli
from sbmltwin.engine import IntegratorSettings, compile_model, simulate
from sbmltwin.engine.compile import _CACHE
from sbmltwin.engine.dosing import add_infusion_inputs, parse_regimen
from sbmltwin.errors import CompoundError, ProfileError, Severity
from sbmltwin.model import check_model
from sbmltwin.personalize import load_bindings, parse_profile, personalize
from sbmltwin.physiology import Covariates, Sex, reference_individual, scaled_organs

DATA = Path(__file__).resolve().parents[1] / "data" / "build" / "base.toml"
TIGHT = IntegratorSettings(relative_tolerance=1e-10, absolute_tolerance=1e-14)
Q_CO = 6.5 * 60.0  # L/h, ICRP 89 reference male
Q_H, Q_K, GFR = 0.255 * Q_CO, 0.19 * Q_CO, 120.0 * 60.0 / 1000.0
FU, BP = 0.5, 1.2  # base.toml
TISSUE_NAMES = {
    "lun": "lung",
    "adi": "adipose",
    "bon": "bone",
    "bra": "brain",
    "hea": "heart",
    "kid": "kidney",
    "mus": "muscle",
    "ski": "skin",
    "gut": "gut",
    "spl": "spleen",
    "pan": "pancreas",
    "liv": "liver",
    "res": "rest",
}


def _well_stirred(q: float, k: float) -> float:
    return q * k / (q + k)


def _total_blood_clearance(clint: float, *, f_reabs: float = 0.5, secretion: float = 5.0) -> float:
    hepatic = _well_stirred(Q_H, FU / BP * clint)
    renal = _well_stirred(Q_K, (GFR * FU * (1.0 - f_reabs) + secretion * FU) / BP)
    return hepatic + renal


@pytest.fixture(scope="module")
def built():  # type: ignore[no-untyped-def]
    return build_model(load_compound(DATA))


@pytest.fixture(scope="module")
def compiled(built):  # type: ignore[no-untyped-def]
    return compile_model(built.model)


def _amount_ids(model) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.sid for e in model.elements if e.kind == "species"]


def test_built_model_is_l3v2_with_units_sbo_and_sources(built) -> None:  # type: ignore[no-untyped-def]
    issues = check_model(built.model)
    assert [i for i in issues if i.severity is not Severity.INFO] == []
    doc = built.model.document()
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    m = doc.getModel()
    assert m.getSubstanceUnits() and m.getTimeUnits() and m.getVolumeUnits()
    fu = m.getParameter("fu")
    assert fu.getSBOTermID() == "SBO:0000002" and "test value" in fu.getNotesString()
    assert "Rodgers" in m.getParameter("Kp_liv").getNotesString()
    assert all(m.getSpecies(i).isSetSBOTerm() for i in range(m.getNumSpecies()))
    assert all(m.getReaction(i).isSetSBOTerm() for i in range(m.getNumReactions()))
    assert "| `[physchem] fu` | `fu` | 0.5 | – | test value |" in built.readme


def test_iv_bolus_mass_balance(built, compiled) -> None:  # type: ignore[no-untyped-def]
    # body + eliminated + formed metabolites = dose (amounts in µmol); BDF keeps linear
    # invariants up to round-off, so 1e-8 relative is the issue's bound, not a tuned one.
    ids = _amount_ids(built.model)
    result = simulate(
        compiled,
        {},
        parse_regimen("100 umol iv into C_ven_tst"),
        end=96.0,
        points=25,
        outputs=ids,
        integrator=TIGHT,
    )
    total = result.frame[ids].sum(axis=1).to_numpy()
    assert np.max(np.abs(total - 100.0)) / 100.0 < 1e-8
    assert result.frame["C_m2"].iloc[-1] > 0 and result.frame["A_urine_m2"].iloc[-1] > 0


def test_oral_mass_balance_through_gut_wall(built, compiled) -> None:  # type: ignore[no-untyped-def]
    ids = _amount_ids(built.model)
    result = simulate(
        compiled,
        {},
        parse_regimen("50 umol oral into A_lumen"),
        end=48.0,
        points=13,
        outputs=ids,
        integrator=TIGHT,
    )
    total = result.frame[ids].sum(axis=1).to_numpy()
    assert np.max(np.abs(total - 50.0)) / 50.0 < 1e-8
    # fraction absorbed 0.9, gut wall escapes 0.8: feces 5 µmol, gut wall 0.9·0.2·50 = 9 µmol
    last = result.frame.iloc[-1]
    assert last["A_feces"] == pytest.approx(5.0, rel=1e-6)
    assert last["A_gutwall_tst"] == pytest.approx(9.0, rel=1e-6)


def test_steady_state_under_constant_infusion_is_r0_over_cl(built) -> None:  # type: ignore[no-untyped-def]
    model = add_infusion_inputs(built.model, ["C_ven_tst"])
    compiled = compile_model(model)
    r0 = 10.0  # µmol/h
    result = simulate(
        compiled,
        {},
        parse_regimen("20000 umol infusion into C_ven_tst over 2000 h"),
        end=1500.0,
        points=4,
        outputs=["[C_art_tst]"],
        integrator=TIGHT,
    )
    expected = r0 / _total_blood_clearance(20.0 + 15.0)
    assert result.frame["[C_art_tst]"].iloc[-1] == pytest.approx(expected, rel=1e-6)


def test_steady_state_with_permeability_limited_liver_uptake() -> None:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    data["liver"] = {
        "model": "permeability",
        "uptake": {
            "active": {"value": 30.0, "unit": "L/h", "source": "test value"},
            "passive": {"value": 10.0, "unit": "L/h", "source": "test value"},
            "transporter": "SLCO1B1",
        },
    }
    data["genes"]["SLCO1B1"] = {
        "law": "phenotype_table",
        "factors": {"value": {"PF": 0.3, "DF": 0.6, "NF": 1.0, "IF": 1.0}, "source": "test"},
    }
    compound = parse_compound(data, source="perm.toml")
    built = build_model(compound)
    assert [i for i in check_model(built.model) if i.severity is not Severity.INFO] == []
    compiled = compile_model(add_infusion_inputs(built.model, ["C_ven_tst"]))
    result = simulate(
        compiled,
        {"f_slco1b1": 0.5},
        parse_regimen("20000 umol infusion into C_ven_tst over 2000 h"),
        end=1500.0,
        points=4,
        outputs=["[C_art_tst]"],
        integrator=TIGHT,
    )
    # extended clearance: CLint,all = (f·CL_act + PS) · CLint / (PS + CLint)
    clint_all = (0.5 * 30.0 + 10.0) * 35.0 / (10.0 + 35.0)
    expected = 10.0 / _total_blood_clearance(clint_all)
    assert result.frame["[C_art_tst]"].iloc[-1] == pytest.approx(expected, rel=1e-6)


def test_vss_from_the_curve_matches_the_partition_coefficients(built, compiled) -> None:  # type: ignore[no-untyped-def]
    # CL·AUMC/AUC equals V_blood + Σ V_t·Kp_t/B:P when the eliminating organs extract little
    # (at extraction E an eliminating organ holds (1 − E) of its Kp share, so the pathways are
    # slowed: E_H 2.8 %, E_R 2.0 %). Kp from sbmltwin.physiology.rodgers_rowland (tested
    # against published values), volumes from the ICRP 89 reference male.
    params = {"f_cyp2d6": 0.2, "f_cyp3a4": 0.2, "CLsec": 0.0}
    result = simulate(
        compiled,
        params,
        parse_regimen("100 umol iv into C_ven_tst"),
        end=1000.0,
        points=40001,
        outputs=["[C_art_tst]"],
        integrator=TIGHT,
    )
    t = result.frame["time"].to_numpy()
    c = result.frame["[C_art_tst]"].to_numpy()
    auc, aumc = np.trapezoid(c, t), np.trapezoid(c * t, t)
    cl = _total_blood_clearance(0.2 * 35.0, secretion=0.0)
    assert auc == pytest.approx(100.0 / cl, rel=5e-3)  # trapezoid error at the bolus spike
    ref = reference_individual(Sex.MALE).volumes_l
    vss = ref["arterial_blood"] + ref["venous_blood"]
    vss += sum(ref[name] * built.kp[sid] / BP for sid, name in TISSUE_NAMES.items())
    assert cl * aumc / auc == pytest.approx(vss, rel=0.01)


def test_twin_changes_volumes_and_flows_without_recompiling(built, compiled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bindings_path = tmp_path / "twin.toml"
    bindings_path.write_text(built.bindings, encoding="utf-8")
    bindings = load_bindings(bindings_path)
    cached = len(_CACHE)
    roadrunner = compiled.roadrunner
    sids = {f"V_{name}": sid for sid, name in TISSUE_NAMES.items() if sid not in ("lun",)}
    sids |= {"V_lung": "lun", "V_arterial_blood": "art", "V_venous_blood": "ven"}
    sids |= {f"Q_{name}": f"Q_{sid}" for sid, name in TISSUE_NAMES.items() if sid != "lun"}
    sids |= {"Q_cardiac_output": "Q_CO", "Q_hepatic_artery": "Q_ha"}
    seen = []
    # weight, sex, height and age each differ; the last two share weight and sex, not height/age
    for sex, weight, height, age in (
        ("female", 58.0, 150.0, 70.0),
        ("male", 95.0, 190.0, 25.0),
        ("male", 80.0, 165.0, 60.0),
        ("male", 80.0, 185.0, 30.0),
    ):
        profile = parse_profile(
            {
                "id": sex,
                "sex": sex,
                "age": f"{age} year",
                "weight": f"{weight} kg",
                "height": f"{height} cm",
            }
        )
        pset = personalize(built.model, profile, bindings)
        assert {"BW", "f_fat"} <= set(pset.as_dict())
        result = simulate(
            compiled, pset.as_dict(), (), end=1.0, points=2, outputs=list(sids.values())
        )
        expected = scaled_organs(Covariates(Sex.parse(sex), age, weight, height))
        row = result.frame.iloc[0]
        for key, sid in sids.items():
            assert row[sid] == pytest.approx(expected[key], rel=1e-12), key
        seen.append(row)
    assert seen[2]["liv"] < seen[3]["liv"] and seen[2]["adi"] > seen[3]["adi"]  # height, age
    assert len(_CACHE) == cached and compiled.roadrunner is roadrunner  # nothing recompiled


def test_default_model_is_the_icrp_89_reference_male(built, compiled) -> None:  # type: ignore[no-untyped-def]
    result = simulate(compiled, {}, (), end=1.0, points=2, outputs=["liv", "adi", "mus", "Q_CO"])
    row = result.frame.iloc[0]
    assert row["liv"] == pytest.approx(1.8, rel=1e-12)  # ICRP 89 Table 2.8, g → L at 1 kg/L
    assert row["mus"] == pytest.approx(29.0, rel=1e-12)
    assert row["adi"] == pytest.approx(14.5 / 0.92, rel=1e-12)
    assert row["Q_CO"] == pytest.approx(Q_CO, rel=1e-12)


def test_body_composition_warnings_and_errors_reach_the_twin(built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "twin.toml"
    path.write_text(built.bindings, encoding="utf-8")
    bindings = load_bindings(path)
    obese = {"id": "o", "sex": "female", "age": "50 year", "weight": "130 kg", "height": "160 cm"}
    pset = personalize(built.model, parse_profile(obese), bindings)
    reason = next(c.reason for c in pset.changes if c.sid == "f_fat")
    assert "BMI 50.8" in reason and "WARNING" in reason and "extrapolated" in reason
    child = {"id": "c", "sex": "male", "age": "12 year", "weight": "40 kg", "height": "150 cm"}
    with pytest.raises(ProfileError, match="adult"):
        personalize(built.model, parse_profile(child), bindings)


def test_genes_renal_function_and_child_pugh_reach_the_model(built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "twin.toml"
    path.write_text(built.bindings, encoding="utf-8")
    profile = parse_profile(
        {
            "id": "p",
            "sex": "male",
            "age": "60 year",
            "weight": "73 kg",
            "height": "176 cm",
            "genotype": {"CYP2D6": "*1/*4"},
            "labs": {"serum_creatinine": "2.0 mg/dL"},
            "conditions": {"child_pugh": "B"},
        }
    )
    changes = personalize(built.model, profile, load_bindings(path)).as_dict()
    assert changes["female"] == 0.0
    assert 0.0 < changes["f_renal"] < 0.5  # CKD-EPI 2021 at 2.0 mg/dL, 60 y: about 36 / 120
    assert changes["f_cyp2d6"] < 0.5 and changes["f_cyp3a4"] < 1.0  # AS 1 × Child-Pugh B


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["physchem"].update(fu=0.5), "[physchem] fu"),
        (lambda d: d["physchem"]["fu"].pop("source"), "[physchem] fu"),
        (lambda d: d["physchem"].update(logp_typo={"value": 1.0, "source": "x"}), "logp_typo"),
        (lambda d: d["absorption"]["ka"].update(unit="L"), "[absorption] ka"),
        (lambda d: d["clearance"][0].update(metabolite="nope"), "nope"),
    ],
)
def test_compound_errors_name_the_key(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    edit(data)
    with pytest.raises(CompoundError) as err:
        parse_compound(data, source="c.toml")
    assert message in str(err.value) and "c.toml" in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('fu = { value = 0.5, source = "test value" }', "fu = 0.5", "fu"),
        ('bp = { value = 1.2, source = "test value" }', 'bp = { value = 1.2, source = "" }', "bp"),
        ("[renal]", "[renal]\nglomerular = true", "glomerular"),
    ],
)
def test_cli_build_exits_2_naming_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    text = DATA.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert key in result.output and "bad.toml" in result.output
    assert not (tmp_path / "out").exists()


def test_cli_build_writes_a_model_that_checks_clean(tmp_path: Path) -> None:
    out = tmp_path / "drug"
    result = CliRunner().invoke(cli, ["build", str(DATA), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "check: 0 error(s), 0 warning(s)" in result.output
    check = CliRunner().invoke(cli, ["check", str(out / "model.xml")])
    assert check.exit_code == 0 and "0 error(s), 0 warning(s)" in check.output
    readme = (out / "README.md").read_text(encoding="utf-8")
    (out / "README.md").write_text("# my notes\n\n" + readme + "\nkept\n", encoding="utf-8")
    again = CliRunner().invoke(cli, ["build", str(DATA), "-o", str(out)])
    assert again.exit_code == 0
    text = (out / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# my notes") and text.rstrip().endswith("kept")
    assert text.count("## Parameters") == 1


def test_compound_is_a_frozen_value() -> None:
    compound = load_compound(DATA)
    with pytest.raises(dataclasses.FrozenInstanceError):
        compound.id = "x"  # type: ignore[misc]


def _variant(**changes: object) -> dict:  # type: ignore[type-arg]
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    for section, value in changes.items():
        data[section] = value
    return data


def test_michaelis_menten_pathway_keeps_mass_balance() -> None:
    data = _variant()
    data["clearance"][1] = {
        "id": "b",
        "enzyme": "CYP3A4",
        "vmax": {"value": 50.0, "unit": "µmol/h", "source": "test value"},
        "km": {"value": 0.5, "unit": "µmol/L", "source": "test value"},
    }
    built = build_model(parse_compound(data, source="mm.toml"))
    ids = _amount_ids(built.model)
    result = simulate(
        compile_model(built.model),
        {},
        parse_regimen("500 umol iv into C_ven_tst"),
        end=48.0,
        points=7,
        outputs=[*ids, "Vmax_b", "Km_b"],
        integrator=TIGHT,
    )
    total = result.frame[ids].sum(axis=1).to_numpy()
    assert np.max(np.abs(total - 500.0)) / 500.0 < 1e-8
    assert result.frame["A_b_tst"].iloc[-1] > 0


@pytest.mark.parametrize(
    ("physchem", "paper"),
    [
        ({"pka_acid": {"value": [4.5], "source": "t"}}, "2006"),  # acid
        ({}, "2006"),  # neutral
        ({"pka_base": {"value": [5.0], "source": "t"}}, "2006"),  # very weak base
        (
            {
                "pka_acid": {"value": [3.0], "source": "t"},
                "pka_base": {"value": [9.0], "source": "t"},
            },
            "2005",
        ),
    ],
)
def test_every_class_builds_clean(physchem: dict, paper: str) -> None:  # type: ignore[type-arg]
    data = _variant()
    data["physchem"] = {
        "log_p": {"value": 1.5, "source": "t"},
        "fu": {"value": 0.3, "source": "t"},
        "bp": {"value": 0.8, "source": "t"},
        **physchem,
    }
    built = build_model(parse_compound(data, source="cls.toml"))
    assert [i for i in check_model(built.model) if i.severity is not Severity.INFO] == []
    assert paper in built.model.document().getModel().getParameter("Kp_mus").getNotesString()


LIBRARY = Path(__file__).resolve().parents[2] / "model_library"


@pytest.mark.parametrize("drug", sorted(p.parent.name for p in LIBRARY.glob("*/compound.toml")))
def test_library_models_are_what_the_builder_writes_today(drug: str) -> None:
    # a library model built by an older builder (e.g. before height and age entered the organ
    # scaling) fails here: rebuild it with `sbmltwin build model_library/<drug>/compound.toml
    # -o model_library/<drug>/`
    folder = LIBRARY / drug
    built = build_model(load_compound(folder / "compound.toml"))
    assert built.sbml == (folder / "model.xml").read_text(encoding="utf-8"), "model.xml is stale"
    assert built.bindings == (folder / "twin.toml").read_text(encoding="utf-8"), (
        "twin.toml is stale"
    )
    assert built.readme in (folder / "README.md").read_text(encoding="utf-8"), "README is stale"


def test_absorption_lag_is_a_transit_chain_with_mass_balance() -> None:
    """``[absorption] lag``: three transit compartments, ktr = 3/lag. The second transit
    compartment follows the Erlang closed form D·(ktr·t)²/2·exp(−ktr·t) (it drains at ktr too),
    and mass is conserved."""
    data = _variant()
    data["absorption"]["lag"] = {"value": 1.5, "unit": "h", "source": "test value"}
    built = build_model(parse_compound(data, source="lag.toml"))
    ids = _amount_ids(built.model)
    result = simulate(
        compile_model(built.model),
        {},
        parse_regimen("50 umol oral into A_lumen"),
        end=12.0,
        points=25,
        outputs=[*ids, "ktr"],
        integrator=TIGHT,
    )
    t = result.frame["time"].to_numpy()
    ktr = 3.0 / 1.5
    assert result.frame["ktr"].iloc[0] == pytest.approx(ktr, rel=1e-12)
    erlang = 50.0 * (ktr * t) ** 2 / 2.0 * np.exp(-ktr * t)
    np.testing.assert_allclose(result.frame["A_tr2"].to_numpy(), erlang, rtol=0, atol=1e-7)
    total = result.frame[ids].sum(axis=1).to_numpy()
    assert np.max(np.abs(total - 50.0)) / 50.0 < 1e-8
    with pytest.raises(CompoundError, match="lag needs ka"):
        bad = _variant()
        del bad["absorption"]["ka"]
        bad["absorption"].pop("fa", None)
        bad["absorption"]["lag"] = {"value": 1.0, "unit": "h", "source": "test value"}
        parse_compound(bad, source="lag.toml")
