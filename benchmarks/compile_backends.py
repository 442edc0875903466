"""Benchmark libroadrunner JIT backends: model compile time vs simulation speed.

What it measures
----------------
For every model and JIT configuration - MCJIT (the libroadrunner default) and
LLJIT at optimisation levels NONE / LESS / DEFAULT / AGGRESSIVE - it records
wall-clock times (``time.perf_counter``) of

* **compile** - ``roadrunner.RoadRunner(sbml)``: SBML parsing, LLVM IR
  generation and machine-code generation.  Antimony -> SBML conversion is done
  once in the parent process and is not timed.  libroadrunner caches compiled
  models in-process keyed on the SBML text, so every compile gets a fresh
  string (a unique XML comment is appended).
* **cold compile** - the first compile in a brand-new Python process, which
  also pays one-off LLVM/JIT initialisation (what a one-shot CLI run sees).
* **simulate** - ``rr.simulate(0, 48, 481)`` with the default CVODE
  integrator, after ``rr.resetAll()`` (not timed) and one untimed warm-up run.
* **max dev** - the largest deviation of the simulated trajectory from the
  MCJIT one, scaled by each column's peak magnitude (all backends must agree).

How
---
Everything runs in fresh, single-threaded Python subprocesses (``--worker``
mode, job as JSON on stdin; ``LLJIT_NUM_THREADS=1``, BLAS/OpenMP threads 1):

* cold compile: one subprocess per (model, configuration, round);
* warm compile and simulate: one subprocess per (model, round) that first
  compiles every configuration once (untimed warm-up, backend selected through
  ``roadrunner.Config`` before each load) and then takes *interleaved* samples:
  each cycle compiles (or simulates) all configurations once, in a shuffled
  order.  Neighbouring samples of different configurations are therefore taken
  under the same machine load, so background activity on a shared machine
  inflates all configurations alike instead of biasing one of them.

Reported values are medians over all samples of all ``--rounds`` rounds.
Ratios are medians of the per-cycle paired ratios against MCJIT on the same
model: ``compile x`` = MCJIT compile / config compile (>1: compiles faster);
``sim x`` = config simulate / MCJIT simulate (>1: simulates slower).

Models are generated in Antimony by this script (no external files):

* ``pk1c`` - one-compartment oral PK model (gut depot -> central -> eliminated).
* ``pbpk xN`` - perfusion-limited whole-body PBPK model with 15 tissue
  compartments (14 named organs + rest of body), arterial/venous blood, oral
  absorption from the gut lumen, hepatic metabolism of a parent drug to a
  metabolite, renal clearance and biliary excretion.  ``--scale N`` replicates
  the parent/metabolite pair N times (39 species per pair; N=2 -> 78 species).

Usage::

    python benchmarks/compile_backends.py [--repeats N] [--quick] [--json out.json]

Only roadrunner, antimony, numpy and the standard library are used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

RESULT_MARKER = "@@COMPILE_BACKENDS_RESULT@@"

# (label, backend name, LLJIT optimisation level name or None for MCJIT)
CONFIGS: list[tuple[str, str, str | None]] = [
    ("MCJIT", "MCJIT", None),
    ("LLJIT NONE", "LLJIT", "NONE"),
    ("LLJIT LESS", "LLJIT", "LESS"),
    ("LLJIT DEFAULT", "LLJIT", "DEFAULT"),
    ("LLJIT AGGRESSIVE", "LLJIT", "AGGRESSIVE"),
]
BASELINE = CONFIGS[0][0]
BACKGROUND_WARN_CORES = 0.25  # other processes' average CPU use that taints timings

START, END, POINTS = 0.0, 48.0, 481  # simulate(0, 48, 481): 0.1 h grid

# --------------------------------------------------------------------------
# Model generation (Antimony)
# --------------------------------------------------------------------------

# Reference-man style physiology (illustrative values, 70 kg):
# tissue -> (fraction of cardiac output, volume in L, drains to liver?)
TISSUES: dict[str, tuple[float, float, bool]] = {
    "adipose": (0.050, 15.0, False),
    "bone": (0.050, 10.0, False),
    "brain": (0.120, 1.45, False),
    "gut": (0.140, 1.20, True),
    "heart": (0.040, 0.33, False),
    "kidney": (0.190, 0.31, False),
    "liver": (0.065, 1.80, False),  # hepatic-artery fraction only
    "muscle": (0.170, 29.0, False),
    "skin": (0.050, 3.30, False),
    "spleen": (0.030, 0.15, True),
    "pancreas": (0.010, 0.10, True),
    "stomach": (0.010, 0.15, True),
    "thymus": (0.005, 0.03, False),
    "rest": (0.070, 5.00, False),
}
LUNG_VOLUME = 0.5
ART_VOLUME, VEN_VOLUME = 1.7, 3.4
PORTAL = [t for t, (_, _, portal) in TISSUES.items() if portal]
# Baseline tissue:plasma partition coefficients for parent / metabolite.
KP_PARENT = {
    "adipose": 3.1,
    "bone": 1.2,
    "brain": 0.6,
    "gut": 2.0,
    "heart": 1.8,
    "kidney": 2.4,
    "liver": 3.0,
    "lung": 1.5,
    "muscle": 1.1,
    "skin": 1.4,
    "spleen": 1.9,
    "pancreas": 1.6,
    "stomach": 1.7,
    "thymus": 1.3,
    "rest": 1.0,
}
KP_METAB = {t: round(0.4 + 0.5 * kp, 3) for t, kp in KP_PARENT.items()}


def small_pk_antimony() -> str:
    """Return a one-compartment oral PK model (3 species) in Antimony."""
    return """
