"""Population specs: a non-numeric female_fraction was a ValueError traceback, and a typo in
[iiv] made every twin fail while the run exited 0 with nothing on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.harness import run_cli
from tests.regression._helpers import clean_error

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "cohort"
SPEC = (DATA / "european.toml").read_text(encoding="utf-8")


def _cohort(spec: Path, out: Path, *extra: str) -> list[str]:
    return [
        "cohort", "example:cyp2d6_substrate", "--bindings", str(DATA / "bindings.toml"),
        "--population", str(spec), "--n", "20", "--dose", "100 mg oral",
        "--output-id", "[C_plasma]", "--workers", "1", "-o", str(out), *extra,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "phrase"),
    [
        (
            "female_fraction = 0.5",
            'female_fraction = "half"',
            "female_fraction = 'half' is not a number",
        ),
        ("CL_other = 25", "CL_othr = 25", "[iiv] names 'CL_othr'"),
        ("CL_other = 25", "V = 25", "[iiv] names 'V', which is a parameter the model computes"),
    ],
)
def test_population_mistakes_fail_before_any_twin(old, new, phrase, tmp_path: Path) -> None:
    assert old in SPEC
    spec = tmp_path / "pop.toml"
    spec.write_text(SPEC.replace(old, new), encoding="utf-8")
    out = tmp_path / "c.parquet"
    clean_error(_cohort(spec, out), phrase)
    assert not out.exists() and not Path(f"{out}.parts").exists()


def test_a_cohort_where_every_twin_fails_exits_3_with_the_reasons(tmp_path: Path) -> None:
    # the bindings need a CYP2D6 genotype (on_missing = "error"); this population samples none
    spec = tmp_path / "pop.toml"
    spec.write_text(SPEC.replace('genes = ["CYP2D6"]', "genes = []"), encoding="utf-8")
    outcome = run_cli(_cohort(spec, tmp_path / "c.parquet"), timeout=120)
    assert outcome.code == 3, outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert lines[-1].startswith("sbmltwin: every twin failed: 20 × "), lines
    assert "gives no genotype or phenotype for CYP2D6" in lines[-1]
    assert "20 twins, 20 failed" in outcome.stdout


@pytest.mark.parametrize("high", ["1e3080", "inf", "nan", "1e308"])
def test_non_finite_distribution_parameters(high: str, tmp_path: Path) -> None:
    """Found by the fuzzer (seed 13, input 1571): age high = 1e3080 (inf in TOML) reached
    numpy's uniform() and raised OverflowError."""
    spec = tmp_path / "pop.toml"
    low = "-1e308" if high == "1e308" else "20"
    old = 'age = { dist = "uniform", low = 20, high = 70 }'
    assert old in SPEC
    spec.write_text(
        SPEC.replace(old, f'age = {{ dist = "uniform", low = {low}, high = {high} }}'),
        encoding="utf-8",
    )
    clean_error(_cohort(spec, tmp_path / "c.parquet"), "finite parameters")
