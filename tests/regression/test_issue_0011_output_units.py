"""Issue 11, "output units": files were always in model units and the bindings' ``[outputs]
unit`` was parsed and never used. ``--select "[C_ven_dxm] [ng/mL]"``, named outputs and
``--time-unit-out`` now convert with pint, in ``simulate``, ``cohort`` and validation reports.

References the code did not compute: 1 µmol/L of dextromethorphan (free base C18H25NO,
271.4 g/mol) is 271.4 ng/mL; 1 h is 60 min; 1 mg/L is 1000 ng/mL.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.cohort.run import run_cohort
from sbmltwin.cohort.sampling import parse_population
from sbmltwin.engine import parse_regimen
from sbmltwin.model import parse_model
from sbmltwin.personalize import parse_bindings
from sbmltwin.validate.cases import library_dir

pytestmark = pytest.mark.integration


def test_simulate_writes_ng_per_ml_and_hours(tmp_path: Path) -> None:
    lib = library_dir() / "dextromethorphan"
    base = [
        "simulate",
        str(lib / "model.xml"),
        "--bindings",
        str(lib / "twin.toml"),
        "--end",
        "24h",
        "--points",
        "25",
        "--dose",
        "30 mg oral",
        "--mw",
        "271.4 g/mol",
    ]
    runner = CliRunner()
    model_units = runner.invoke(
        cli, [*base, "--select", "[C_ven_dxm]", "-o", str(tmp_path / "a.csv")]
    )
    converted = runner.invoke(
        cli,
        [
            *base,
            "--select",
            "[C_ven_dxm] [ng/mL],dextromethorphan_blood",
            "--time-unit-out",
            "min",
            "-o",
            str(tmp_path / "b.csv"),
        ],
    )
    assert model_units.exit_code == 0 and converted.exit_code == 0, converted.output
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert list(a.columns) == ["time [h]", "[C_ven_dxm] [µmol/l]"]
    assert list(b.columns) == [
        "time [min]",
        "[C_ven_dxm] [ng/mL]",
        "dextromethorphan_blood [µmol/L]",  # the bindings' named output, in its unit
    ]
    np.testing.assert_allclose(b["time [min]"], a["time [h]"] * 60, rtol=1e-12)
    np.testing.assert_allclose(b["[C_ven_dxm] [ng/mL]"], a.iloc[:, 1] * 271.4, rtol=1e-12)
    np.testing.assert_allclose(b["dextromethorphan_blood [µmol/L]"], a.iloc[:, 1], rtol=1e-12)


def test_mass_unit_without_a_molecular_weight_is_refused(tmp_path: Path) -> None:
    lib = library_dir() / "dextromethorphan"
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            str(lib / "model.xml"),
            "--end",
            "2h",
            "--dose",
            "0.1 umol oral into A_lumen",
            "--select",
            "[C_dxo] [ng/mL]",
        ],
    )
    assert result.exit_code == 2
    assert "[C_dxo]" in result.output and "molecular weight" in result.output


def test_cohort_metrics_in_the_requested_units(tmp_path: Path) -> None:
    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    model = parse_model(ant, fmt="antimony")
    bindings = parse_bindings(
        {
            "genes": {"CYP2D6": {"parameter": "f_cyp2d6", "law": "activity_score_linear"}},
            "dosing": {"oral": {"target": "A_gut"}},
            "outputs": {"plasma": {"id": "[C_plasma]", "unit": "ng/mL"}},
        }
    )
    spec = parse_population({"population": "European", "genes": ["CYP2D6"]})
    tables = []
    for outputs, tu in ((["[C_plasma]"], None), (["plasma"], "min")):
        out = tmp_path / f"{len(tables)}.parquet"
        run_cohort(
            model,
            bindings,
            spec,
            parse_regimen("100 mg oral"),
            n=30,
            seed=2,
            output=out,
            outputs=outputs,
            summary_only=True,
            time_unit_out=tu,
        )
        tables.append(pq.read_table(out))
    raw, conv = (t.to_pandas() for t in tables)
    np.testing.assert_allclose(conv["plasma.cmax"], raw["[C_plasma].cmax"] * 1000, rtol=1e-12)
    np.testing.assert_allclose(conv["plasma.tmax"], raw["[C_plasma].tmax"] * 60, rtol=1e-12)
    np.testing.assert_allclose(
        conv["plasma.auc_0_t"], raw["[C_plasma].auc_0_t"] * 1000 * 60, rtol=1e-12
    )
    import json

    units = json.loads(tables[1].schema.metadata[b"sbmltwin.units"])
    assert units["plasma.cmax"] == "ng/mL" and units["plasma.auc_0_t"] == "ng/mL·min"


def test_validation_report_in_the_cases_units(tmp_path: Path) -> None:
    from sbmltwin.validate.cases import load_case
    from sbmltwin.validate.run import run_case

    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    (tmp_path / "model.ant").write_text(ant, encoding="utf-8")
    (tmp_path / "b.toml").write_text('[dosing.oral]\ntarget = "A_gut"\n', encoding="utf-8")
    (tmp_path / "obs.csv").write_text(
        "group,output,time,time_unit,value,value_unit\nG,plasma,1,h,500,ng/mL\nG,plasma,4,h,300,ng/mL\n",
        encoding="utf-8",
    )
    results = []
    for unit in ("", ', unit = "ng/mL"'):
        (tmp_path / "case.toml").write_text(
            'source = "test"\nmodel = "inline"\nmodel_path = "model.ant"\nbindings = "b.toml"\n'
            '[regimen]\ndoses = ["100 mg oral"]\nend = "24 h"\n[groups.G]\nprofile = {}\n'
            '[observed]\nfile = "obs.csv"\n'
            f'[outputs]\nplasma = {{ id = "[C_plasma]"{unit} }}\n',
            encoding="utf-8",
        )
        results.append(run_case(load_case(tmp_path / "case.toml"), sensitivity=False))
    model_units, case_units = (r.groups[0].outputs[0] for r in results)
    assert model_units.unit == "mg/l" and case_units.unit == "ng/mL"
    assert case_units.observed.value == pytest.approx([500.0, 300.0], rel=1e-12)
    np.testing.assert_allclose(
        case_units.predicted.value, np.array(model_units.predicted.value) * 1000
    )
    assert case_units.auc_fold == pytest.approx(model_units.auc_fold, rel=1e-12)
    assert case_units.unit_factor == pytest.approx(1000.0, rel=1e-12)