model pk1c
  compartment gut_lumen = 1, central = 42, sink = 1
  species A_gut in gut_lumen = 100
  species C_cen in central = 0
  species A_elim in sink = 0
  ka = 1.1; CL = 6.5; F = 0.8
  absorption: A_gut -> C_cen; F*ka*A_gut
  loss: A_gut -> ; (1 - F)*ka*A_gut
  elimination: C_cen -> A_elim; CL*C_cen
end
"""


def _compound_block(
    cid: str, kp: dict[str, float], fu: float, lumen: bool
) -> tuple[list[str], list[str]]:
    """Species/parameter lines and blood-flow reactions for one compound."""
    decl: list[str] = []
    rxn: list[str] = []
    s = f"{cid}_"
    decl.append(f"  species {s}art in art = 0, {s}ven in ven = 0, {s}lung in lung = 0")
    decl.append(f"  species {s}urine in sink = 0")
    decl.append(f"  fu_{cid} = {fu}")
    decl.append(f"  Kp_{cid}_lung = {kp['lung']}")
    for t in TISSUES:
        decl.append(f"  species {s}{t} in {t} = 0")
        decl.append(f"  Kp_{cid}_{t} = {kp[t]}")
    # lung: venous -> lung -> arterial
    rxn.append(f"  {s}ven_lung: {s}ven -> {s}lung; Q_co*{s}ven")
    rxn.append(f"  {s}lung_art: {s}lung -> {s}art; Q_co*{s}lung/Kp_{cid}_lung")
    for t in TISSUES:
        flow = "Q_ha" if t == "liver" else f"Q_{t}"
        rxn.append(f"  {s}art_{t}: {s}art -> {s}{t}; {flow}*{s}art")
        if t in PORTAL:
            rxn.append(f"  {s}{t}_out: {s}{t} -> {s}liver; Q_{t}*{s}{t}/Kp_{cid}_{t}")
        elif t == "liver":
            rxn.append(f"  {s}liver_out: {s}liver -> {s}ven; Q_li*{s}liver/Kp_{cid}_liver")
        else:
            rxn.append(f"  {s}{t}_out: {s}{t} -> {s}ven; Q_{t}*{s}{t}/Kp_{cid}_{t}")
    rxn.append(f"  {s}renal: {s}kidney -> {s}urine; CLr_{cid}*fu_{cid}*{s}kidney/Kp_{cid}_kidney")
    if lumen:
        decl.append(f"  species {s}lumen in gut_lumen = 0, {s}feces in sink = 0")
    return decl, rxn


def pbpk_antimony(scale: int = 1) -> str:
    """Return a whole-body PBPK model with ``scale`` parent/metabolite pairs.

    Perfusion-limited tissues: d(V_t C_t)/dt = Q_t (C_in - C_t / Kp_t).  Gut,
    spleen, pancreas and stomach drain into the liver (portal vein); the liver
    receives hepatic-artery plus portal flow and metabolises the parent to the
    metabolite (unbound intrinsic clearance); the kidney clears both compounds
    into urine; the metabolite is also excreted in bile.  Each pair has its own
    dose in the gut lumen and slightly different parameters.
    """
    if scale < 1:
        raise ValueError("scale must be >= 1")
    lines = [f"model pbpk_x{scale}", "  // physiology (shared)"]
    lines.append("  CO = 390  // cardiac output, L/h")
    lines.append(f"  compartment art = {ART_VOLUME}, ven = {VEN_VOLUME}")
    lines.append(f"  compartment lung = {LUNG_VOLUME}, gut_lumen = 1, sink = 1")
    for t, (frac, vol, _) in TISSUES.items():
        lines.append(f"  compartment {t} = {vol}")
        flow = "Q_ha" if t == "liver" else f"Q_{t}"
        lines.append(f"  fQ_{t} = {frac}; {flow} = fQ_{t}*CO")
    lines.append("  Q_co = CO")
    lines.append("  Q_li = Q_ha + " + " + ".join(f"Q_{t}" for t in PORTAL))
    reactions: list[str] = []
    for i in range(1, scale + 1):
        f = 1.0 + 0.07 * (i - 1)  # perturb replicas so they are not identical
        p, m = f"P{i}", f"M{i}"
        kp_p = {t: round(v * f, 4) for t, v in KP_PARENT.items()}
        kp_m = {t: round(v / f, 4) for t, v in KP_METAB.items()}
        lines.append(f"  // drug pair {i}: parent {p}, metabolite {m}")
        for cid, kp, fu, lumen in ((p, kp_p, 0.15 * f, True), (m, kp_m, 0.6, False)):
            decl, rxn = _compound_block(cid, kp, round(fu, 4), lumen)
            lines.extend(decl)
            reactions.extend(rxn)
        lines.append(f"  dose_{p} = {100.0 * f}; {p}_lumen = dose_{p}")
        lines.append(f"  ka_{p} = {round(0.9 * f, 4)}; kfec_{p} = 0.05")
        lines.append(f"  CLint_{p} = {round(120.0 * f, 4)}; CLr_{p} = 2.5")
        lines.append(f"  CLr_{m} = {round(9.0 / f, 4)}; CLbile_{m} = 1.2")
        lines.append(f"  species {m}_feces in sink = 0")
        reactions.append(f"  {p}_absorb: {p}_lumen -> {p}_gut; ka_{p}*{p}_lumen")
        reactions.append(f"  {p}_fecal: {p}_lumen -> {p}_feces; kfec_{p}*{p}_lumen")
        reactions.append(
            f"  {p}_metab: {p}_liver -> {m}_liver; CLint_{p}*fu_{p}*{p}_liver/Kp_{p}_liver"
        )
        reactions.append(
            f"  {m}_bile: {m}_liver -> {m}_feces; CLbile_{m}*fu_{m}*{m}_liver/Kp_{m}_liver"
        )
    lines.append("  // reactions")
    lines.extend(reactions)
    lines.append("end")
    return "\n".join(lines) + "\n"


def antimony_to_sbml(ant: str) -> str:
    """Convert an Antimony model string to SBML (raises on Antimony errors)."""
    import antimony

    antimony.clearPreviousLoads()
    if antimony.loadAntimonyString(ant) < 0:
        raise RuntimeError(f"Antimony error: {antimony.getLastError()}")
    module = antimony.getMainModuleName()
    sbml: str = antimony.getSBMLString(module)
    if not sbml:
        raise RuntimeError(f"Antimony produced no SBML: {antimony.getLastError()}")
    return sbml


# --------------------------------------------------------------------------
# Worker (runs in a fresh subprocess)
# --------------------------------------------------------------------------


def configure_jit(backend: str, opt_level: str | None) -> None:
    """Select the JIT backend (and LLJIT optimisation level) for later loads."""
    import roadrunner

    cfg = roadrunner.Config
    cfg.setValue(cfg.LLJIT_NUM_THREADS, 1)
    if backend == "MCJIT":
        cfg.setValue(cfg.LLVM_BACKEND, cfg.MCJIT)
    elif backend == "LLJIT":
        cfg.setValue(cfg.LLVM_BACKEND, cfg.LLJIT)
        cfg.setValue(cfg.LLJIT_OPTIMIZATION_LEVEL, getattr(cfg, opt_level or "DEFAULT"))
    else:
        raise ValueError(f"unknown backend {backend!r}")


def _fresh(sbml: str) -> str:
    """Return the SBML with a unique trailing comment (defeats the model cache)."""
    return f"{sbml}\n<!-- nonce {uuid.uuid4().hex} -->\n"


def _compile(sbml: str, backend: str, opt_level: str | None) -> tuple[Any, float]:
    """Compile a fresh copy of ``sbml`` with the given backend; return (rr, seconds)."""
    import roadrunner

    configure_jit(backend, opt_level)
    text = _fresh(sbml)
    t0 = time.perf_counter()
    rr = roadrunner.RoadRunner(text)
    return rr, time.perf_counter() - t0


def worker_cold(job: dict[str, Any]) -> dict[str, Any]:
    """Time the first compile in this (fresh) process for one configuration."""
    rr, secs = _compile(job["sbml"], job["backend"], job["opt_level"])
    return {"cold_s": secs, "n_species": int(rr.model.getNumFloatingSpecies())}


def worker_paired(job: dict[str, Any]) -> dict[str, Any]:
    """Interleaved warm-compile and simulation samples for all configurations."""
    sbml: str = job["sbml"]
    configs: list[tuple[str, str, str | None]] = [tuple(c) for c in job["configs"]]
    rng = random.Random(job["seed"])
    runners: dict[str, Any] = {}
    for label, backend, opt in configs:  # warm-up: one untimed compile each
        runners[label], _ = _compile(sbml, backend, opt)
    compile_s: dict[str, list[float]] = {c[0]: [] for c in configs}
    for _ in range(job["compiles"]):
        for label, backend, opt in rng.sample(configs, len(configs)):
            runners[label], secs = _compile(sbml, backend, opt)
            compile_s[label].append(secs)
    traj: dict[str, list[list[float]]] = {}
    for label, rr in runners.items():
        rr.setIntegrator("cvode")
        traj[label] = np.asarray(rr.simulate(START, END, POINTS)).tolist()  # warm-up
    simulate_s: dict[str, list[float]] = {c[0]: [] for c in configs}
    for _ in range(job["sim_repeats"]):
        for label, _b, _o in rng.sample(configs, len(configs)):
            rr = runners[label]
            rr.resetAll()
            t0 = time.perf_counter()
            rr.simulate(START, END, POINTS)
            simulate_s[label].append(time.perf_counter() - t0)
    return {"compile_s": compile_s, "simulate_s": simulate_s, "trajectory": traj}


def worker_main() -> int:
    """Entry point of ``--worker`` mode: JSON job on stdin, JSON result on stdout."""
    job = json.loads(sys.stdin.read())
    out = worker_cold(job) if job["kind"] == "cold" else worker_paired(job)
    sys.stdout.write("\n" + RESULT_MARKER + json.dumps(out) + "\n")
    return 0


def spawn_worker(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job in a fresh single-threaded Python subprocess."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            result: dict[str, Any] = json.loads(line[len(RESULT_MARKER) :])
            return result
    raise RuntimeError(
        f"{job['kind']} worker failed (rc={proc.returncode}):\n{proc.stderr[-2000:]}"
    )


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


@dataclass
class Row:
    """Aggregated measurements (seconds) for one model x configuration."""

    model: str
    n_species: int
    config: str
    backend: str
    opt_level: str
    cold_s: list[float] = field(default_factory=list)
    compile_s: list[float] = field(default_factory=list)
    simulate_s: list[float] = field(default_factory=list)
    compile_speedup: float = 1.0  # median paired MCJIT / this
    simulate_ratio: float = 1.0  # median paired this / MCJIT
    max_dev: float = 0.0


def max_rel_dev(ref: np.ndarray, other: np.ndarray) -> float:
    """Largest |other - ref| divided by the column's peak |ref|."""
    scale = np.maximum(np.abs(ref).max(axis=0), 1e-300)
    return float((np.abs(other - ref) / scale).max())


