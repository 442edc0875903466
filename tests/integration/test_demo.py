"""`sbmltwin demo`: the main job runs on the packaged library and writes the three reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli

pytestmark = pytest.mark.integration


def test_demo_writes_html_pdf_and_json_and_reproduces(tmp_path: Path) -> None:
    out = tmp_path / "sbmltwin-demo"
    result = CliRunner().invoke(cli, ["demo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "overall:" in result.output and "Qiu2016" in result.output
    assert (out / "report.pdf").read_bytes()[:4] == b"%PDF"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "Qiu2016" in html
    manifest = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert len(manifest["results"]["cases"]) >= 10
    # shipped cases of models not built yet are skipped, and the output says so
    root = Path(__file__).resolve().parents[2]
    missing = sorted(
        str(p.resolve())
        for p in (root / "validation").glob("*/*.toml")
        if not (root / "model_library" / p.parent.name / "model.xml").is_file()
    )
    assert sorted(str(Path(s["case"]).resolve()) for s in manifest.get("skipped", [])) == missing
    if missing:
        assert f"skipped {len(missing)} case(s)" in result.output
        assert "Skipped" in html
    # every case cites its source; every input is hashed
    assert all(c["source"] for c in manifest["results"]["cases"])
    assert all(len(h) == 64 for h in manifest["inputs"].values())
    # … and re-running it gives the same numbers
    again = CliRunner().invoke(cli, ["reproduce", str(out / "report.json")])
    assert again.exit_code == 0, again.output[-2000:]
    assert "all match" in again.output
