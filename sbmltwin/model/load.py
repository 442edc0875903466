"""Load SBML (L2/L3), Antimony and COMBINE/OMEX into an immutable :class:`Model`.

Files and strings have separate entry points (:func:`load_model`, :func:`parse_model`). Every
input is screened by :mod:`sbmltwin.model._safety` before any C++ library parses it.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Literal

import libsbml

from sbmltwin.errors import Issue, ModelLoadError, Severity
from sbmltwin.model._crashers import screen_known_crashers
from sbmltwin.model._imports import has_imports, inline_imports
from sbmltwin.model._safety import (
    DEFAULT_LIMITS,
    Limits,
    decode_text,
    read_zip_member,
    screen_antimony,
    screen_xml,
)
from sbmltwin.model.types import Element, Model, SpeciesInfo
from sbmltwin.model.units import divide, model_default_units, unit_from_reference
from sbmltwin.provenance import sha256_text
from sbmltwin.units import DIMENSIONLESS, ModelUnit

__all__ = ["load_model", "parse_model"]

Format = Literal["auto", "sbml", "antimony", "omex"]

_SUFFIXES: dict[str, Format] = {
    ".xml": "sbml",
    ".sbml": "sbml",
    ".ant": "antimony",
    ".antimony": "antimony",
    ".txt": "antimony",
    ".omex": "omex",
    ".zip": "omex",
}
_OMEX_NS = "{http://identifiers.org/combine.specifications/omex-manifest}"


def load_model(
    path: str | Path,
    *,
    fmt: Format = "auto",
    limits: Limits = DEFAULT_LIMITS,
    allow_imports: bool = False,
) -> Model:
    """Read a model file: SBML, Antimony, or the master SBML file of a COMBINE/OMEX archive.

    With ``fmt="auto"`` the suffix decides (``.xml/.sbml``, ``.ant/.antimony/.txt``,
    ``.omex/.zip``); an unknown suffix is decided by the first bytes (``PK`` → archive,
    ``<`` → SBML, otherwise Antimony). Antimony ``import`` statements are refused unless
    ``allow_imports`` (then only files inside the model's folder; see ``model/_imports.py``).
    """
    p = Path(path)
    where = str(p)
    if not p.exists():
        raise ModelLoadError("no such file", where=where, hint="check the path")
    if not p.is_file():
        raise ModelLoadError("not a regular file", where=where, hint="give a model file")
    try:
        size = p.stat().st_size
        if size > limits.max_bytes:
            raise ModelLoadError(
                f"file is {size / 2**20:.0f} MiB, "
                f"above the {limits.max_bytes / 2**20:.0f} MiB limit",
                where=where,
            )
        data = p.read_bytes()
    except OSError as err:
        raise ModelLoadError(f"cannot read file: {err.strerror}", where=where) from err
    kind = fmt if fmt != "auto" else _SUFFIXES.get(p.suffix.lower()) or _sniff(data)
    if kind == "omex":
        return _load_omex(data, where=where, limits=limits)
    text = decode_text(data, where=where, limits=limits)
    return parse_model(
        text,
        fmt="antimony" if kind == "antimony" else "sbml",
        source=where,
        limits=limits,
        import_folder=p.parent if allow_imports else None,
    )


def parse_model(
    text: str,
    *,
    fmt: Literal["sbml", "antimony"],
    source: str = "<string>",
    limits: Limits = DEFAULT_LIMITS,
    import_folder: Path | None = None,
) -> Model:
    """Build a :class:`Model` from SBML or Antimony text. Antimony imports are refused unless
    ``import_folder`` is given (then only files inside it are read)."""
    if not text.strip():
        raise ModelLoadError("model text is empty", where=source)
    if fmt == "antimony":
        screen_antimony(text, where=source, limits=limits)
        imports = has_imports(text)
        if imports:
            text = inline_imports(text, where=source, base=import_folder, limits=limits)
        sbml = _antimony_to_sbml(text, where=source, quote=not imports)
    elif fmt == "sbml":
        sbml = text
    else:
        raise ModelLoadError(
            f"unknown model format {fmt!r}", where=source, hint="use sbml or antimony"
        )
    screen_xml(sbml, where=source, limits=limits, root="sbml")
    doc = _read_sbml(sbml, where=source)
    screen_known_crashers(doc, where=source)
    if doc.isPackageEnabled("comp") and doc.getPackageRequired("comp"):
        sbml = _flatten_comp(doc, source=source, limits=limits)
        doc = _read_sbml(sbml, where=source)
        screen_known_crashers(doc, where=source)
    return _build_model(doc, sbml, source=source, fmt=fmt)


def _sniff(data: bytes) -> Format:
    if data.startswith(b"PK\x03\x04"):
        return "omex"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "sbml" if head == b"<" else "antimony"


def _antimony_to_sbml(text: str, *, where: str, quote: bool = True) -> str:
    """The only place that touches Antimony's process-global state. With ``quote=False``
    (imports were inlined) Antimony's message, which may quote an imported file, is not shown;
    only its line number is."""
    import antimony

    antimony.clearPreviousLoads()
    try:
        if antimony.loadAntimonyString(text) < 0:
            message = " ".join(_antimony_error(antimony).split())
            if not quote:
                line = re.search(r"line (\d+)", message)
                message = "the model or a file it imports cannot be read" + (
                    f" (line {line.group(1)} of the text with its imports inlined)" if line else ""
                )
            raise ModelLoadError(
                f"Antimony error: {message[:400]}",
                where=where,
                hint="fix the Antimony text at the line named",
            )
        module = antimony.getMainModuleName()
        sbml = antimony.getSBMLString(module) if module else ""
        if not sbml:
            raise ModelLoadError("Antimony text defines no model", where=where)
        return str(sbml)
    finally:
        antimony.clearPreviousLoads()


def _antimony_error(antimony: Any) -> str:
    try:
        return str(antimony.getLastError() or "unknown Antimony error")
    except UnicodeDecodeError:
        # Antimony can cut its message inside a multi-byte character (found by the fuzz test)
        return "Antimony could not parse the text (its error message was not valid UTF-8)"


def _read_sbml(sbml: str, *, where: str) -> Any:
    doc = libsbml.readSBMLFromString(sbml)
    issues = _issues(doc, min_severity=libsbml.LIBSBML_SEV_ERROR)
    if issues:
        first = issues[0]
        line = f" (line {first.line})" if first.line else ""
        raise ModelLoadError(
            f"invalid SBML{line}: {first.message}"
            + (f" (+{len(issues) - 1} more)" if len(issues) > 1 else ""),
            where=where,
            hint="run 'sbmltwin check' for the full list",
            issues=issues,
        )
    if doc.getModel() is None:
        raise ModelLoadError("document has no <model> element", where=where, hint="is this SBML?")
    return doc


def _flatten_comp(doc: Any, *, source: str, limits: Limits) -> str:
    """Flatten hierarchical (comp) models, as libroadrunner would, so ids are the simulated ones.

    External model definitions may only name files beside the model (no URLs, no ``..``); each
    is screened like any other input before libsbml reads it.
    """
    base = Path(source).parent if Path(source).is_file() else None
    comp = doc.getPlugin("comp")
    for i in range(comp.getNumExternalModelDefinitions()):
        ext = comp.getExternalModelDefinition(i)
        ref = ext.getSource()
        if (
            base is None
            or "://" in ref.replace("file://", "")
            or ".." in Path(ref).parts
            or Path(ref).is_absolute()
        ):
            raise ModelLoadError(
                f"external model definition '{ext.getId()}' refers to {ref!r}",
                where=source,
                hint="external models must be files beside the model file",
            )
        ext_path = base / ref.removeprefix("file://")
        if not ext_path.is_file():
            raise ModelLoadError(f"external model file {ref!r} not found", where=source)
        screen_xml(
            decode_text(ext_path.read_bytes(), where=str(ext_path), limits=limits),
            where=str(ext_path),
            limits=limits,
        )
    if base is not None:
        doc.setLocationURI(base.resolve().as_uri() + "/")
    props = libsbml.ConversionProperties()
    props.addOption("flatten comp", True)
    props.addOption("leave_ports", False)
    code = doc.convert(props)
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        issues = _issues(doc, min_severity=libsbml.LIBSBML_SEV_ERROR)
        detail = issues[0].message if issues else libsbml.OperationReturnValue_toString(code)
        raise ModelLoadError(
            f"cannot flatten the hierarchical (comp) model: {detail}", where=source, issues=issues
        )
    return str(libsbml.writeSBMLToString(doc))


_SEVERITY = {
    libsbml.LIBSBML_SEV_INFO: Severity.INFO,
    libsbml.LIBSBML_SEV_WARNING: Severity.WARNING,
    libsbml.LIBSBML_SEV_ERROR: Severity.ERROR,
    libsbml.LIBSBML_SEV_FATAL: Severity.ERROR,
}


def _issues(doc: Any, *, min_severity: int = libsbml.LIBSBML_SEV_INFO) -> tuple[Issue, ...]:
    """libsbml's error log as :class:`Issue` tuples (messages folded onto one line)."""
    out = []
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        if err.getSeverity() < min_severity:
            continue
        out.append(
            Issue(
                severity=_SEVERITY.get(err.getSeverity(), Severity.ERROR),
                category=err.getCategoryAsString(),
                code=str(err.getErrorId()),
                message=_message(err),
                line=err.getLine() or None,
            )
        )
    return tuple(out)


def _message(err: Any) -> str:
    """libsbml's specific sentence after its generic rule text, or the folded whole message."""
    text = str(err.getMessage())
    if "Reference:" in text:
        specific = text.split("Reference:", 1)[1].split("\n", 1)[-1]
        if specific.strip():
            return f"{err.getShortMessage()}: {' '.join(specific.split())}"
    return " ".join(text.split())


def _load_omex(data: bytes, *, where: str, limits: Limits) -> Model:
    manifest_bytes = read_zip_member(data, "manifest.xml", where=where, limits=limits)
    manifest = decode_text(manifest_bytes, where=f"{where}!manifest.xml", limits=limits)
    screen_xml(manifest, where=f"{where}!manifest.xml", limits=limits)
    root = ET.fromstring(manifest)  # noqa: S314  (screened above)
    sbml_entries = [
        c
        for c in root.iter(f"{_OMEX_NS}content")
        if "sbml" in (c.get("format") or "").lower() and c.get("location")
    ]
    if not sbml_entries:
        raise ModelLoadError(
            "archive manifest lists no SBML file", where=where, hint="is this a COMBINE archive?"
        )
    masters = [c for c in sbml_entries if (c.get("master") or "").lower() == "true"]
    location = str((masters or sbml_entries)[0].get("location"))
    member_where = f"{where}!{location.removeprefix('./')}"
    text = decode_text(
        read_zip_member(data, location, where=where, limits=limits), where=member_where
    )
    model = parse_model(text, fmt="sbml", source=member_where, limits=limits)
    return model


def _formula(math_ast: Any) -> str:
    if math_ast is None:
        return ""
    return str(libsbml.formulaToL3String(math_ast))


def _value(x: float) -> float | None:
    return float(x) if not math.isnan(x) else None


def _build_model(doc: Any, sbml: str, *, source: str, fmt: str) -> Model:
    m = doc.getModel()
    defaults = model_default_units(m)
    units: dict[str, ModelUnit] = {k: v for k, v in defaults.items()}
    conc_units: dict[str, ModelUnit] = {}
    elements: list[Element] = []
    species: dict[str, SpeciesInfo] = {}

    for c in m.getListOfCompartments():
        dims = c.getSpatialDimensionsAsDouble() if c.isSetSpatialDimensions() else 3.0
        if c.isSetUnits():
            unit = unit_from_reference(m, c.getUnits())
        elif dims == 0:
            unit = DIMENSIONLESS
        else:
            unit = defaults.get(
                {1.0: "length", 2.0: "area"}.get(dims, "volume"), ModelUnit.undeclared()
            )
        units[c.getId()] = unit
        size = c.getSize() if c.isSetSize() else math.nan
        elements.append(Element("compartment", c.getId(), c.getName(), _value(size), unit.text))

    for s in m.getListOfSpecies():
        sid = s.getId()
        amount = (
            unit_from_reference(m, s.getSubstanceUnits())
            if s.isSetSubstanceUnits()
            else defaults["substance"]
        )
        size_unit = units.get(s.getCompartment(), ModelUnit.undeclared())
        conc = divide(amount, size_unit)
        units[sid] = amount
        conc_units[sid] = conc
        species[sid] = SpeciesInfo(
            compartment=s.getCompartment(),
            has_only_substance_units=bool(s.getHasOnlySubstanceUnits()),
            boundary_condition=bool(s.getBoundaryCondition()),
            constant=bool(s.getConstant()),
        )
        if s.isSetInitialConcentration():
            value, unit_text, how = s.getInitialConcentration(), conc.text, "initial concentration"
        else:
            value, unit_text, how = s.getInitialAmount(), amount.text, "initial amount"
        flags = [f"in {s.getCompartment()}", how]
        if s.getHasOnlySubstanceUnits():
            flags.append("amount-only")
        if s.getBoundaryCondition():
            flags.append("boundary")
        elements.append(
            Element("species", sid, s.getName(), _value(value), unit_text, ", ".join(flags))
        )

    for p in m.getListOfParameters():
        unit = unit_from_reference(m, p.getUnits()) if p.isSetUnits() else ModelUnit.undeclared()
        units[p.getId()] = unit
        value = p.getValue() if p.isSetValue() else math.nan
        detail = "constant" if p.getConstant() else "variable"
        elements.append(
            Element("parameter", p.getId(), p.getName(), _value(value), unit.text, detail)
        )

    time_text = defaults["time"].text
    for r in m.getListOfReactions():
        law = r.getKineticLaw()
        formula = _formula(law.getMath()) if law is not None and law.isSetMath() else ""
        rate_unit = divide(defaults["extent"], defaults["time"]).text
        elements.append(Element("reaction", r.getId(), r.getName(), None, rate_unit, formula))

    for rule in m.getListOfRules():
        kind = "algebraic" if rule.isAlgebraic() else ("rate" if rule.isRate() else "assignment")
        variable = rule.getVariable() if not rule.isAlgebraic() else ""
        lhs = f"d{variable}/dt" if kind == "rate" else (variable or "0")
        elements.append(
            Element("rule", variable, kind, None, "", f"{lhs} = {_formula(rule.getMath())}")
        )
    for ia in m.getListOfInitialAssignments():
        elements.append(
            Element("initial_assignment", ia.getSymbol(), "", None, "", _formula(ia.getMath()))
        )
    for ev in m.getListOfEvents():
        trigger = ev.getTrigger()
        cond = _formula(trigger.getMath()) if trigger is not None and trigger.isSetMath() else ""
        targets = ", ".join(a.getVariable() for a in ev.getListOfEventAssignments())
        elements.append(
            Element("event", ev.getId(), ev.getName(), None, time_text, f"when {cond}: {targets}")
        )
    for fd in m.getListOfFunctionDefinitions():
        elements.append(
            Element("function", fd.getId(), fd.getName(), None, "", _formula(fd.getMath()))
        )

    computed = {ia.getSymbol(): "initial assignment" for ia in m.getListOfInitialAssignments()}
    computed |= {r.getVariable(): "assignment rule" for r in m.getListOfRules() if r.isAssignment()}
    computed |= {r.getVariable(): "rate rule" for r in m.getListOfRules() if r.isRate()}
    elements = [
        Element(
            e.kind,
            e.sid,
            e.name,
            e.value,
            e.unit,
            ", ".join(filter(None, [e.detail, f"set by {computed[e.sid]}"])),
            computed[e.sid],
        )
        if e.kind in ("compartment", "species", "parameter") and e.sid in computed
        else e
        for e in elements
    ]
    return Model(
        sbml=sbml,
        sha256=sha256_text(sbml),
        source=source,
        fmt=fmt,
        level=int(doc.getLevel()),
        version=int(doc.getVersion()),
        model_id=m.getId(),
        elements=tuple(elements),
        units=units,
        species=species,
        concentration_units=conc_units,
    )