def _busy_cpu_seconds() -> float | None:
    """Busy CPU seconds of the whole machine since boot (Linux /proc/stat)."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            f = [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = f
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """CPU seconds used by this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def bench_model(
    name: str, sbml: str, *, compiles: int, sim_repeats: int, rounds: int, seed: int
) -> list[Row]:
    """Benchmark all configurations on one model; return one row per configuration."""
    rows: dict[str, Row] = {}
    traj: dict[str, np.ndarray] = {}
    rng = random.Random(seed)
    for rnd in range(rounds):
        for label, backend, opt in rng.sample(CONFIGS, len(CONFIGS)):
            res = spawn_worker({"kind": "cold", "sbml": sbml, "backend": backend, "opt_level": opt})
            row = rows.setdefault(label, Row(name, res["n_species"], label, backend, opt or "-"))
            row.cold_s.append(res["cold_s"])
        t0 = time.perf_counter()
        res = spawn_worker(
            {
                "kind": "paired",
                "sbml": sbml,
                "configs": CONFIGS,
                "compiles": compiles,
                "sim_repeats": sim_repeats,
                "seed": rng.randrange(2**31),
            }
        )
        for label, row in rows.items():
            row.compile_s.extend(res["compile_s"][label])
            row.simulate_s.extend(res["simulate_s"][label])
            if rnd == 0:
                traj[label] = np.asarray(res["trajectory"][label])
        _log(
            f"  [{name}] round {rnd + 1}/{rounds}: "
            + ", ".join(
                f"{lab} {statistics.median(res['compile_s'][lab]):.3f} s/"
                f"{1e3 * statistics.median(res['simulate_s'][lab]):.2f} ms"
                for lab, _, _ in CONFIGS
            )
            + f" ({time.perf_counter() - t0:.1f} s)"
        )
    base = rows[BASELINE]
    for row in rows.values():
        # samples are aligned by cycle index (each cycle covers every config)
        row.compile_speedup = statistics.median(
            b / x for b, x in zip(base.compile_s, row.compile_s, strict=True)
        )
        row.simulate_ratio = statistics.median(
            x / b for b, x in zip(base.simulate_s, row.simulate_s, strict=True)
        )
        row.max_dev = max_rel_dev(traj[BASELINE], traj[row.config])
    return [rows[label] for label, _, _ in CONFIGS]


