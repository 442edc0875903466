"""`sbmltwin demo`: the main job runs on the packaged library and writes the three reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.report.manifest import read_manifest
from sbmltwin.validate import cases as cases_module

pytestmark = pytest.mark.integration


def test_demo_writes_html_pdf_and_json_and_reproduces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sbmltwin-demo"
    result = CliRunner().invoke(cli, ["demo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "overall:" in result.output and "Qiu2016" in result.output
    assert (out / "report.pdf").read_bytes()[:4] == b"%PDF"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "Qiu2016" in html
    manifest = read_manifest(out / "report.json")
    cases = manifest.results.cases
    assert len(cases) >= 10
    # shipped cases of models not built yet are skipped, and the output says so
    root = Path(__file__).resolve().parents[2]
    missing = sorted(
        str(p.resolve())
        for p in (root / "validation").glob("*/*.toml")
        if not (root / "model_library" / p.parent.name / "model.xml").is_file()
    )
    assert sorted(str(Path(s.case).resolve()) for s in manifest.skipped) == missing
    if missing:
        assert f"skipped {len(missing)} case(s)" in result.output
        assert "Skipped" in html
    # every case cites its source and has a ranked sensitivity table; every input is hashed
    assert all(c.source for c in cases)
    assert all(c.sensitivity is not None and len(c.sensitivity.rows) > 10 for c in cases)
    assert html.count("Local sensitivity") == len(cases)
    assert all(len(f.sha256) == 64 for f in manifest.inputs)
    # … and re-running a copy of the folder, with the checkout's library and cases out of
    # reach, gives the same numbers
    copy = tmp_path / "moved" / "copy"
    shutil.copytree(out, copy)
    gone = tmp_path / "gone"
    monkeypatch.setattr(cases_module, "library_dir", lambda: gone / "model_library")
    monkeypatch.setattr(cases_module, "validation_dir", lambda: gone / "validation")
    again = CliRunner().invoke(cli, ["reproduce", str(copy / "report.json")])
    assert again.exit_code == 0, again.output[-2000:]
    assert "all match" in again.output
