"""Issue 11, "skipped bindings are silent": a profile with serum creatinine but no age skipped
the renal binding, and ``--explain`` listed only the changes. Every binding that keeps the
model's value now says why, and profile items no binding reads are listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli

pytestmark = pytest.mark.integration

BINDINGS = """
[[covariates.egfr]]
parameter = "CL_other"
law = "ratio"
reference = "100 mL/min"
[covariates.weight]
parameter = "BW"
law = "value"
"""
PROFILE = """
id = "no-age"
sex = "female"
weight = "70 kg"
[labs]
serum_creatinine = "1.0 mg/dL"
[genotype]
CYP2D6 = "*1/*4"
"""


def test_skipped_renal_binding_is_explained(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text(BINDINGS, encoding="utf-8")
    (tmp_path / "p.toml").write_text(PROFILE, encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "personalize",
            "example:cyp2d6_substrate",
            "--profile",
            str(tmp_path / "p.toml"),
            "--bindings",
            str(tmp_path / "b.toml"),
            "--explain",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    kept = [ln for ln in lines if ln.startswith("CL_other: kept 10")]
    assert len(kept) == 1, result.output
    assert "[covariates.egfr]" in kept[0] and "no age" in kept[0]
    assert any(ln.startswith("BW: 70 → 70") for ln in lines)
    # the genotype is given but nothing binds CYP2D6
    assert any(ln.startswith("unused: CYP2D6 *1/*4") for ln in lines), result.output
