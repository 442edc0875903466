"""The report manifest (``report.json``): everything needed to re-run a validation and compare.

Floats are written by :mod:`json` (shortest repr that round-trips exactly); NaN and infinities,
which JSON lacks, become ``null``. ``created`` is the only field ``reproduce`` does not compare.
"""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sbmltwin.engine import CompileSettings
from sbmltwin.errors import ValidationDataError
from sbmltwin.provenance import sha256_bytes, software_versions
from sbmltwin.validate.cases import GRID_STEP_H, INTEGRATOR, ValidationCase

__all__ = ["SCHEMA_VERSION", "build_manifest", "read_manifest", "write_manifest"]

SCHEMA_VERSION = 1
_ENV = ("SBMLTWIN_CACHE_DIR", "SBMLTWIN_WORKERS", "SBMLTWIN_BIOMODELS_URL")
CITATIONS = (
    "sbmltwin (see CITATION.cff)",
    "libroadrunner: Somogyi ET et al. Bioinformatics 2015;31:3315, doi:10.1093/bioinformatics/btv363",
    "libSBML: Bornstein BJ et al. Bioinformatics 2008;24:880, doi:10.1093/bioinformatics/btn051",
    "CPIC®, https://cpicpgx.org (allele function and phenotype tables)",
    "Guest EI et al. Drug Metab Dispos 2011;39:170, doi:10.1124/dmd.110.036103 (ratio limits)",
)


def clean(value: Any) -> Any:
    """JSON-safe copy: NaN/±inf → None, tuples → lists, numpy scalars → Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def build_manifest(
    cases: Sequence[ValidationCase],
    results: Sequence[Mapping[str, Any]],
    overall: Mapping[str, Any],
    *,
    command: str,
) -> dict[str, Any]:
    """The manifest of one validation run."""
    inputs: dict[str, str] = {}
    for case in cases:
        for path in case.input_files():
            inputs[str(path.resolve())] = sha256_bytes(path.read_bytes())
    compile_settings = CompileSettings()
    manifest: dict[str, Any] = clean(
        {
            "schema_version": SCHEMA_VERSION,
            "tool": "sbmltwin",
            "command": command,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "cases": [str(c.path.resolve()) for c in cases],
            "inputs": inputs,
            "versions": software_versions(),
            "platform": {
                "machine": platform.machine(),
                "system": platform.system(),
                "python": platform.python_version(),
            },
            "settings": {
                "integrator": {
                    "name": "cvode",
                    "absolute_tolerance": INTEGRATOR.absolute_tolerance,
                    "relative_tolerance": INTEGRATOR.relative_tolerance,
                    "stiff": INTEGRATOR.stiff,
                },
                "compile": compile_settings.as_dict(),
                "output_grid_step_h": GRID_STEP_H,
                "auc": "linear-up/log-down trapezoid, 0 to the last observation (observed: with (0, 0) added)",
                "sensitivity": "normalized local, +1 % per parameter, first group",
            },
            "seed": None,
            "environment": {k: os.environ.get(k) for k in _ENV},
            "results": {"cases": list(results), "overall": dict(overall)},
            "citations": list(CITATIONS)
            + sorted({f"{c.id}: {c.citation or c.source}" for c in cases}),
        }
    )
    return manifest


def write_manifest(manifest: Mapping[str, Any], path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(clean(manifest), indent=1, allow_nan=False), encoding="utf-8")
    return out


def read_manifest(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationDataError(
            "no such file", where=str(p), hint="give a report.json written by 'sbmltwin validate'"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValidationDataError(f"not a readable JSON manifest: {err}", where=str(p)) from err
    if not isinstance(data, dict) or data.get("tool") != "sbmltwin" or "results" not in data:
        raise ValidationDataError("not an sbmltwin report manifest", where=str(p))
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ValidationDataError(
            f"manifest schema_version {data.get('schema_version')!r} is not supported", where=str(p)
        )
    return data
