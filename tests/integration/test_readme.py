"""The README's copy-paste personalization example runs as written."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"


def test_personalization_example_runs(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Personalization") :]
    block = section[section.index("```bash\n") + len("```bash\n") :]
    block = block[: block.index("```")]
    runner = f"{shlex.quote(sys.executable)} -m sbmltwin "
    script = re.sub(r"^sbmltwin ", runner, block, flags=re.MULTILINE)
    proc = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "f_cyp2d6: 1 → 0.5" in proc.stdout
    frame = pd.read_csv(tmp_path / "twin.csv")
    assert list(frame.columns) == ["time [h]", "A_gut [mg]", "[C_plasma] [mg/l]"]
    assert (tmp_path / "twin.xml").read_text(encoding="utf-8").count("sbmltwin:twin") >= 1


def test_compound_build_example_runs(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Building a PBPK model from a compound file") :]
    block = section[section.index("```bash\n") + len("```bash\n") :]
    block = block[: block.index("```\n")]
    runner = f"{shlex.quote(sys.executable)} -m sbmltwin "
    script = re.sub(r"^sbmltwin ", runner, block, flags=re.MULTILINE)
    proc = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "0 error(s), 0 warning(s)" in proc.stdout
    frame = pd.read_csv(tmp_path / "examplamine" / "oral.csv")
    assert list(frame.columns) == ["time [h]", "C_plasma_xyz [µmol/l]", "[C_m1] [µmol/l]"]
    assert frame["C_plasma_xyz [µmol/l]"].max() > 0
