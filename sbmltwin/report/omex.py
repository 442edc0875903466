"""Export a validation report as a COMBINE archive (OMEX) that other SED-ML tools run.

For each case the archive holds an SBML file with the case's regimen written in as SBML
events (:func:`sbmltwin.engine.add_dose_events`; infusions through the inputs
:func:`sbmltwin.engine.add_infusion_inputs` adds) and a SED-ML (Level 1 Version 3) file with:

* one model per twin (one per group, or one per class of a mixture group) whose changes set the
  twin's personalized values on the right element kind: a parameter's ``value``, a
  compartment's ``size``, a species' ``initialAmount`` or ``initialConcentration``; followed
  by the values initial assignments compute from them (:func:`derived_values`, for engines
  that drop initial assignments when they apply changes, as tellurium 2.2 does);
* a uniform time course on sbmltwin's own grid, in the model's time unit, run by CVODE
  (KISAO:0000019) at sbmltwin's tolerances;
* for a case with arms, one simulation, one dosed SBML file (``models/CASE/ARM.xml``), one
  time data generator (``dg_time_ARM``) and one report per arm, and each group's tasks per
  arm (the groups ``GROUP@ARM``);
* per group and output a data generator in the output's unit as the report states it (a
  mixture group: the frequency-weighted mean of its twins' curves), collected in one report.

The archive also carries ``report.json``, the HTML/PDF report and the inputs the report folder
holds (cases, observed data, models, bindings), so ``sbmltwin reproduce run.omex`` re-runs it
from the archive alone. The archive is written with :mod:`zipfile`; the manifest follows the
OMEX specification.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import libsbml

from sbmltwin.engine import add_dose_events, compile_model, prepare_setup, simulate
from sbmltwin.errors import ValidationDataError
from sbmltwin.model import Model, load_model
from sbmltwin.personalize import load_bindings
from sbmltwin.report.manifest import (
    Manifest,
    inside,
    is_mipd_report,
    load_report_json,
    parse_manifest,
)
from sbmltwin.validate.cases import INTEGRATOR, Arm, ValidationCase
from sbmltwin.validate.results import GroupResult, ValidationCaseResult
from sbmltwin.validate.run import case_grid, case_regimen

__all__ = ["FORMATS", "case_sbml", "derived_values", "export_omex", "sedml_for_case"]

SEDML_NS = "http://sed-ml.org/sed-ml/level1/version3"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
OMEX_NS = "http://identifiers.org/combine.specifications/omex-manifest"
KISAO_CVODE = "KISAO:0000019"
KISAO_RTOL = "KISAO:0000209"
KISAO_ATOL = "KISAO:0000211"
FORMATS = {
    "sbml": "http://identifiers.org/combine.specifications/sbml",
    "sedml": "http://identifiers.org/combine.specifications/sed-ml",
    "csv": "http://purl.org/NET/mediatypes/text/csv",
    "json": "http://purl.org/NET/mediatypes/application/json",
    "toml": "http://purl.org/NET/mediatypes/application/toml",
    "text": "http://purl.org/NET/mediatypes/text/plain",
    "html": "http://purl.org/NET/mediatypes/text/html",
    "pdf": "http://purl.org/NET/mediatypes/application/pdf",
    "omex": "http://identifiers.org/combine.specifications/omex",
    "manifest": "http://identifiers.org/combine.specifications/omex-manifest",
}
DERIVED_NOTE = (
    " Values that initial assignments compute from the changes above. Per SBML the initial "
    "assignments override these attributes, so a conforming engine gets the same numbers "
    "without them. They are for tellurium 2.2, which reloads a changed model from "
    "getCurrentSBML() (dropping initial assignments, freezing their old values) and applies "
    "changes last to first, dropping each target's initial assignment at its first change: "
    "so each value is listed twice. "
)
_INPUT_FORMATS = {".xml": "sbml", ".sbml": "sbml", ".csv": "csv", ".toml": "toml"}


def _sid(text: str) -> str:
    s = re.sub(r"\W", "_", text)
    return s if re.match(r"[A-Za-z_]", s) else f"_{s}"


def _e(parent: ET.Element, tag: str, attrs: Mapping[str, str] | None = None) -> ET.Element:
    return ET.SubElement(parent, f"{{{SEDML_NS}}}{tag}", dict(attrs or {}))


def case_sbml(case: ValidationCase, arm: Arm | None = None) -> tuple[Model, Model]:
    """(the case's model as sbmltwin loads it, the same model with the case's regimen — or
    ``arm``'s — written in as SBML events and any infusion inputs added)."""
    model = load_model(case.model_path or "")
    run = prepare_setup(
        model,
        case_regimen(case, arm),
        bindings=load_bindings(case.bindings_path or ""),
        where=f"{case.path} [arms.{arm.name}]" if arm else f"{case.path} [regimen]",
    )
    return model, add_dose_events(run.model, run.events)


def _change_target(model: Model, doc: libsbml.Model, sid: str, value: float) -> tuple[str, float]:
    """(XPath of the attribute that holds ``sid``'s initial value, the value it takes): sbmltwin
    values are amounts for species, so a species declared by its initial concentration gets
    amount / compartment size."""
    base = "/sbml:sbml/sbml:model"
    kind = model.kind_of(sid)
    if kind == "parameter":
        return f"{base}/sbml:listOfParameters/sbml:parameter[@id='{sid}']/@value", value
    if kind == "compartment":
        return f"{base}/sbml:listOfCompartments/sbml:compartment[@id='{sid}']/@size", value
    if kind == "species":
        species = doc.getSpecies(sid)
        path = f"{base}/sbml:listOfSpecies/sbml:species[@id='{sid}']"
        if species.isSetInitialConcentration():
            comp = doc.getCompartment(species.getCompartment())
            if doc.getInitialAssignment(comp.getId()) is not None or not comp.isSetSize():
                raise ValidationDataError(
                    f"cannot export a value for species '{sid}': it is given as a concentration "
                    f"and its compartment '{comp.getId()}' has no fixed size",
                    where=model.source,
                )
            return f"{path}/@initialConcentration", value / comp.getSize()
        return f"{path}/@initialAmount", value
    raise ValidationDataError(
        f"'{sid}' ({kind}) cannot be set by a SED-ML change", where=model.source
    )


def _output_variables(
    model: Model, doc: libsbml.Model, sid: str, task: str, prefix: str
) -> tuple[list[dict[str, str]], list[str]]:
    """SED-ML variables for output ``sid`` of one task, and the ids whose product is its value:
    ``[S]`` → the species (a concentration); ``S`` (species amount) → species × compartment;
    a parameter or compartment → itself."""
    base = "/sbml:sbml/sbml:model"
    plain = sid[1:-1] if sid.startswith("[") and sid.endswith("]") else sid
    kind = model.kind_of(plain)
    species_path = f"{base}/sbml:listOfSpecies/sbml:species[@id='{plain}']"
    if kind == "species":
        variables = [{"id": f"{prefix}_c", "taskReference": task, "target": species_path}]
        if sid.startswith("["):
            return variables, [f"{prefix}_c"]
        comp = doc.getSpecies(plain).getCompartment()
        variables.append(
            {
                "id": f"{prefix}_v",
                "taskReference": task,
                "target": f"{base}/sbml:listOfCompartments/sbml:compartment[@id='{comp}']",
            }
        )
        return variables, [f"{prefix}_c", f"{prefix}_v"]
    if kind == "parameter":
        target = f"{base}/sbml:listOfParameters/sbml:parameter[@id='{plain}']"
    elif kind == "compartment":
        target = f"{base}/sbml:listOfCompartments/sbml:compartment[@id='{plain}']"
    else:
        raise ValidationDataError(f"output '{sid}' ({kind}) cannot be exported to SED-ML")
    return [{"id": prefix, "taskReference": task, "target": target}], [prefix]


def _math_product(parent: ET.Element, weight: float | None, ids: Sequence[str]) -> None:
    m = f"{{{MATHML_NS}}}"
    if weight is None and len(ids) == 1:
        ET.SubElement(parent, f"{m}ci").text = ids[0]
        return
    apply = ET.SubElement(parent, f"{m}apply")
    ET.SubElement(apply, f"{m}times")
    if weight is not None:
        ET.SubElement(apply, f"{m}cn").text = repr(float(weight))
    for i in ids:
        ET.SubElement(apply, f"{m}ci").text = i


def _math_geometric_mean(parent: ET.Element, k: float, terms: Sequence[Sequence[str]]) -> None:
    """k · exp(Σ ln(term) / n): a virtual trial's pointwise geometric mean (its predicted
    curve, :mod:`sbmltwin.validate.trial`)."""
    m = f"{{{MATHML_NS}}}"
    outer = ET.SubElement(parent, f"{m}apply")
    ET.SubElement(outer, f"{m}times")
    ET.SubElement(outer, f"{m}cn").text = repr(float(k))
    exp = ET.SubElement(outer, f"{m}apply")
    ET.SubElement(exp, f"{m}exp")
    mean = ET.SubElement(exp, f"{m}apply")
    ET.SubElement(mean, f"{m}times")
    ET.SubElement(mean, f"{m}cn").text = repr(1.0 / len(terms))
    total = ET.SubElement(mean, f"{m}apply")
    ET.SubElement(total, f"{m}plus")
    for ids in terms:
        log = ET.SubElement(total, f"{m}apply")
        ET.SubElement(log, f"{m}ln")
        _math_product(log, None, ids)


def derived_values(model: Model, values: Mapping[str, float]) -> dict[str, float]:
    """The parameters and compartments that initial assignments compute, as they come out with
    ``values`` set, where they differ from the model's own (e.g. organ volumes from body
    weight). Exported as explicit changes too (see ``DERIVED_NOTE``): a conforming engine
    recomputes them anyway, as an initial assignment overrides the attribute, but tellurium 2.2
    reloads a changed model from ``getCurrentSBML()``, which drops initial assignments and
    keeps their values from before the change."""
    ids = [
        e.sid
        for e in model.elements
        if e.computed_by == "initial assignment" and e.kind in ("compartment", "parameter")
    ]
    if not ids or not values:
        return {}
    compiled = compile_model(model)
    base = simulate(compiled, {}, (), end=1.0, points=2, outputs=ids).frame.iloc[0]
    new = simulate(compiled, dict(values), (), end=1.0, points=2, outputs=ids).frame.iloc[0]
    return {
        sid: float(new[sid])
        for sid in ids
        if abs(float(new[sid]) - float(base[sid])) > 1e-15 * abs(float(base[sid]))
    }


def _group_models(
    group: GroupResult,
    model: Model,
    doc: libsbml.Model,
    model_file: str,
    models: ET.Element,
    tasks: ET.Element,
    sim: str = "sim",
    arm_suffix: str = "",
) -> list[str]:
    task_ids = []
    for j, member in enumerate(group.members):
        suffix = _sid(group.name) if len(group.members) == 1 else f"{_sid(group.name)}_{j}"
        suffix += arm_suffix
        el = _e(
            models,
            "model",
            {
                "id": f"model_{suffix}",
                "name": f"{group.name}: {member.label}",
                "language": "urn:sedml:language:sbml",
                "source": model_file,
            },
        )
        changes = _e(el, "listOfChanges")
        for sid, value in sorted(member.parameters.items()):
            target, new = _change_target(model, doc, sid, float(value))
            _e(changes, "changeAttribute", {"target": target, "newValue": repr(float(new))})
        derived = derived_values(model, member.parameters)
        if derived:
            changes.append(ET.Comment(DERIVED_NOTE))
        for _ in range(2):
            for sid, value in sorted(derived.items()):
                target, new = _change_target(model, doc, sid, value)
                _e(changes, "changeAttribute", {"target": target, "newValue": repr(float(new))})
        _e(
            tasks,
            "task",
            {
                "id": f"task_{suffix}",
                "modelReference": f"model_{suffix}",
                "simulationReference": sim,
            },
        )
        task_ids.append(f"task_{suffix}")
    return task_ids


def sedml_for_case(
    case: ValidationCase,
    result: ValidationCaseResult,
    model: Model,
    model_file: str,
    arms: Mapping[str, tuple[Model, str]] | None = None,
) -> bytes:
    """The SED-ML (L1V3) of one case: ``model`` is the dosed SBML at ``model_file`` (relative
    to the SED-ML file). A case with arms gives ``arms``: each arm's dosed SBML and its file;
    each arm gets its own simulation, tasks, time data generator and report."""
    ET.register_namespace("", SEDML_NS)
    ET.register_namespace("math", MATHML_NS)
    parts: list[tuple[Arm | None, Model, str]] = (
        [(a, *arms[a.name]) for a in case.arms]
        if case.arms and arms
        else [(None, model, model_file)]
    )
    tunit = model.time_unit.text
    root = ET.Element(f"{{{SEDML_NS}}}sedML", {"level": "1", "version": "3"})
    root.set("xmlns:sbml", libsbml.SBMLNamespaces(model.level, model.version).getURI())
    notes = _e(root, "notes")
    doses = (
        "; ".join(f"arm {a.name}: {', '.join(a.doses)}" for a in case.arms)
        if case.arms
        else "; ".join(case.doses)
    )
    ET.SubElement(notes, "{http://www.w3.org/1999/xhtml}p").text = (
        f"sbmltwin validation case {case.id} ({case.source}); doses: {doses} "
        f"(written into the SBML as events); times in {tunit}."
    )
    sims = _e(root, "listOfSimulations")
    models = _e(root, "listOfModels")
    tasks = _e(root, "listOfTasks")
    gens = _e(root, "listOfDataGenerators")
    outputs = _e(root, "listOfOutputs")
    for k, (arm, part_model, part_file) in enumerate(parts):
        # arm k's ids carry "_armK" (an arm's name need not be an SId)
        tag = f"_arm{k}" if arm else ""
        _sedml_part(
            case, result, arm, part_model, part_file, tag, sims, models, tasks, gens, outputs
        )
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _sedml_part(
    case: ValidationCase,
    result: ValidationCaseResult,
    arm: Arm | None,
    model: Model,
    model_file: str,
    tag: str,
    sims: ET.Element,
    models: ET.Element,
    tasks: ET.Element,
    gens: ET.Element,
    outputs: ET.Element,
) -> None:
    """The simulation, models, tasks, data generators and report of the case's regimen (or of
    one arm: ids end in ``tag``)."""
    sbml_doc = model.document()  # keep the document alive while its model is used
    doc = sbml_doc.getModel()
    end, points = case_grid(case, model, arm)
    tunit = model.time_unit.text
    sim_id = f"sim{tag}"
    sim = _e(
        sims,
        "uniformTimeCourse",
        {
            "id": sim_id,
            "name": f"{f'arm {arm.name}: ' if arm else ''}0 to {end!r} {tunit}, {points} points",
            "initialTime": "0",
            "outputStartTime": "0",
            "outputEndTime": repr(end),
            # L1V3 names the number of steps "numberOfPoints" (renamed numberOfSteps in L1V4)
            "numberOfPoints": str(points - 1),
        },
    )
    algorithm = _e(sim, "algorithm", {"kisaoID": KISAO_CVODE})
    params = _e(algorithm, "listOfAlgorithmParameters")
    _e(
        params,
        "algorithmParameter",
        {"kisaoID": KISAO_RTOL, "value": repr(INTEGRATOR.relative_tolerance)},
    )
    _e(
        params,
        "algorithmParameter",
        {"kisaoID": KISAO_ATOL, "value": repr(INTEGRATOR.absolute_tolerance)},
    )
    report = _e(
        outputs,
        "report",
        {"id": f"report{tag}", "name": f"{case.id}@{arm.name}" if arm else case.id},
    )
    datasets = _e(report, "listOfDataSets")
    groups = [g for g in result.groups if g.arm == (arm.name if arm else None)]
    group_tasks = {
        g.name: _group_models(g, model, doc, model_file, models, tasks, sim_id, tag) for g in groups
    }
    first_task = next(iter(group_tasks.values()))[0]
    time_dg = _e(gens, "dataGenerator", {"id": f"dg_time{tag}", "name": f"time [{tunit}]"})
    _e(
        _e(time_dg, "listOfVariables"),
        "variable",
        {"id": "t", "taskReference": first_task, "symbol": "urn:sedml:symbol:time"},
    )
    ET.SubElement(ET.SubElement(time_dg, f"{{{MATHML_NS}}}math"), f"{{{MATHML_NS}}}ci").text = "t"
    _e(
        datasets,
        "dataSet",
        {"id": f"ds_time{tag}", "label": f"time [{tunit}]", "dataReference": f"dg_time{tag}"},
    )
    for group in groups:
        task_ids = group_tasks[group.name]
        for out in group.outputs:
            dg_id = f"dg_{_sid(group.name)}_{_sid(out.output)}{tag}"
            label = f"{group.name} {out.output} [{out.unit}]"
            dg = _e(gens, "dataGenerator", {"id": dg_id, "name": label})
            variables = _e(dg, "listOfVariables")
            terms = []
            for j, task_id in enumerate(task_ids):
                vs, ids = _output_variables(model, doc, out.sid, task_id, f"v{j}")
                for v in vs:
                    _e(variables, "variable", v)
                terms.append(ids)
            math = ET.SubElement(dg, f"{{{MATHML_NS}}}math")
            k = out.unit_factor  # model unit → the unit the report states
            if group.trial is not None:  # a virtual trial: the twins' geometric mean
                _math_geometric_mean(math, k, terms)
            elif len(terms) == 1:
                _math_product(math, None if k == 1.0 else k, terms[0])
            else:  # mixture: frequency-weighted mean of the twins' curves
                total = ET.SubElement(math, f"{{{MATHML_NS}}}apply")
                ET.SubElement(total, f"{{{MATHML_NS}}}plus")
                for member, ids in zip(group.members, terms, strict=True):
                    _math_product(total, member.weight * k, ids)
            _e(datasets, "dataSet", {"id": f"ds_{dg_id}", "label": label, "dataReference": dg_id})


def _archive_entries(
    manifest: Manifest, base: Path
) -> tuple[dict[str, bytes], list[tuple[str, str, bool]]]:
    files: dict[str, bytes] = {"report.json": (base / "report.json").read_bytes()}
    entries = [("./report.json", FORMATS["json"], False)]
    for extra, fmt in (("report.html", "html"), ("report.pdf", "pdf")):
        p = base / extra
        if p.is_file():
            files[extra] = p.read_bytes()
            entries.append((f"./{extra}", FORMATS[fmt], False))
    for item in manifest.inputs:
        p = inside(base, item.path)
        if not p.is_file():
            raise ValidationDataError(
                f"input {item.path} is missing from the report folder",
                where=str(base / "report.json"),
                hint="re-run 'sbmltwin validate' to write a complete report folder",
            )
        files[item.path] = p.read_bytes()
        entries.append((f"./{item.path}", FORMATS[_INPUT_FORMATS.get(p.suffix, "text")], False))
    return files, entries


def export_omex(manifest_path: str | Path, out: str | Path) -> Path:
    """Write a COMBINE archive for the run recorded in ``manifest_path`` (its report folder)."""
    manifest_file = Path(manifest_path)
    raw = load_report_json(manifest_file)
    if is_mipd_report(raw):
        raise ValidationDataError(
            f"a {raw.get('kind')} report cannot be exported as OMEX",
            where=str(manifest_file),
            hint="export-omex takes a validation report; re-run a fit with 'sbmltwin reproduce'",
        )
    manifest = parse_manifest(raw, where=str(manifest_file))
    base = manifest_file.resolve().parent
    files, entries = _archive_entries(manifest, base)
    entries[:0] = [(".", FORMATS["omex"], False), ("./manifest.xml", FORMATS["manifest"], False)]
    results = {c.id: c for c in manifest.results.cases}
    first = True
    for inputs in manifest.cases:
        result = results.get(inputs.id)
        if result is None:
            continue
        case = inputs.load(base)
        arm_models: dict[str, tuple[Model, str]] = {}
        for arm in case.arms:  # one dosed model per arm
            _, arm_dosed = case_sbml(case, arm)
            name = f"models/{_sid(case.id)}/{_sid(arm.name)}.xml"
            files[name] = arm_dosed.sbml.encode("utf-8")
            entries.append((f"./{name}", FORMATS["sbml"], False))
            arm_models[arm.name] = (arm_dosed, f"../{name}")
        if case.arms:
            dosed, model_name = next(iter(arm_models.values()))
        else:
            _, dosed = case_sbml(case)
            model_name = f"models/{_sid(case.id)}.xml"
            files[model_name] = dosed.sbml.encode("utf-8")
            entries.append((f"./{model_name}", FORMATS["sbml"], False))
            model_name = f"../{model_name}"
        sedml_name = f"simulations/{_sid(case.id)}.sedml"
        files[sedml_name] = sedml_for_case(case, result, dosed, model_name, arm_models)
        entries.append((f"./{sedml_name}", FORMATS["sedml"], first))
        first = False
    ET.register_namespace("", OMEX_NS)
    root = ET.Element(f"{{{OMEX_NS}}}omexManifest")
    for location, fmt, master in entries:
        attrs = {"location": location, "format": fmt}
        if master:
            attrs["master"] = "true"
        ET.SubElement(root, f"{{{OMEX_NS}}}content", attrs)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.xml", ET.tostring(root, encoding="utf-8", xml_declaration=True))
        for name, data in files.items():
            archive.writestr(name, data)
    return target
