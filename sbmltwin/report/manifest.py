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
import os
import platform
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from sbmltwin.engine import CompileSettings
from sbmltwin.errors import ValidationDataError
from sbmltwin.provenance import sha256_bytes, software_versions
from sbmltwin.validate.cases import GRID_STEP_H, INTEGRATOR, ValidationCase, load_case
from sbmltwin.validate.results import JsonRecord, ValidationRun
from sbmltwin.validate.run import SENSITIVITY_STEP

__all__ = [
    "MIPD_SCHEMA_VERSION",
    "SCHEMA_VERSION",
    "CaseInputs",
    "InputCopier",
    "InputFile",
    "Manifest",
    "SkippedCase",
    "build_manifest",
    "check_inputs",
    "check_schema_version",
    "collect_inputs",
    "inside",
    "is_mipd_report",
    "load_report_json",
    "manifest_text",
    "parse_manifest",
    "read_manifest",
    "read_record",
    "write_manifest",
]

#: version of report.json's layout; 2 = typed results and inputs copied into the report folder
SCHEMA_VERSION = 2
#: version of a fit/dose report's layout (``report.mipd``); 3 = typed results and inputs copied
#: into the report folder (2 pinned absolute input paths)
MIPD_SCHEMA_VERSION = 3
INPUTS_DIR = "inputs"
R = TypeVar("R", bound=JsonRecord)
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
    kind: str  # case, observed, summary, model, bindings, population


@dataclass(frozen=True, slots=True)
class CaseInputs(JsonRecord):
    """Where one case's files are in the report folder (paths relative to report.json)."""

    id: str
    case: str
    observed: str  # "" when the case has no time courses
    model: str
    bindings: str
    summary: str = ""  # the case's summary statistics, if any
    population: str = ""  # the model's population spec, for a case with virtual trials

    def load(self, base: Path) -> ValidationCase:
        """The case read from the report folder ``base``, pointing at the copied files."""
        case = load_case(inside(base, self.case))
        return replace(
            case,
            observed=inside(base, self.observed) if self.observed else None,
            summary=inside(base, self.summary) if self.summary else None,
            model_path=inside(base, self.model),
            bindings_path=inside(base, self.bindings),
            population_path=inside(base, self.population) if self.population else None,
        )

    def files(self) -> tuple[str, ...]:
        return tuple(
            f
            for f in (
                self.case,
                self.observed,
                self.summary,
                self.model,
                self.bindings,
                self.population,
            )
            if f
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


def inside(base: Path, rel: str) -> Path:
    """``base / rel`` for a relative POSIX path that stays inside ``base``."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValidationDataError(
            f"input path {rel!r} leaves the report folder",
            where=str(base / "report.json"),
            hint="paths in report.json are relative to it and stay inside its folder",
        )
    return base.joinpath(*pure.parts)


class InputCopier:
    """Copies the files a run read into ``<out_dir>/inputs/<folder>/`` and lists them
    (:class:`InputFile`: path relative to report.json, SHA-256, kind). A file given twice is
    copied once; different files that would share a name get a numbered one. Validation
    reports (:func:`collect_inputs`) and fit/dose reports (``report.mipd``) both use it."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out = Path(out_dir)
        self._placed: dict[str, str] = {}  # relative path → sha256
        self._by_source: dict[Path, str] = {}
        self._files: list[InputFile] = []

    @property
    def files(self) -> tuple[InputFile, ...]:
        return tuple(self._files)

    def put(self, src: Path, folder: str, kind: str) -> str:
        """Copy ``src`` (once) and return its path relative to report.json."""
        source = src.resolve()
        if source in self._by_source:
            return self._by_source[source]
        try:
            data = src.read_bytes()
        except OSError as err:
            raise ValidationDataError(f"cannot read input: {err}", where=str(src)) from err
        digest = sha256_bytes(data)
        stem, suffix = src.stem, src.suffix
        rel = f"{INPUTS_DIR}/{folder}/{src.name}"
        n = 1
        while rel in self._placed and self._placed[rel] != digest:
            n += 1
            rel = f"{INPUTS_DIR}/{folder}/{stem}-{n}{suffix}"
        if rel not in self._placed:
            target = self.out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not (target.exists() and target.resolve() == source):
                shutil.copyfile(src, target)
            self._placed[rel] = digest
            self._files.append(InputFile(rel, digest, kind))
        self._by_source[source] = rel
        return rel


def collect_inputs(
    cases: Sequence[ValidationCase], out_dir: str | Path
) -> tuple[tuple[InputFile, ...], tuple[CaseInputs, ...]]:
    """Copy every case's files into ``out_dir/inputs/`` (cases and their CSVs in ``cases/``,
    each model with its bindings in ``models/<model>/``) and list them with their SHA-256."""
    copier = InputCopier(out_dir)
    put = copier.put
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
                population=put(case.population_spec, folder, "population") if case.trials else "",
            )
        )
    return copier.files, tuple(case_inputs)


def check_inputs(inputs: Sequence[InputFile], base: Path) -> tuple[list[str], set[str]]:
    """(one line per changed input, the relative paths of missing ones) of the copies in the
    report folder ``base``."""
    changed: list[str] = []
    missing: set[str] = set()
    for entry in inputs:
        p = inside(base, entry.path)
        if not p.is_file():
            changed.append(f"{entry.path} ({entry.kind}): missing")
            missing.add(entry.path)
            continue
        digest = sha256_bytes(p.read_bytes())
        if digest != entry.sha256:
            changed.append(
                f"{entry.path} ({entry.kind}): SHA-256 changed "
                f"(was {entry.sha256[:12]}…, now {digest[:12]}…)"
            )
    return changed, missing


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


def write_manifest(manifest: JsonRecord, path: str | Path) -> Path:
    """Write a typed manifest (a validation :class:`Manifest` or a fit/dose report's)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(manifest.to_dict(), indent=1, allow_nan=False), encoding="utf-8")
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
            f"a {data.get('kind')} report, not a validation report",
            where=where,
            hint="export-omex takes a validation report; re-run a fit with 'sbmltwin reproduce'",
        )
    check_schema_version(data, SCHEMA_VERSION, where=where, rerun="sbmltwin validate")
    return read_record(Manifest, data, where=where)


def check_schema_version(data: Mapping[str, Any], expected: int, *, where: str, rerun: str) -> None:
    """Refuse a report.json of another schema version, naming it (``rerun``: the command that
    writes a current one)."""
    version = data.get("schema_version")
    if version != expected:
        older = isinstance(version, int) and not isinstance(version, bool) and version < expected
        raise ValidationDataError(
            f"report schema_version {version!r} is not supported (this sbmltwin reads "
            f"schema_version {expected})",
            where=where,
            hint=f"re-run '{rerun}' with this sbmltwin to write a new report"
            if older
            else "use the sbmltwin version that wrote it",
        )


def read_record(cls: type[R], data: Any, *, where: str) -> R:
    """``cls.from_dict(data)``, naming the report file in the error."""
    try:
        return cls.from_dict(data)
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
