"""Issue 15: dextromethorphan was calibrated by its own script (tools/calibrate_dxm.py) while every
other library model had a ``calibration.toml`` for ``sbmltwin calibrate``. Its protocol is now a
spec like the others; the shipped model must carry the values the recorded ``calibration.json``
reports (rounded as the compound file writes them), and the JSON must be the result of THIS spec
on training cases only (not of an edited spec or of a validation case)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import libsbml
import pytest

from sbmltwin.validate.calibrate import load_calibration_spec
from sbmltwin.validate.cases import load_case

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "model_library" / "dextromethorphan"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sha_without_trials(path: Path) -> str:
    """The case file's hash without its ``trial = {...}`` lines: the virtual trials (README
    "Groups as virtual trials") were written into the cases after the calibration, and
    ``sbmltwin calibrate`` fits each group's single twin, not its trial."""
    text = path.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines(keepends=True) if not line.startswith("trial = ")]
    return hashlib.sha256("".join(kept).encode("utf-8")).hexdigest()


def test_the_recorded_calibration_is_this_spec_on_its_training_cases() -> None:
    spec = load_calibration_spec(LIB / "calibration.toml")
    result = json.loads((LIB / "calibration.json").read_text(encoding="utf-8"))
    assert result["spec_sha256"] == _sha(LIB / "calibration.toml")
    assert [c["id"] for c in result["cases"]] == ["Qiu2016", "Schadel1995"]
    for path, recorded in zip(spec.cases, result["cases"], strict=True):
        case = load_case(path)
        assert case.role == "training"
        assert recorded["role"] == "training"
        assert recorded["sha256"] == _sha_without_trials(path)
        assert case.observed is not None
        assert recorded["observed_sha256"] == _sha(case.observed)
    fitted = {p["name"] for p in result["parameters"]}
    assert fitted == {
        "CLint_2d6",
        "genes.CYP2D6.exponent",
        "CLint_3a4",
        "ka",
        "CL_dxo",
        "CLR_dxog",
    }
    assert not any(p["at_bound"] for p in result["parameters"])
    assert result["objective"]["end"] < result["objective"]["start"]


def test_the_shipped_model_carries_the_calibrated_values() -> None:
    result = json.loads((LIB / "calibration.json").read_text(encoding="utf-8"))
    doc = libsbml.readSBMLFromFile(str(LIB / "model.xml"))
    model = doc.getModel()
    bindings = tomllib.loads((LIB / "twin.toml").read_text(encoding="utf-8"))
    for p in result["parameters"]:
        if p["name"] == "genes.CYP2D6.exponent":
            shipped = bindings["genes"]["CYP2D6"][0]["exponent"]
        else:
            shipped = model.getParameter(p["name"]).getValue()
        # the compound file writes the fit to 3-4 significant figures
        assert shipped == pytest.approx(p["end"], rel=5e-3), p["name"]
