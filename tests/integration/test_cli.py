"""The command line: bad input is one line and exit 2 (click runner and a real subprocess)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli

pytestmark = pytest.mark.integration

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
EXAMPLE = [
    "simulate",
    "example:theophylline_oral",
    "--end",
    "48h",
    "--points",
    "97",
    "--dose",
    "320 mg oral into A_gut at 0h every 12h x4",
]


def _bad_inputs(tmp: Path) -> dict[str, list[str]]:
    truncated = tmp / "truncated.xml"
    truncated.write_bytes((HOSTILE / "ok_l2v4.xml").read_bytes()[:300])
    bad_ant = tmp / "bad.ant"
    bad_ant.write_text("model bad\n  S = 1\n  J0: S -> ; k*S +\nend\n", encoding="utf-8")
    return {
        "truncated SBML": ["simulate", str(truncated), "--end", "2"],
        "undefined id in a rate law": ["simulate", str(HOSTILE / "undefined_id.xml"), "--end", "2"],
        "non-existent path": ["simulate", str(tmp / "nope.xml"), "--end", "2"],
        "Antimony syntax error": ["simulate", str(bad_ant), "--end", "2"],
        "24 parsecs": ["simulate", "example:theophylline_oral", "--end", "24 parsecs"],
        "unknown option": ["simulate", "example:theophylline_oral", "--end", "2h", "--bogus"],
        "unknown output id": [
            "simulate",
            "example:theophylline_oral",
            "--end",
            "2h",
            "--select",
            "Cx",
        ],
        "mass dose into a mole model without --mw": [
            "simulate",
            str(HOSTILE / "ok_l2v4.xml"),
            "--end",
            "2",
            "--dose",
            "5 mg iv into S1",
        ],
    }


CASE_IDS = list(_bad_inputs(Path("/tmp")).keys())


@pytest.mark.parametrize("name", CASE_IDS)
def test_bad_input_is_one_line_and_exit_2_in_click_runner(tmp_path: Path, name: str) -> None:
    result = CliRunner().invoke(cli, _bad_inputs(tmp_path)[name])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sbmltwin: error: "), result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", CASE_IDS)
def test_bad_input_is_one_line_and_exit_2_as_subprocess(tmp_path: Path, name: str) -> None:
    args = _bad_inputs(tmp_path)[name]
    proc = subprocess.run(
        [sys.executable, "-m", "sbmltwin", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sbmltwin: error: "), proc.stderr


def test_messages_name_the_file_and_element(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, _bad_inputs(tmp_path)["undefined id in a rate law"])
    assert "undefined_id.xml" in result.output and "'kx'" in result.output
    result = CliRunner().invoke(cli, _bad_inputs(tmp_path)["24 parsecs"])
    assert "--end" in result.output and "[length]" in result.output


def test_simulate_example_writes_csv_with_units_and_plot(tmp_path: Path) -> None:
    out, png = tmp_path / "theo.csv", tmp_path / "theo.png"
    result = CliRunner().invoke(cli, [*EXAMPLE, "-o", str(out), "--plot", str(png)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["time [h]", "A_gut [mg]", "[C_plasma] [mg/l]"]
    assert len(frame) == 97 and frame["time [h]"].iloc[-1] == 48.0
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    # trough before the 2nd dose (which enters the gut, not plasma): Bateman at t = 12 h with
    # 320 mg, ka 1.5/h, CL 2.8 L/h, V 35 L; default CVODE tolerances
    ka, k, v = 1.5, 2.8 / 35, 35.0
    trough = 320 * ka / (v * (ka - k)) * (math.exp(-k * 12) - math.exp(-ka * 12))
    c12 = frame.loc[frame["time [h]"] == 12.0, "[C_plasma] [mg/l]"].iloc[0]
    assert c12 == pytest.approx(trough, rel=1e-4)


def test_check_and_info(tmp_path: Path) -> None:
    ok = CliRunner().invoke(cli, ["check", "example:theophylline_oral"])
    assert ok.exit_code == 0 and "0 error(s)" in ok.output
    info = CliRunner().invoke(cli, ["info", "example:theophylline_oral", "--kind", "parameter"])
    assert info.exit_code == 0
    assert "CL" in info.output and "l/h" in info.output


@pytest.mark.parametrize("command", ["check", "info", "simulate"])
def test_help_shows_a_working_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert (
        result.exit_code == 0
        and "Example" in result.output
        and "example:theophylline_oral" in result.output
    )


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).parent / "sbmltwin"
    if not exe.exists():
        pytest.skip("console script not installed in this environment (pip install -e .)")
    proc = subprocess.run(
        [str(exe), "--version"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
        timeout=60,
    )
    assert proc.returncode == 0 and "version" in proc.stdout
