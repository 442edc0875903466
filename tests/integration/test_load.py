"""Loading SBML, Antimony and OMEX; element and unit listing; located errors."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from sbmltwin.errors import InputSafetyError, ModelLoadError
from sbmltwin.model import Limits, load_model, parse_model
from tests._fixtures import deep_mathml

pytestmark = pytest.mark.integration

ANT = """
model tiny
  unit substance = 1e-6 mole
  unit volume = litre
  unit time_unit = 60 second
  unit per_min = 1 / 60 second
  compartment cell = 2
  species S in cell = 4; species P in cell = 0
  J0: S -> P; k * S
  k = 0.3; k has per_min
  total := S + P
  at (time > 5): k = 0
end
"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<omexManifest xmlns="http://identifiers.org/combine.specifications/omex-manifest">
  <content location="." format="http://identifiers.org/combine.specifications/omex"/>
  <content location="./manifest.xml" format="http://identifiers.org/combine.specifications/omex-manifest"/>
  {entries}
</omexManifest>
"""


def _omex(path: Path, files: dict[str, str], entries: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.xml", MANIFEST.format(entries=entries))
        for name, text in files.items():
            z.writestr(name, text)
    return path


def test_antimony_string_lists_elements_with_units() -> None:
    m = parse_model(ANT, fmt="antimony")
    assert m.model_id == "tiny" and (m.level, m.version) == (3, 2)
    assert m.sha256 == hashlib.sha256(m.sbml.encode()).hexdigest()
    kinds = {(e.kind, e.sid) for e in m.elements}
    assert {
        ("compartment", "cell"),
        ("species", "S"),
        ("parameter", "k"),
        ("reaction", "J0"),
        ("rule", "total"),
    } <= kinds
    assert any(e.kind == "event" for e in m.elements)
    assert m.units["S"].text == "µmol" and m.concentration_units["S"].text == "µmol/l"
    assert m.units["k"].text == "1/min" and m.time_unit.text == "min"
    table = m.table()
    assert list(table.columns) == ["kind", "id", "name", "value", "unit", "detail"]
    assert table.set_index("id").loc["S", "value"] == 4.0


def test_sbml_file_and_string_agree(tmp_path: Path) -> None:
    sbml = parse_model(ANT, fmt="antimony").sbml
    f = tmp_path / "tiny.xml"
    f.write_text(sbml, encoding="utf-8")
    from_file = load_model(f)
    assert from_file.sha256 == parse_model(sbml, fmt="sbml").sha256
    assert from_file.source == str(f)


def test_level2_defaults_are_the_specification_units(data_dir: Path) -> None:
    m = load_model(data_dir / "hostile" / "ok_l2v4.xml")
    assert m.level == 2
    assert (m.units["substance"].text, m.units["volume"].text, m.time_unit.text) == (
        "mol",
        "l",
        "s",
    )


def test_level3_without_units_leaves_them_undeclared() -> None:
    m = parse_model("model u\n S = 1; J: S -> ; k*S; k = 1\nend", fmt="antimony")
    assert not m.time_unit.declared and m.units["k"].text == "?"


def test_omex_master_file_is_loaded(tmp_path: Path) -> None:
    sbml = parse_model(ANT, fmt="antimony").sbml
    other = parse_model("model other\n S = 1\nend", fmt="antimony").sbml
    entries = (
        '<content location="./models/other.xml" format="http://identifiers.org/combine.specifications/sbml.level-3.version-2"/>\n'
        '<content location="./models/tiny.xml" format="http://identifiers.org/combine.specifications/sbml" master="true"/>'
    )
    archive = _omex(
        tmp_path / "a.omex", {"models/tiny.xml": sbml, "models/other.xml": other}, entries
    )
    m = load_model(archive)
    assert m.model_id == "tiny"
    assert m.source.endswith("a.omex!models/tiny.xml")


def test_omex_without_master_takes_first_sbml(tmp_path: Path) -> None:
    other = parse_model("model other\n S = 1\nend", fmt="antimony").sbml
    entries = '<content location="other.xml" format="http://identifiers.org/combine.specifications/sbml"/>'
    assert load_model(_omex(tmp_path / "b.omex", {"other.xml": other}, entries)).model_id == "other"


def test_omex_zip_slip_is_refused(tmp_path: Path) -> None:
    entries = '<content location="../../etc/passwd" format="http://identifiers.org/combine.specifications/sbml" master="true"/>'
    with pytest.raises(InputSafetyError, match="outside the archive"):
        load_model(_omex(tmp_path / "slip.omex", {}, entries))


def test_omex_decompression_is_bounded(tmp_path: Path) -> None:
    entries = '<content location="big.xml" format="http://identifiers.org/combine.specifications/sbml" master="true"/>'
    archive = _omex(tmp_path / "bomb.omex", {"big.xml": " " * (8 * 2**20)}, entries)
    assert archive.stat().st_size < 100_000
    with pytest.raises(InputSafetyError, match="zip bomb"):
        load_model(archive, limits=Limits(max_member_bytes=2**20))


def test_omex_without_sbml_or_not_a_zip(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="lists no SBML"):
        load_model(_omex(tmp_path / "empty.omex", {}, ""))
    junk = tmp_path / "junk.omex"
    junk.write_bytes(b"PK\x03\x04" + b"\x01" * 100)
    with pytest.raises(ModelLoadError, match="ZIP"):
        load_model(junk)


def test_antimony_syntax_error_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.ant"
    f.write_text("model bad\n  S = 1\n  J0: S -> ; k*S +\nend\n", encoding="utf-8")
    with pytest.raises(ModelLoadError, match=r"bad\.ant: Antimony error: .*line") as info:
        load_model(f)
    assert "\n" not in str(info.value)


def test_missing_path_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no such file"):
        load_model(tmp_path / "nope.xml")
    with pytest.raises(ModelLoadError, match="not a regular file"):
        load_model(tmp_path)


def test_moderately_nested_mathml_loads() -> None:
    assert parse_model(deep_mathml(200), fmt="sbml").model_id == "deep"


def test_deep_mathml_is_refused_before_libsbml() -> None:
    with pytest.raises(InputSafetyError, match="nest deeper than"):
        parse_model(deep_mathml(5000), fmt="sbml")


def test_deeply_nested_antimony_is_refused() -> None:
    text = "model d\n S = " + "(" * 2000 + "1" + ")" * 2000 + "\nend"
    with pytest.raises(InputSafetyError, match="nest"):
        parse_model(text, fmt="antimony")