def format_table(rows: list[Row]) -> str:
    """Render the aggregated rows as a fixed-width text table."""
    head = (
        f"{'model':<9} {'n_sp':>4}  {'backend':<7} {'opt':<10} {'compile s':>9} "
        f"{'cold s':>6} {'sim ms':>7} {'compile x':>9} {'sim x':>5} {'max dev':>7}"
    )
    out = [head, "-" * len(head)]
    prev = None
    for r in rows:
        if prev is not None and r.model != prev:
            out.append("")
        prev = r.model
        out.append(
            f"{r.model:<9} {r.n_species:>4}  {r.backend:<7} {r.opt_level:<10} "
            f"{statistics.median(r.compile_s):>9.3f} {statistics.median(r.cold_s):>6.3f} "
            f"{1e3 * statistics.median(r.simulate_s):>7.2f} "
            f"{r.compile_speedup:>9.2f} {r.simulate_ratio:>5.2f} {r.max_dev:>7.0e}"
        )
    out += [
        "",
        "compile s: median warm compile; cold s: first compile in a fresh process;",
        "sim ms: median simulate(0, 48, 481). compile x = MCJIT / this (>1 faster);",
        "sim x = this / MCJIT (>1 slower); both medians of interleaved paired samples.",
    ]
    return "\n".join(out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line interface."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="simulation cycles per round (default 50; 15 with --quick)",
    )
    p.add_argument(
        "--compiles",
        type=int,
        default=None,
        help="warm-compile cycles per round (default 5; 3 with --quick)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds of fresh subprocesses per model (default 3; 1 with --quick)",
    )
    p.add_argument(
        "--scale",
        type=int,
        nargs="+",
        default=[2],
        help="drug-pair replicas of the larger PBPK model(s) (default 2 = 78 species)",
    )
    p.add_argument("--quick", action="store_true", help="short run (< 60 s)")
    p.add_argument("--json", metavar="PATH", help="also write all samples to JSON")
    p.add_argument("--seed", type=int, default=0, help="seed for the interleaving")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the models, run the benchmark, print the table (and write JSON)."""
    args = parse_args(argv)
    if args.worker:
        return worker_main()
    repeats = args.repeats or (15 if args.quick else 50)
    compiles = args.compiles or (3 if args.quick else 5)
    rounds = args.rounds or (1 if args.quick else 3)
    # quick: small PK model + larger PBPK model(s); full: also the x1 PBPK model
    scales = sorted(set(args.scale) | (set() if args.quick else {1}))
    models = [("pk1c", antimony_to_sbml(small_pk_antimony()))]
    models += [(f"pbpk x{n}", antimony_to_sbml(pbpk_antimony(n))) for n in scales]

    import roadrunner

    jit = roadrunner.getVersionStr(roadrunner.VERSIONSTR_JITCOMPILER)
    print(
        f"libroadrunner {roadrunner.__version__} ({jit}), Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
        f"rounds={rounds}, compile cycles/round={compiles}, sim cycles/round={repeats}",
        flush=True,
    )
    busy0, own0, t0 = _busy_cpu_seconds(), _own_cpu_seconds(), time.perf_counter()
    rows: list[Row] = []
    for i, (name, sbml) in enumerate(models):
        rows += bench_model(
            name,
            sbml,
            compiles=compiles,
            sim_repeats=repeats,
            rounds=rounds,
            seed=args.seed + i,
        )
    elapsed = time.perf_counter() - t0
    busy1, own1 = _busy_cpu_seconds(), _own_cpu_seconds()
    # average number of cores used by *other* processes while we were running
    background = None
    if busy0 is not None and busy1 is not None:
        background = max(0.0, (busy1 - busy0) - (own1 - own0)) / elapsed
    print(format_table(rows), flush=True)
    bg = "n/a" if background is None else f"{background:.2f} cores"
    print(f"total {elapsed:.1f} s; background CPU load from other processes: {bg}")
    if background is not None and background > BACKGROUND_WARN_CORES:
        print(
            "note: the machine was not idle; absolute times may be inflated "
            "(ratios come from interleaved samples and are less affected)."
        )
    if args.json:
        payload = {
            "roadrunner": roadrunner.__version__,
            "jit": jit,
            "python": platform.python_version(),
            "background_cores": background,
            "settings": {
                "compiles": compiles,
                "repeats": repeats,
                "rounds": rounds,
                "scale": args.scale,
                "quick": args.quick,
            },
            "rows": [asdict(r) for r in rows],
        }
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
