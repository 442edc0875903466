#!/usr/bin/env python
"""Plain libroadrunner baseline on the SBML Test Suite semantic cases.

For every TimeCourse case listed in cases.tsv:
  * load the SBML file into roadrunner.RoadRunner (default load options)
  * selections = ['time'] + variables; species in `amount:` -> 'id',
    species in `concentration:` -> '[id]', anything else -> 'id'
  * CVODE tolerances as roadrunner's own STS harness does it
    (Integrator.loadSBMLSettings + CVODEIntegrator::tweakTolerances):
        absolute_tolerance = min(case_absolute, Config.CVODE_MIN_ABSOLUTE=1e-12)
        relative_tolerance = min(case_relative, Config.CVODE_MIN_RELATIVE=1e-6)
  * rr.simulate(start, start+duration, steps+1)
  * point passes iff |sim-ref| <= abs + rel*|ref|; NaN ref needs NaN sim,
    +-INF ref needs the same infinity in sim.

Each case runs in a long-lived worker process (spawn); a per-case timeout
(default 30 s) kills the worker ('timeout'); a worker that dies is 'crash'.
stderr of the worker (roadrunner's C++ log) is captured per case.

Measured once for sbmltwin (libroadrunner 2.10.0, 2026-11-21); the case lists it produced are
in tests/data/testsuite/plain_roadrunner.json. Suite location: $SBMLTWIN_TEST_SUITE or
../shared/sbml-test-suite beside the repository.

Usage: python tools/plain_roadrunner_testsuite.py [--workers N] [--timeout S] [--cases 00001,00002] [--out FILE]
"""

import argparse
import csv
import json
import math
import multiprocessing as mp
import os
import sys
import tempfile
import time

SUITE = os.environ.get(
    "SBMLTWIN_TEST_SUITE",
    os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "sbml-test-suite"
    ),
)
HERE = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------- parsing
def parse_settings(path):
    s = {}
    with open(path) as f:
        for line in f:
            if ":" not in line:
                continue
            k, v = line.split(":", 1)
            s[k.strip()] = v.strip()

    def lst(k):
        return [x.strip() for x in s.get(k, "").split(",") if x.strip()]

    return dict(
        start=float(s["start"]),
        duration=float(s["duration"]),
        steps=int(float(s["steps"])),
        variables=lst("variables"),
        absolute=float(s["absolute"]),
        relative=float(s["relative"]),
        amount=lst("amount"),
        concentration=lst("concentration"),
    )


def parse_tags(mpath):
    tags = {"componentTags": [], "testTags": []}
    with open(mpath, errors="replace") as f:
        for line in f:
            for k in tags:
                if line.strip().startswith(k + ":"):
                    tags[k] = [t.strip() for t in line.split(":", 1)[1].split(",") if t.strip()]
    return tags["componentTags"], tags["testTags"]


def parse_num(x):
    x = x.strip()
    xl = x.lower()
    if xl == "nan":
        return math.nan
    if xl in ("inf", "+inf", "infinity"):
        return math.inf
    if xl in ("-inf", "-infinity"):
        return -math.inf
    return float(x)


def read_results(path):
    with open(path) as f:
        rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)]
    header = [h.strip() for h in rows[0]]
    data = [[parse_num(c) for c in r] for r in rows[1:]]
    return header, data


# ------------------------------------------------------------------ worker
def run_case(case, sbml_rel):
    """Runs in the worker. Returns dict(status, message, stage, ...)."""
    import numpy as np
    import roadrunner

    d = os.path.join(SUITE, "semantic", case)
    st = parse_settings(os.path.join(d, f"{case}-settings.txt"))
    header, ref = read_results(os.path.join(d, f"{case}-results.csv"))
    ref = np.array(ref, dtype=float)
    out = {"stage": "load"}
    try:
        rr = roadrunner.RoadRunner(os.path.join(SUITE, sbml_rel))
    except Exception as e:
        out.update(status="error", message=f"load: {type(e).__name__}: {e}"[:600])
        return out
    out["stage"] = "select"
    _amt, conc = set(st["amount"]), set(st["concentration"])
    sel = ["time"] + [f"[{v}]" if v in conc else v for v in st["variables"]]
    try:
        rr.timeCourseSelections = sel
    except Exception as e:
        out.update(status="error", message=f"select: {type(e).__name__}: {e}"[:600])
        return out
    out["stage"] = "simulate"
    try:
        integ = rr.integrator
        integ.absolute_tolerance = min(st["absolute"], 1e-12)
        integ.relative_tolerance = min(st["relative"], 1e-6)
        t0, t1 = st["start"], st["start"] + st["duration"]
        res = rr.simulate(t0, t1, st["steps"] + 1)
        sim = np.array(res, dtype=float)
    except Exception as e:
        out.update(status="error", message=f"simulate: {type(e).__name__}: {e}"[:600])
        return out
    out["stage"] = "compare"
    if sim.shape != ref.shape:
        out.update(status="fail", message=f"shape mismatch sim {sim.shape} vs ref {ref.shape}")
        return out
    a, r = st["absolute"], st["relative"]
    names = header if len(header) == ref.shape[1] else sel
    worst = None  # (excess ratio, col, time, sim, ref)
    nbad = 0
    for j in range(ref.shape[1]):
        for i in range(ref.shape[0]):
            c, u = ref[i, j], sim[i, j]
            if math.isnan(c):
                ok = math.isnan(u)
                ratio = math.inf if not ok else 0
            elif math.isinf(c):
                ok = u == c
                ratio = math.inf if not ok else 0
            elif math.isnan(u) or math.isinf(u):
                ok = False
                ratio = math.inf
            else:
                tol = a + r * abs(c)
                ok = abs(c - u) <= tol
                ratio = abs(c - u) / tol if tol > 0 else math.inf
            if not ok:
                nbad += 1
                if worst is None or ratio > worst[0]:
                    worst = (ratio, names[j], ref[i, 0], u, c)
    if nbad == 0:
        out.update(status="pass", message="")
    else:
        ratio, col, t, u, c = worst
        out.update(
            status="fail",
            message=f"{nbad} bad points; worst col {col} at t={t:g}: sim={u:.6g} ref={c:.6g} (err/tol={ratio:.3g})",
        )
    return out


