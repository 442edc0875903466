"""The report manifest (``report.json``): everything needed to re-run a validation and compare.

A report folder is self-contained: every input a run read (case TOMLs, observed CSVs, models,
bindings) is copied into ``inputs/`` next to ``report.json``, listed with its SHA-256 and a
path relative to ``report.json``, so the folder (or the OMEX archive that carries it) re-runs
on another machine with the original files gone.

Floats are written by :mod:`json` (shortest repr that round-trips exactly); NaN and infinities,
which JSON lacks, become ``null``. ``created`` is the only field ``reproduce`` does not compare.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sbmltwin.engine import CompileSettings
from sbmltwin.errors import ValidationDataError
from sbmltwin.provenance import sha256_bytes, software_versions
from sbmltwin.validate.cases import GRID_STEP_H, INTEGRATOR, ValidationCase, load_case
from sbmltwin.validate.results import JsonRecord, ValidationRun
from sbmltwin.validate.run import SENSITIVITY_STEP

__all__ = [
    "SCHEMA_VERSION",
    "CaseInputs",
    "InputFile",
    "Manifest",
    "SkippedCase",
    "build_manifest",
    "clean",
    "collect_inputs",
    "is_mipd_report",
    "load_report_json",
    "manifest_text",
    "parse_manifest",
    "read_manifest",
    "write_manifest",
]

#: version of report.json's layout; 2 = typed results and inputs copied into the report folder
SCHEMA_VERSION = 2
INPUTS_DIR = "inputs"
_ENV = ("SBMLTWIN_CACHE_DIR", "SBMLTWIN_WORKERS", "SBMLTWIN_BIOMODELS_URL")
CITATIONS = (
    "sbmltwin (see CITATION.cff)",
    "libroadrunner: Somogyi ET et al. Bioinformatics 2015;31:3315, doi:10.1093/bioinformatics/btv363",
    "libSBML: Bornstein BJ et al. Bioinformatics 2008;24:880, doi:10.1093/bioinformatics/btn051",
    "CPIC®, https://cpicpgx.org (allele function and phenotype tables)",
    "Guest EI et al. Drug Metab Dispos 2011;39:170, doi:10.1124/dmd.110.036103 (ratio limits)",
)


@dataclass(frozen=True, slots=True)
class InputFile(JsonRecord):
    """A file a run read, as copied into the report folder: ``path`` relative to report.json."""

    path: str
    sha256: str
    kind: str  # case, observed, summary, model, bindings


@dataclass(frozen=True, slots=True)
class CaseInputs(JsonRecord):
    """Where one case's files are in the report folder (paths relative to report.json)."""

    id: str
    case: str
    observed: str  # "" when the case has no time courses
    model: str
    bindings: str
    summary: str = ""  # the case's summary statistics, if any

    def load(self, base: Path) -> ValidationCase:
        """The case read from the report folder ``base``, pointing at the copied files."""
        case = load_case(_inside(base, self.case))
        return replace(
            case,
            observed=_inside(base, self.observed) if self.observed else None,
            summary=_inside(base, self.summary) if self.summary else None,
            model_path=_inside(base, self.model),
            bindings_path=_inside(base, self.bindings),
        )

    def files(self) -> tuple[str, ...]:
        return tuple(
            f for f in (self.case, self.observed, self.summary, self.model, self.bindings) if f
        )


@dataclass(frozen=True, slots=True)
class SkippedCase(JsonRecord):
    """A case the run left out, and why (e.g. its model is not in the library yet)."""

    case: str
    model: str
    reason: str


@dataclass(frozen=True, slots=True)
class Manifest(JsonRecord):
    """report.json: provenance, settings, the copied inputs and the typed results."""

    schema_version: int
    tool: str
    command: str
    created: str
    inputs: tuple[InputFile, ...]
    cases: tuple[CaseInputs, ...]
    versions: Mapping[str, str]
    platform: Mapping[str, str]
    settings: Mapping[str, Any]
    seed: int | None
    environment: Mapping[str, str | None]
    results: ValidationRun
    citations: tuple[str, ...]
    skipped: tuple[SkippedCase, ...] = ()


