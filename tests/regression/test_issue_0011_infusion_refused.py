"""Issue 11, "infusions": ``"50 mg infusion into … over 30 min"`` worked in ``simulate`` but was
refused by ``cohort`` and by validation cases. All three now prepare their run through
:func:`sbmltwin.engine.prepare_setup` and give the same curve for the same twin."""

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
from sbmltwin.cohort.sampling import parse_population, sample_twin
from sbmltwin.engine import parse_regimen
from sbmltwin.model import parse_model
from sbmltwin.personalize import load_bindings
from sbmltwin.validate.cases import INTEGRATOR, load_case
from sbmltwin.validate.run import run_case

pytestmark = pytest.mark.integration

DOSE = "50 mg infusion into C_plasma over 30 min"
BINDINGS = """
[genes.CYP2D6]
parameter = "f_cyp2d6"
law = "activity_score_linear"
[covariates.weight]
parameter = "BW"
law = "value"
"""
REL = 1e-9  # the three paths integrate the same equations with the same CVODE settings


def test_infusion_runs_alike_in_simulate_cohort_and_validate(tmp_path: Path) -> None:
    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    (tmp_path / "model.ant").write_text(ant, encoding="utf-8")
    (tmp_path / "b.toml").write_text(BINDINGS, encoding="utf-8")
    model = parse_model(ant, fmt="antimony")
    spec = parse_population({"population": "European", "genes": ["CYP2D6"]})
    seed = 11
    twin = next(
        t
        for t in (sample_twin(spec, seed, i) for i in range(50))
        if t.profile.genes["CYP2D6"].activity_score
    )
    call = twin.profile.genes["CYP2D6"]
    profile_toml = (
        f'id = "twin"\nweight = "{twin.profile.weight_kg!r} kg"\n'
        f'[genotype]\nCYP2D6 = "{call.diplotype}"\n'
    )
    (tmp_path / "p.toml").write_text(profile_toml, encoding="utf-8")

    # simulate
    csv = tmp_path / "sim.csv"
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            str(tmp_path / "model.ant"),
            "--profile",
            str(tmp_path / "p.toml"),
            "--bindings",
            str(tmp_path / "b.toml"),
            "--end",
            "24 h",
            "--points",
            "481",
            "--dose",
            DOSE,
            "--select",
            "[C_plasma]",
            "--atol",
            "1e-12",
            "--rtol",
            "1e-8",
            "-o",
            str(csv),
        ],
    )
    assert result.exit_code == 0, result.output
    simulated = pd.read_csv(csv).iloc[:, 1].to_numpy()

    # cohort (twin index twin.index of the same seed)
    out, tc = tmp_path / "c.parquet", tmp_path / "tc.parquet"
    run = run_cohort(
        model,
        load_bindings(tmp_path / "b.toml"),
        spec,
        parse_regimen(DOSE),
        n=twin.index + 1,
        seed=seed,
        output=out,
        outputs=["[C_plasma]"],
        end=24.0,
        points=481,
        integrator=INTEGRATOR,
        timecourses=tc,
    )
    assert run.failed == 0
    long = pq.read_table(tc).to_pandas()
    cohort = long[long["twin_id"] == twin.profile.id]["value"].to_numpy()

    # validation case
    (tmp_path / "obs.csv").write_text(
        "group,output,time,time_unit,value,value_unit\n"
        "G,plasma,0.5,h,0.1,mg/L\nG,plasma,4,h,0.05,mg/L\n",
        encoding="utf-8",
    )
    (tmp_path / "case.toml").write_text(
        'source = "test"\nmodel = "inline"\nmodel_path = "model.ant"\nbindings = "b.toml"\n'
        f'[regimen]\ndoses = ["{DOSE}"]\nend = "24 h"\n'
        f'[groups.G]\nprofile = {{ weight = "{twin.profile.weight_kg!r} kg", '
        f'genotype = {{ CYP2D6 = "{call.diplotype}" }} }}\n'
        '[observed]\nfile = "obs.csv"\n[outputs]\nplasma = "[C_plasma]"\n',
        encoding="utf-8",
    )
    case_result = run_case(load_case(tmp_path / "case.toml"), sensitivity=False)
    plasma = case_result.groups[0].output("plasma")
    assert plasma is not None
    validated = np.array(plasma.predicted.value)

    assert len(simulated) == len(cohort) == len(validated) == 481
    scale = float(np.max(np.abs(simulated)))
    assert scale > 0.1  # 50 mg into ~140 L peaks near 0.3 mg/L
    np.testing.assert_allclose(cohort, simulated, rtol=0, atol=REL * scale)
    np.testing.assert_allclose(validated, simulated, rtol=0, atol=REL * scale)
