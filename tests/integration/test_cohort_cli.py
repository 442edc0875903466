"""`sbmltwin cohort` and `cohort-summary` through the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "cohort"


def test_cohort_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "c.parquet"
    args = [
        "cohort",
        "example:cyp2d6_substrate",
        "--bindings",
        str(DATA / "bindings.toml"),
        "--population",
        str(DATA / "european.toml"),
        "--n",
        "120",
        "--seed",
        "7",
        "--dose",
        "100 mg oral",
        "--output-id",
        "[C_plasma]",
        "--workers",
        "1",
        "--chunk-size",
        "50",
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert len(frame) == 120 and frame["twin_id"].is_unique
    assert sorted(frame["index"]) == list(range(120))
    assert set(frame["status"]) <= {"ok", "failed"}
    ok = frame[frame["status"] == "ok"]
    # PM twins (CYP2D6 clearance off) have the larger AUC: CL_other only vs CL_other + CL_2d6
    pm = ok[ok["CYP2D6_phenotype"] == "PM"]["[C_plasma].auc_0_inf"].median()
    nm = ok[ok["CYP2D6_phenotype"] == "NM"]["[C_plasma].auc_0_inf"].median()
    assert pm > 2.5 * nm
    html = tmp_path / "s.html"
    summary = CliRunner().invoke(cli, ["cohort-summary", str(out), "--html", str(html)])
    assert summary.exit_code == 0, summary.output
    assert "ratio_to_nm" in summary.output and "PM" in summary.output
    assert html.read_text(encoding="utf-8").count("data:image/png;base64,") == 5


def test_cohort_bad_input_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["cohort-summary", str(tmp_path / "missing.parquet")])
    assert result.exit_code == 2 and result.output.startswith("sbmltwin: error:")
    bad = CliRunner().invoke(
        cli,
        [
            "cohort",
            "example:cyp2d6_substrate",
            "--bindings",
            str(DATA / "bindings.toml"),
            "--population",
            str(tmp_path / "nope.toml"),
            "--dose",
            "1 mg oral",
            "--output-id",
            "[C_plasma]",
            "-o",
            str(tmp_path / "x.parquet"),
        ],
    )
    assert bad.exit_code == 2 and bad.output.startswith("sbmltwin: error:"), bad.output


def test_mass_doses_use_the_bindings_molecular_weight(tmp_path: Path) -> None:
    # the dextromethorphan model doses µmol; its bindings give MW 271.4 g/mol, so
    # 21.99 mg must equal 21.99e3 / 271.4 = 81.0243… µmol (computed by hand here)
    lib = Path(__file__).resolve().parents[2] / "model_library" / "dextromethorphan"
    tables = {}
    for dose in ("21.99 mg oral", f"{21.99e3 / 271.4!r} umol oral"):
        out = tmp_path / f"c{len(tables)}.parquet"
        res = CliRunner().invoke(
            cli,
            [
                "cohort",
                str(lib / "model.xml"),
                "--bindings",
                str(lib / "twin.toml"),
                "--population",
                str(DATA / "european_dxm.toml"),
                "--n",
                "12",
                "--seed",
                "3",
                "--dose",
                dose,
                "--output-id",
                "[C_ven_dxm]",
                "--workers",
                "1",
                "--summary-only",
                "-o",
                str(out),
            ],
        )
        assert res.exit_code == 0, res.output
        tables[dose] = pd.read_parquet(out).sort_values("twin_id")
    a, b = tables.values()
    ok = a["status"] == "ok"
    assert ok.sum() > 0
    col = "[C_ven_dxm].auc_0_t"
    # equal doses to ~1e-16; adaptive steps may then differ within the solver tolerance
    assert a.loc[ok, col].to_numpy() == pytest.approx(b.loc[ok, col].to_numpy(), rel=1e-6)


def test_metric_units_are_recorded_and_summarized(tmp_path: Path) -> None:
    out = tmp_path / "u.parquet"
    args = ["cohort", "example:cyp2d6_substrate", "--bindings", str(DATA / "bindings.toml")]
    args += ["--population", str(DATA / "european.toml"), "--n", "20", "--seed", "1"]
    args += ["--dose", "100 mg oral", "--output-id", "[C_plasma]", "--workers", "1"]
    res = CliRunner().invoke(cli, [*args, "--summary-only", "-o", str(out)])
    assert res.exit_code == 0, res.output
    from sbmltwin.cohort.summarize import summarize_cohort

    units = dict(zip(*(summarize_cohort(out)[k] for k in ("metric", "unit")), strict=False))
    # the example model: concentrations in mg/l, time in h (see sbmltwin/examples)
    assert units["[C_plasma].cmax"] == "mg/l" and units["[C_plasma].tmax"] == "h"
    assert units["[C_plasma].auc_0_inf"] == "mg/l·h"


def test_the_table_records_how_it_was_made(tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    args = ["cohort", "example:cyp2d6_substrate", "--bindings", str(DATA / "bindings.toml")]
    args += ["--population", str(DATA / "european.toml"), "--n", "12", "--seed", "5"]
    args += ["--dose", "100 mg oral", "--output-id", "[C_plasma]", "--workers", "1"]
    res = CliRunner().invoke(cli, [*args, "--summary-only", "-o", str(out)])
    assert res.exit_code == 0, res.output
    from sbmltwin.cohort.run import run_record
    from sbmltwin.examples import example_path
    from sbmltwin.model import load_model

    record = run_record(out)
    assert record["n"] == 12 and record["seed"] == 5 and record["summary_only"] is True
    assert record["population"] == "European"
    assert record["model_sha256"] == load_model(example_path("cyp2d6_substrate")).sha256
    assert record["summary_tolerances"].startswith("relative 1e-05, absolute 1e-10")
    assert record["software"]["libroadrunner"].startswith("2.")
    summary = CliRunner().invoke(cli, ["cohort-summary", str(out)])
    assert summary.exit_code == 0
    assert "12 twins of European, seed 5" in summary.output
