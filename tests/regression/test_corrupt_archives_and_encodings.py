"""OMEX archives that are corrupt (zlib.error), encrypted (RuntimeError) or declare an unknown
XML encoding (LookupError) were tracebacks; each is now one error line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.regression._helpers import TINY, clean_error

pytestmark = pytest.mark.integration

MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><omexManifest xmlns="http://identifiers.org/'
    'combine.specifications/omex-manifest"><content location="./m.xml" format="http://'
    'identifiers.org/combine.specifications/sbml" master="true"/></omexManifest>'
)


def _omex(path: Path, manifest: str = MANIFEST, sbml: str | None = None) -> bytes:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.xml", manifest)
        z.writestr("m.xml", sbml if sbml is not None else TINY.read_text(encoding="utf-8"))
    return path.read_bytes()


def test_encrypted_archive(tmp_path: Path) -> None:
    data = bytearray(_omex(tmp_path / "a.omex"))
    for magic, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(magic)
        while at >= 0:
            data[at + offset] |= 1  # the "encrypted" flag bit
            at = data.find(magic, at + 4)
    (tmp_path / "a.omex").write_bytes(bytes(data))
    clean_error(["info", str(tmp_path / "a.omex")], "encrypted")


def test_corrupt_deflate_stream(tmp_path: Path) -> None:
    data = _omex(tmp_path / "a.omex")
    at = data.find(b"m.xml") + 60
    (tmp_path / "a.omex").write_bytes(data[:at] + bytes(40) + data[at + 40 :])
    clean_error(["info", str(tmp_path / "a.omex")], "cannot read ZIP archive")


@pytest.mark.parametrize("member", ["manifest", "model"])
def test_unknown_xml_encoding(member: str, tmp_path: Path) -> None:
    sbml = TINY.read_text(encoding="utf-8")
    if member == "manifest":
        _omex(tmp_path / "a.omex", manifest=MANIFEST.replace("UTF-8", "x-no-such"))
    else:
        _omex(tmp_path / "a.omex", sbml=sbml.replace("UTF-8", "x-no-such"))
    clean_error(["info", str(tmp_path / "a.omex")], "encoding")
    (tmp_path / "b.xml").write_text(sbml.replace("UTF-8", "x-no-such"), encoding="utf-8")
    clean_error(["check", str(tmp_path / "b.xml")], "encoding")
