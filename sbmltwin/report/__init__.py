"""Stage 8: reports (HTML, PDF, JSON manifest), ``reproduce`` and COMBINE/OMEX export."""

from __future__ import annotations

from pathlib import Path

from sbmltwin.report.manifest import Manifest, build_manifest, read_manifest, write_manifest
from sbmltwin.report.omex import export_omex
from sbmltwin.report.reproduce import Reproduction, reproduce

__all__ = [
    "Manifest",
    "Reproduction",
    "build_manifest",
    "export_omex",
    "read_manifest",
    "reproduce",
    "write_manifest",
    "write_report",
]


def write_report(
    manifest: Manifest, out_dir: str | Path, *, html: bool = True, pdf: bool = True
) -> dict[str, Path]:
    """Write ``report.json`` (and ``report.html``/``report.pdf``) into ``out_dir``."""
    out = Path(out_dir)
    written = {"json": write_manifest(manifest, out / "report.json")}
    if html:
        from sbmltwin.report.html import write_html

        written["html"] = write_html(manifest, out / "report.html")
    if pdf:
        from sbmltwin.report.pdf import write_pdf

        written["pdf"] = write_pdf(manifest, out / "report.pdf")
    return written
