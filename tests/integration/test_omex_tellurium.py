"""tellurium, an independent SED-ML engine, runs sbmltwin's COMBINE archive to sbmltwin's curves.

The archive is made from a representative subset of cases: two demo cases on the whole-body
dextromethorphan PBPK model (Qiu2016: three genotyped groups; Zawertailo2009: a body weight
that moves the organ volumes, which initial assignments compute); three 8-hourly oral
doses in a model whose clock is in minutes, with a compartment personalized by body weight
(tests/data/omex), reported in ng/mL where the model
computes mg/L; an IV dose into a concentration species whose compartment comes from an
initial assignment, with a genotype-mixture group (a weighted mean of 14+ twins) next to a
genotyped one (tests/data/validation). ``tools/omex_tellurium_check.py`` runs tellurium in
its own process (it sets global state at import) and compares every data generator with the
predicted curve in the archive's report.json at every output time; the same tool checks the
whole demo archive (README, "Validation").

Tolerance: 1e-4 relative at every output time where the curve is at least 1e-6 of its
maximum (before that, an oral curve's first points are integration noise of both engines at
atol 1e-12), and 1e-6 of the curve's maximum everywhere. Both engines are libroadrunner's
CVODE at rtol 1e-8, atol 1e-12; sbmltwin stops at dose times, tellurium finds the SBML
events' roots, so they agree to a few times rtol.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.validate.cases import validation_dir

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
RELATIVE, SCALED = 1e-4, 1e-6


def _cases(tmp: Path) -> list[Path]:
    shutil.copytree(DATA / "omex", tmp / "omex")
    for sub in ("validation", "personalize"):
        shutil.copytree(DATA / sub, tmp / sub)
    analytic = tmp / "validation" / "analytic_iv.toml"
    text = analytic.read_text()
    text = text.replace('id = "analytic_iv"', 'id = "analytic_mix"')
    text = text.replace(
        '[groups.PM]\ndescription = "AS 0"\nprofile = { weight = "70 kg", genotype = { CYP2D6 = "*4/*4" } }',
        '[groups.PM]\ndescription = "European non-PM mixture"\nprofile = { weight = "70 kg" }\n'
        'mixture = { gene = "CYP2D6", population = "European", exclude_phenotypes = ["PM"] }',
    )
    text = text.replace("ratios = [", "# ratios = [")
    mixed = tmp / "validation" / "analytic_mix.toml"
    mixed.write_text(text)
    # two shipped DXM cases as single twins: their groups are virtual trials, whose GM data
    # generator tellurium 2.2 cannot evaluate (README "Groups as virtual trials"; the trial
    # archive is checked against closed forms in tests/integration/test_trials.py)
    demo = tmp / "dextromethorphan"
    demo.mkdir()
    for study in ("Qiu2016", "Zawertailo2009"):
        src = validation_dir() / "dextromethorphan"
        shutil.copy(src / f"{study}.csv", demo)
        lines = (src / f"{study}.toml").read_text(encoding="utf-8").splitlines(keepends=True)
        kept = "".join(line for line in lines if not line.startswith("trial = "))
        (demo / f"{study}.toml").write_text(kept, encoding="utf-8")
    return [
        demo / "Qiu2016.toml",
        demo / "Zawertailo2009.toml",
        tmp / "omex" / "pk_minutes.toml",
        mixed,
    ]


def test_tellurium_runs_the_archive_to_sbmltwins_curves(tmp_path: Path) -> None:
    # tellurium runs in its own process: importing it here would load libsedml's copy of the
    # libsbml SWIG types, after which libsbml's ASTNode.getType() misreports in this process
    if importlib.util.find_spec("tellurium") is None:
        pytest.skip("tellurium not installed: pip install -e '.[test]'")
    report = tmp_path / "report"
    res = CliRunner().invoke(
        cli,
        ["validate", *map(str, _cases(tmp_path)), "-o", str(report), "--no-pdf", "--no-html"],
    )
    assert res.exit_code in (0, 3), res.output
    archive = tmp_path / "run.omex"
    res = CliRunner().invoke(cli, ["export-omex", str(report / "report.json"), "-o", str(archive)])
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(archive) as z:
        sedml = z.read("simulations/pk_minutes.sedml").decode()
        manifest = json.loads(z.read("report.json"))
    # the minutes model: 24 h is 1440 of its time units; its volume change targets a compartment
    assert 'outputEndTime="1440.0"' in sedml and 'numberOfPoints="480"' in sedml
    assert "sbml:compartment[@id='Vc']/@size" in sedml and 'newValue="48.0"' in sedml
    # its output is reported in ng/mL (the model's unit is mg/L): the data generator says so
    factor = re.search(r"<math:cn>([^<]+)</math:cn>", sedml)
    assert 'name="NM plasma [ng/mL]"' in sedml and factor is not None
    assert float(factor[1]) == pytest.approx(1000.0, rel=1e-12)
    expected = {
        (c["id"], g["name"], o["output"])
        for c in manifest["results"]["cases"]
        for g in c["groups"]
        for o in g["outputs"]
    }
    assert len(expected) == 8, sorted(expected)
    out = tmp_path / "tellurium.json"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "omex_tellurium_check.py"),
            str(archive),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,  # tellurium writes temp*.tmp files into its working directory
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = json.loads(out.read_text())["rows"]
    assert {(r["case"], r["group"], r["output"]) for r in rows} == expected
    for r in rows:
        assert r["max_relative"] <= RELATIVE, r
        assert r["max_scaled"] <= SCALED, r
    minutes = [r for r in rows if r["case"] == "pk_minutes"]
    assert {r["time_unit"] for r in minutes} == {"min"} and minutes[0]["points"] == 481
