"""Export a validation run as a COMBINE archive (OMEX): SBML, SED-ML, data and the manifest.

The SED-ML (Level 1 Version 3) has one model per study group: the library model with the
group's personalized values (``changeAttribute``) and, for a single dose at t = 0, the dose as
the target's initial amount. Repeated doses and infusions, which SED-ML L1V3 cannot express as
model changes, are listed in the SED-ML notes; sbmltwin applies them when it re-runs the
manifest. The archive is written with :mod:`zipfile`; the manifest follows the OMEX spec.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sbmltwin.errors import ValidationDataError
from sbmltwin.model import load_model
from sbmltwin.report.manifest import read_manifest
from sbmltwin.validate.cases import load_case

__all__ = ["export_omex"]

SEDML_NS = "http://sed-ml.org/sed-ml/level1/version3"
OMEX_NS = "http://identifiers.org/combine.specifications/omex-manifest"
FORMATS = {
    "sbml": "http://identifiers.org/combine.specifications/sbml",
    "sedml": "http://identifiers.org/combine.specifications/sed-ml",
    "csv": "http://purl.org/NET/mediatypes/text/csv",
    "json": "http://purl.org/NET/mediatypes/application/json",
    "html": "http://purl.org/NET/mediatypes/text/html",
    "pdf": "http://purl.org/NET/mediatypes/application/pdf",
    "omex": "http://identifiers.org/combine.specifications/omex",
    "manifest": "http://identifiers.org/combine.specifications/omex-manifest",
}


def _sid(text: str) -> str:
    s = re.sub(r"\W", "_", text)
    return s if re.match(r"[A-Za-z_]", s) else f"_{s}"


def _parse_changes(explain: str) -> dict[str, float]:
    """``sid: old → new unit (reason)`` lines of ParameterSet.explain() → {sid: new}."""
    out = {}
    for line in explain.splitlines():
        m = re.match(r"^(\w+): \S+ → (\S+)", line)
        if m:
            out[m[1]] = float(m[2])
    return out


def _sedml(
    case: Mapping[str, Any], model_file: str, outputs: Mapping[str, str], end_h: float
) -> bytes:
    ET.register_namespace("", SEDML_NS)
    root = ET.Element(f"{{{SEDML_NS}}}sedML", {"level": "1", "version": "3"})
    notes = ET.SubElement(root, f"{{{SEDML_NS}}}notes")
    body = ET.SubElement(notes, "{http://www.w3.org/1999/xhtml}p")
    body.text = (
        f"sbmltwin validation case {case['id']} ({case.get('source', '')}); doses: "
        + "; ".join(case.get("doses", []))
        + ". Doses are applied by sbmltwin (piecewise integration); see report.json."
    )
    sims = ET.SubElement(root, f"{{{SEDML_NS}}}listOfSimulations")
    sim = ET.SubElement(
        sims,
        f"{{{SEDML_NS}}}uniformTimeCourse",
        {
            "id": "sim",
            "initialTime": "0",
            "outputStartTime": "0",
            "outputEndTime": repr(end_h),
            # L1V3 names the number of steps "numberOfPoints" (renamed numberOfSteps in L1V4)
            "numberOfPoints": str(max(1, round(end_h / 0.05))),
        },
    )
    ET.SubElement(sim, f"{{{SEDML_NS}}}algorithm", {"kisaoID": "KISAO:0000019"})  # CVODE
    models = ET.SubElement(root, f"{{{SEDML_NS}}}listOfModels")
    tasks = ET.SubElement(root, f"{{{SEDML_NS}}}listOfTasks")
    gens = ET.SubElement(root, f"{{{SEDML_NS}}}listOfDataGenerators")
    outs = ET.SubElement(root, f"{{{SEDML_NS}}}listOfOutputs")
    report = ET.SubElement(outs, f"{{{SEDML_NS}}}report", {"id": "report"})
    datasets = ET.SubElement(report, f"{{{SEDML_NS}}}listOfDataSets")
    mml = "{http://www.w3.org/1998/Math/MathML}"
    for group in case.get("groups", []):
        gid = _sid(group["name"])
        members = group.get("members") or [
            {
                "class": group["name"],
                "weight": 1.0,
                "parameters": _parse_changes(group.get("explain", "")),
            }
        ]
        task_ids = []
        for j, member in enumerate(members):
            suffix = gid if len(members) == 1 else f"{gid}_{j}"
            model = ET.SubElement(
                models,
                f"{{{SEDML_NS}}}model",
                {
                    "id": f"model_{suffix}",
                    "name": f"{group['name']}: {member['class']}",
                    "language": "urn:sedml:language:sbml",
                    "source": model_file,
                },
            )
            changes = ET.SubElement(model, f"{{{SEDML_NS}}}listOfChanges")
            for sid, value in member["parameters"].items():
                ET.SubElement(
                    changes,
                    f"{{{SEDML_NS}}}changeAttribute",
                    {
                        "target": f"/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='{sid}']/@value",
                        "newValue": repr(float(value)),
                    },
                )
            ET.SubElement(
                tasks,
                f"{{{SEDML_NS}}}task",
                {
                    "id": f"task_{suffix}",
                    "modelReference": f"model_{suffix}",
                    "simulationReference": "sim",
                },
            )
            task_ids.append(f"task_{suffix}")
        for oname, sid in outputs.items():
            dg_id = f"dg_{gid}_{_sid(oname)}"
            dg = ET.SubElement(
                gens,
                f"{{{SEDML_NS}}}dataGenerator",
                {"id": dg_id, "name": f"{group['name']} {oname}"},
            )
            variables = ET.SubElement(dg, f"{{{SEDML_NS}}}listOfVariables")
            plain = sid.strip("[]")
            for j, task_id in enumerate(task_ids):
                ET.SubElement(
                    variables,
                    f"{{{SEDML_NS}}}variable",
                    {
                        "id": f"v{j}",
                        "taskReference": task_id,
                        "target": f"/sbml:sbml/sbml:model/sbml:listOfSpecies/sbml:species[@id='{plain}']",
                    },
                )
            math = ET.SubElement(dg, f"{mml}math")
            if len(task_ids) == 1:
                ET.SubElement(math, f"{mml}ci").text = "v0"
            else:  # mixture: frequency-weighted mean of the members' curves
                apply = ET.SubElement(math, f"{mml}apply")
                ET.SubElement(apply, f"{mml}plus")
                for j, member in enumerate(members):
                    term = ET.SubElement(apply, f"{mml}apply")
                    ET.SubElement(term, f"{mml}times")
                    ET.SubElement(term, f"{mml}cn").text = repr(float(member["weight"]))
                    ET.SubElement(term, f"{mml}ci").text = f"v{j}"
            ET.SubElement(
                datasets,
                f"{{{SEDML_NS}}}dataSet",
                {"id": f"ds_{dg_id}", "label": f"{group['name']} {oname}", "dataReference": dg_id},
            )
    root.set("xmlns:sbml", "http://www.sbml.org/sbml/level3/version2/core")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def export_omex(manifest_path: str | Path, out: str | Path) -> Path:
    """Write a COMBINE archive for the run recorded in ``manifest_path``."""
    manifest_file = Path(manifest_path)
    manifest = read_manifest(manifest_file)
    if manifest.get("kind") in ("fit", "dose"):
        raise ValidationDataError(
            f"a {manifest['kind']} report cannot be exported as OMEX",
            where=str(manifest_file),
            hint="export-omex takes a validation report; re-run a fit with 'sbmltwin reproduce'",
        )
    entries: list[tuple[str, str, bool]] = [
        (".", FORMATS["omex"], False),
        ("./manifest.xml", FORMATS["manifest"], False),
    ]
    files: dict[str, bytes] = {"report.json": json.dumps(manifest, indent=1).encode()}
    entries.append(("./report.json", FORMATS["json"], False))
    for extra, fmt in (("report.html", "html"), ("report.pdf", "pdf")):
        p = manifest_file.parent / extra
        if p.is_file():
            files[extra] = p.read_bytes()
            entries.append((f"./{extra}", FORMATS[fmt], False))
    results = {c["id"]: c for c in manifest["results"]["cases"]}
    first = True
    for case_path in manifest.get("cases", []):
        case = load_case(case_path)
        model_name = f"models/{_sid(case.model)}.xml"
        if model_name not in files and case.model_path is not None:
            files[model_name] = load_model(case.model_path).sbml.encode(
                "utf-8"
            )  # SBML even from Antimony
            entries.append((f"./{model_name}", FORMATS["sbml"], False))
        data_name = f"data/{case.observed.name}"
        files[data_name] = case.observed.read_bytes()
        entries.append((f"./{data_name}", FORMATS["csv"], False))
        from sbmltwin.units import parse_quantity

        end_h = float(parse_quantity(case.end).to("hour").magnitude)
        outputs = {name: ref.id for name, ref in case.outputs.items()}
        sedml_name = f"simulations/{_sid(case.id)}.sedml"
        files[sedml_name] = _sedml(
            results.get(case.id, {"id": case.id}), f"../{model_name}", outputs, end_h
        )
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