def worker_main(conn):
    # capture C++ stderr (roadrunner log) per case into a temp file
    errf = tempfile.TemporaryFile(mode="w+b")
    os.dup2(errf.fileno(), 2)

    while True:
        msg = conn.recv()
        if msg is None:
            break
        case, sbml_rel = msg
        errf.seek(0)
        errf.truncate()
        t = time.time()
        try:
            res = run_case(case, sbml_rel)
        except Exception as e:  # harness bug
            res = {
                "status": "error",
                "stage": "harness",
                "message": f"harness: {type(e).__name__}: {e}",
            }
        sys.stderr.flush()
        errf.seek(0)
        log = errf.read().decode("utf-8", "replace")
        res["log"] = log[-1500:]
        res["seconds"] = round(time.time() - t, 3)
        conn.send(res)


class Worker:
    def __init__(self, ctx):
        self.ctx = ctx
        self.start()

    def start(self):
        self.parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=worker_main, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.case = None

    def submit(self, case, sbml_rel):
        self.case = (case, sbml_rel)
        self.t0 = time.time()
        self.parent.send(self.case)

    def kill_restart(self):
        try:
            self.proc.kill()
        except Exception:
            pass
        self.proc.join(5)
        self.start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--cases", default="")
    ap.add_argument("--out", default=os.path.join(HERE, "plain_results.json"))
    args = ap.parse_args()

    rows = list(csv.DictReader(open(os.path.join(SUITE, "cases.tsv")), delimiter="\t"))
    rows = [r for r in rows if r["testType"] == "TimeCourse"]
    if args.cases:
        want = set(c.zfill(5) for c in args.cases.split(","))
        rows = [r for r in rows if r["case"] in want]
    meta = {}
    for r in rows:
        ct, tt = parse_tags(os.path.join(SUITE, "semantic", r["case"], f"{r['case']}-model.m"))
        meta[r["case"]] = dict(
            sbml=r["sbml_file"],
            component_tags=ct,
            test_tags=tt,
            level_version=r["level_version"],
            rr_unsupported=[x for x in r["roadrunner_unsupported_tags"].split(",") if x],
        )

    ctx = mp.get_context("spawn")
    workers = [Worker(ctx) for _ in range(args.workers)]
    queue = [r["case"] for r in rows]
    results = {}
    T0 = time.time()
    busy = {}
    import multiprocessing.connection as mpc

    while queue or busy:
        for w in workers:
            if w not in busy and queue:
                c = queue.pop(0)
                w.submit(c, meta[c]["sbml"])
                busy[w] = c
        conns = [w.parent for w in busy]
        mpc.wait(conns + [w.proc.sentinel for w in busy], timeout=1.0)
        now = time.time()
        for w in list(busy):
            c = busy[w]
            res = None
            if w.parent.poll():
                try:
                    res = w.parent.recv()
                except EOFError:
                    res = {
                        "status": "crash",
                        "stage": "?",
                        "message": f"worker died (exitcode {w.proc.exitcode})",
                    }
                    w.kill_restart()
            elif not w.proc.is_alive():
                w.proc.join(1)
                res = {
                    "status": "crash",
                    "stage": "?",
                    "message": f"worker died (exitcode {w.proc.exitcode})",
                }
                w.start()
            elif now - w.t0 > args.timeout:
                res = {"status": "timeout", "stage": "?", "message": f"> {args.timeout:g} s"}
                w.kill_restart()
            if res is not None:
                res.setdefault("seconds", round(now - w.t0, 3))
                results[c] = res
                del busy[w]
                n = len(results)
                if n % 50 == 0 or res["status"] in ("crash", "timeout"):
                    print(
                        f"[{time.time() - T0:7.1f}s] {n}/{len(rows)} {c} {res['status']}",
                        flush=True,
                    )
    for w in workers:
        try:
            w.parent.send(None)
            w.proc.join(5)
        except Exception:
            pass
    wall = time.time() - T0
    out = []
    for r in rows:
        c = r["case"]
        m = meta[c]
        res = results[c]
        out.append(
            dict(
                case=c,
                status=res["status"],
                message=res.get("message", ""),
                component_tags=m["component_tags"],
                test_tags=m["test_tags"],
                stage=res.get("stage"),
                level_version=m["level_version"],
                rr_unsupported_tags=m["rr_unsupported"],
                seconds=res.get("seconds"),
                log=res.get("log", ""),
            )
        )
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    from collections import Counter

    print("wall time %.1f s, workers=%d" % (wall, args.workers))
    print(Counter(o["status"] for o in out))
    with open(args.out + ".walltime", "w") as f:
        f.write(f"{wall:.1f} s, workers={args.workers}, timeout={args.timeout}\n")


if __name__ == "__main__":
    main()