def _inside(base: Path, rel: str) -> Path:
    """``base / rel`` for a relative POSIX path that stays inside ``base``."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValidationDataError(
            f"input path {rel!r} leaves the report folder",
            where=str(base / "report.json"),
            hint="paths in report.json are relative to it and stay inside its folder",
        )
    return base.joinpath(*pure.parts)


def collect_inputs(
    cases: Sequence[ValidationCase], out_dir: str | Path
) -> tuple[tuple[InputFile, ...], tuple[CaseInputs, ...]]:
    """Copy every case's files into ``out_dir/inputs/`` (cases and their CSVs in ``cases/``,
    each model with its bindings in ``models/<model>/``) and list them with their SHA-256.
    A file read by several cases is copied once; different files that would share a name get
    a numbered one."""
    out = Path(out_dir)
    placed: dict[str, str] = {}  # relative path → sha256
    by_source: dict[Path, str] = {}
    files: list[InputFile] = []

    def put(src: Path, folder: str, kind: str) -> str:
        source = src.resolve()
        if source in by_source:
            return by_source[source]
        try:
            data = src.read_bytes()
        except OSError as err:
            raise ValidationDataError(f"cannot read input: {err}", where=str(src)) from err
        digest = sha256_bytes(data)
        stem, suffix = src.stem, src.suffix
        rel = f"{INPUTS_DIR}/{folder}/{src.name}"
        n = 1
        while rel in placed and placed[rel] != digest:
            n += 1
            rel = f"{INPUTS_DIR}/{folder}/{stem}-{n}{suffix}"
        if rel not in placed:
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not (target.exists() and target.resolve() == source):
                shutil.copyfile(src, target)
            placed[rel] = digest
            files.append(InputFile(rel, digest, kind))
        by_source[source] = rel
        return rel

    case_inputs = []
    for case in cases:
        assert case.model_path is not None and case.bindings_path is not None
        folder = f"models/{case.model}"
        case_inputs.append(
            CaseInputs(
                id=case.id,
                case=put(case.path, "cases", "case"),
                observed=put(case.observed, "cases", "observed") if case.observed else "",
                model=put(case.model_path, folder, "model"),
                bindings=put(case.bindings_path, folder, "bindings"),
                summary=put(case.summary, "cases", "summary") if case.summary else "",
            )
        )
    return tuple(files), tuple(case_inputs)


def build_manifest(
    cases: Sequence[ValidationCase],
    run: ValidationRun,
    *,
    command: str,
    out_dir: str | Path,
    skipped: Sequence[SkippedCase] = (),
) -> Manifest:
    """The manifest of one validation run; copies the inputs into ``out_dir/inputs/``."""
    inputs, case_inputs = collect_inputs(cases, out_dir)
    return Manifest(
        schema_version=SCHEMA_VERSION,
        tool="sbmltwin",
        command=command,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        inputs=inputs,
        cases=case_inputs,
        versions=software_versions(),
        platform={
            "machine": platform.machine(),
            "system": platform.system(),
            "python": platform.python_version(),
        },
        settings={
            "integrator": {
                "name": "cvode",
                "absolute_tolerance": INTEGRATOR.absolute_tolerance,
                "relative_tolerance": INTEGRATOR.relative_tolerance,
                "stiff": INTEGRATOR.stiff,
            },
            "compile": CompileSettings().as_dict(),
            "output_grid_step_h": GRID_STEP_H,
            "auc": "linear-up/log-down trapezoid to the last observation, from 0 (observed: with (0, 0) added) when C(0) = 0 is known (no bolus into the output, no dose before the first sample), else from the first sample on both sides",
            "sensitivity": (
                f"normalized local (ΔY/Y)/(Δp/p), each constant parameter +{100 * SENSITIVITY_STEP:g} %"
                " for the twin of the case's reference group (first ratio's denominator, else"
                " first group; a mixture group: its most frequent class); AUC(0–end) and Cmax of"
                " the case's first output"
            ),
        },
        seed=None,
        environment={k: os.environ.get(k) for k in _ENV},
        results=run,
        citations=CITATIONS + tuple(sorted({f"{c.id}: {c.citation or c.source}" for c in cases})),
        skipped=tuple(skipped),
    )


def clean(value: Any) -> Any:
    """JSON-safe copy of a plain manifest (fit/dose reports): NaN/±inf → None, tuples → lists,
    numpy scalars → Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_manifest(manifest: Manifest | Mapping[str, Any], path: str | Path) -> Path:
    """Write a validation manifest, or the plain manifest of a fit/dose report."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = (
        manifest_text(manifest)
        if isinstance(manifest, Manifest)
        else json.dumps(clean(manifest), indent=1, allow_nan=False)
    )
    out.write_text(text, encoding="utf-8")
    return out


#: report.json ``kind`` of the precision-dosing reports (sbmltwin.report.mipd); validation
#: reports have none
MIPD_KINDS = ("fit", "dose")


def is_mipd_report(data: Any) -> bool:
    return isinstance(data, Mapping) and data.get("kind") in MIPD_KINDS


def parse_manifest(data: Any, *, where: str) -> Manifest:
    """Check and read a report.json's content: an sbmltwin report of this schema version."""
    if not isinstance(data, Mapping) or data.get("tool") != "sbmltwin":
        tool = data.get("tool") if isinstance(data, Mapping) else None
        raise ValidationDataError(
            f"not an sbmltwin report (tool {tool!r})",
            where=where,
            hint="give a report.json written by 'sbmltwin validate' or 'sbmltwin demo'",
        )
    if is_mipd_report(data):
        raise ValidationDataError(
            f"a {data['kind']} report, not a validation report",
            where=where,
            hint="export-omex takes a validation report; re-run a fit with 'sbmltwin reproduce'",
        )
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        older = isinstance(version, int) and not isinstance(version, bool) and version < 2
        raise ValidationDataError(
            f"report schema_version {version!r} is not supported (this sbmltwin reads "
            f"schema_version {SCHEMA_VERSION})",
            where=where,
            hint="re-run 'sbmltwin validate' with this sbmltwin to write a new report"
            if older
            else "use the sbmltwin version that wrote it",
        )
    try:
        return Manifest.from_dict(data)
    except ValidationDataError as err:
        raise ValidationDataError(err.what, where=f"{where} [{err.where}]", hint=err.hint) from None


def read_manifest(path: str | Path) -> Manifest:
    """The validation manifest at ``path`` (see :func:`parse_manifest`)."""
    p = Path(path)
    return parse_manifest(load_report_json(p), where=str(p))


def load_report_json(path: str | Path) -> Any:
    """The JSON content of a report.json, unchecked."""
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationDataError(
            "no such file", where=str(p), hint="give a report.json written by 'sbmltwin validate'"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValidationDataError(f"not a readable JSON manifest: {err}", where=str(p)) from err


def manifest_text(manifest: Manifest) -> str:
    return json.dumps(manifest.to_dict(), indent=1, allow_nan=False)
