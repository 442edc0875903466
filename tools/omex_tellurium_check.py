"""Run an sbmltwin COMBINE archive with tellurium, an independent SED-ML engine, and compare.

    python tools/omex_tellurium_check.py run.omex [--cases Qiu2016,Gorski2004] [--json out.json]

tellurium (``tellurium.executeCombineArchive``) executes the archive's SED-ML files (all, or
those of the chosen cases: a copy of the archive whose manifest lists only them). Every data
generator is compared, at every output time, with the predicted curve sbmltwin stored in the
archive's report.json for the same case, group and output. Printed per curve: the largest
relative difference |te − sbmltwin| / |sbmltwin| over the points where |sbmltwin| is at least
1e-6 of the curve's maximum (below that both are integration noise near an absorption onset),
and the largest difference scaled by the curve's maximum over all points. The summary line
gives the worst of each; ``--json`` writes every curve's figures.

tellurium is imported here, in its own process: it sets a matplotlib backend and global
state at import, which must not leak into sbmltwin's tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

SEDML_NS = "{http://sed-ml.org/sed-ml/level1/version3}"
FLOOR = 1e-6  # relative to the curve's maximum: where relative differences are measured


def _subset(archive: Path, cases: set[str] | None, out: Path) -> None:
    """Copy ``archive`` to ``out`` with only the SED-ML files of ``cases`` in its manifest."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        root = ET.fromstring(src.read("manifest.xml"))
        for content in list(root):
            loc = content.get("location", "")
            if loc.endswith(".sedml") and cases is not None and Path(loc).stem not in cases:
                root.remove(content)
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "manifest.xml":
                data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
            dst.writestr(info.filename, data)


def compare(archive: Path, cases: set[str] | None) -> list[dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tellurium as te

    with zipfile.ZipFile(archive) as z:
        report = json.loads(z.read("report.json"))
        # data generator ids by their names ("GROUP OUTPUT [unit]"), per SED-ML file
        names = {
            Path(n).stem: {
                el.get("name"): el.get("id")
                for el in ET.fromstring(z.read(n)).iter(f"{SEDML_NS}dataGenerator")
            }
            for n in z.namelist()
            if n.endswith(".sedml")
        }
    predicted = {
        (c["id"], g["name"], o["output"]): o
        for c in report["results"]["cases"]
        for g in c["groups"]
        for o in g["outputs"]
    }
    # each group's time data generator: dg_time, or dg_time_armK for a group in arm K
    time_dg = {
        (c["id"], g["name"]): "dg_time"
        if g.get("arm") is None
        else f"dg_time_arm{[a['name'] for a in c['arms']].index(g['arm'])}"
        for c in report["results"]["cases"]
        for g in c["groups"]
    }
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp) / "subset.omex"
        _subset(archive, cases, sub)
        # tellurium writes temp*.tmp files into the working directory: keep them in tmp
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = te.executeCombineArchive(str(sub), createOutputs=False)
        finally:
            os.chdir(cwd)
    rows = []
    for sedml_file, result in results.items():
        case_id = Path(sedml_file).stem
        generators = {
            k: np.asarray(v, dtype=float).ravel() for k, v in result["dataGenerators"].items()
        }
        times = {k: generators.pop(k) for k in list(generators) if k.startswith("dg_time")}
        for (cid, group, output), out in predicted.items():
            if cid != case_id:
                continue
            t_te = times[time_dg[cid, group]]
            y_te = generators[names[cid][f"{group} {output} [{out['unit']}]"]]
            t_sb = np.asarray(out["predicted"]["time"], dtype=float)
            y_sb = np.asarray(out["predicted"]["value"], dtype=float)
            if t_te.shape != t_sb.shape or np.max(np.abs(t_te - t_sb)) > 1e-9 * t_sb[-1]:
                raise SystemExit(f"{cid} {group}: tellurium's output times differ from sbmltwin's")
            peak = float(np.max(np.abs(y_sb)))
            diff = np.abs(y_te - y_sb)
            mask = np.abs(y_sb) >= FLOOR * peak
            rel = diff[mask] / np.abs(y_sb[mask])
            worst = int(np.flatnonzero(mask)[np.argmax(rel)]) if rel.size else 0
            rows.append(
                {
                    "case": cid,
                    "group": group,
                    "output": output,
                    "unit": out["unit"],
                    "time_unit": out["time_unit"],
                    "points": int(t_sb.size),
                    "max_relative": float(rel.max()) if rel.size else 0.0,
                    "at_time": float(t_sb[worst]),
                    "max_scaled": float(diff.max() / peak) if peak else float(diff.max()),
                }
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--cases", help="comma-separated case ids (default: all)")
    parser.add_argument("--json", type=Path, help="write every curve's figures here")
    args = parser.parse_args()
    cases = set(args.cases.split(",")) if args.cases else None
    start = time.perf_counter()
    rows = compare(args.archive, cases)
    seconds = time.perf_counter() - start
    for r in rows:
        print(
            f"{r['case']:<16} {r['group']:<10} {r['output']:<24} points {r['points']:>5}  "
            f"max rel {r['max_relative']:.2e} (t = {r['at_time']:g} {r['time_unit']})  "
            f"max scaled {r['max_scaled']:.2e}"
        )
    n_cases = len({r["case"] for r in rows})
    worst_rel = max((r["max_relative"] for r in rows), default=float("nan"))
    worst_scaled = max((r["max_scaled"] for r in rows), default=float("nan"))
    print(
        f"{len(rows)} curves of {n_cases} cases: worst relative difference {worst_rel:.2e}, "
        f"worst scaled by the curve's maximum {worst_scaled:.2e} (tellurium {seconds:.1f} s)"
    )
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "seconds": seconds}, indent=1))
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
