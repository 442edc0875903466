"""Calibration and speed of Bayesian individualization (sbmltwin fit) on the library model.

N simulated patients of the dextromethorphan PBPK model: true parameters drawn from a population
spec (CPIC CYP2D6 genotypes → f_cyp2d6; log-normal IIV on CLint_2d6, CLint_3a4, ka), 30 mg oral,
3 or 4 plasma dextromethorphan levels each with 15 % proportional + 0.0002 µmol/L additive
error. Each patient is fitted from its genotype-informed prior. Printed:

* median absolute % error of AUC0-24h: population prediction (typical twin) vs individual (MAP);
* coverage: share of patients whose true AUC lies in the fit's 90 % interval (posterior draws);
* seconds per 4-level fit (one core), and the same as a multiple of one plain libroadrunner
  simulation of the model measured in this run.

    python benchmarks/mipd_calibration.py [--n 200] [--draws 100] [--seed 1]
    python benchmarks/mipd_calibration.py --timing 10    # only the speed of 4-level fits
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from sbmltwin.cohort.sampling import parse_population, sample_twin
from sbmltwin.engine import parse_regimen, prepare_setup
from sbmltwin.engine.batch import BatchSimulator
from sbmltwin.errors import SbmlTwinError
from sbmltwin.mipd import ErrorModel, fit_twin, prior_twin
from sbmltwin.mipd.levels import Level, Levels
from sbmltwin.model import load_model
from sbmltwin.personalize import load_bindings
from sbmltwin.pk import auc_trapezoid

LIB = Path(__file__).resolve().parents[1] / "model_library" / "dextromethorphan"
SPEC = {
    "schema_version": 1,
    "population": "European",
    "genes": ["CYP2D6"],
    "iiv": {"CLint_2d6": 40, "CLint_3a4": 40, "ka": 30},
}
SEL = "C_plasma_dxm"  # plasma (the bindings output "dextromethorphan")
ADD, PROP = 0.0002, 0.15  # µmol/L, fraction
TIMES = {3: (2.0, 6.0, 24.0), 4: (1.0, 3.0, 8.0, 24.0)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timing", type=int, default=0, help="only time N 4-level fits")
    args = ap.parse_args()
    model = load_model(LIB / "model.xml")
    bindings = load_bindings(LIB / "twin.toml")
    setup = prepare_setup(model, parse_regimen("30 mg oral"), bindings=bindings)
    compiled = setup.compile()
    events = setup.events
    spec = parse_population(SPEC, source="benchmark spec")
    grid = np.linspace(0, 24, 481)
    err = {"dextromethorphan": ErrorModel(ADD, PROP)}

    import roadrunner  # the plain reference: one simulation of the same model and grid

    rr = roadrunner.RoadRunner(model.sbml)
    t0 = time.perf_counter()
    for _ in range(20):
        rr.resetAll()
        rr.setValue("A_lumen", rr.getValue("A_lumen") + events[0].amount)
        rr.simulate(0, 24, 481)
    plain = (time.perf_counter() - t0) / 20

    rng = np.random.default_rng(args.seed)
    pop_err, ind_err, covered, seconds4 = [], [], 0, []
    skipped = 0
    i = -1
    while len(pop_err) < args.n:
        i += 1
        sampled = sample_twin(spec, args.seed, i)
        try:
            prior = prior_twin(model, compiled, sampled.profile, bindings, spec)
        except SbmlTwinError:  # e.g. an Indeterminate CYP2D6 diplotype: no activity score
            skipped += 1
            continue
        eta_true = np.array([np.log(sampled.iiv[p.sid]) for p in prior.priors])
        true_values = prior.values(eta_true)
        with BatchSimulator(compiled, prior.ids, events, grid=grid, outputs=[SEL]) as b:
            truth, _ = b.run(true_values)
            popc, _ = b.run(prior.point())
        n_levels = 4 if args.timing else 3 + (len(pop_err) % 2)
        rows = []
        for k, t in enumerate(TIMES[n_levels]):
            c = float(np.interp(t, grid, truth[:, 1]))
            y = c * (1 + PROP * rng.standard_normal()) + ADD * rng.standard_normal()
            rows.append(Level(k + 2, t, "dextromethorphan", SEL, max(y, 1e-9)))
        levels = Levels(tuple(rows), f"patient {i}", {"dextromethorphan": "µmol/l"})
        t1 = time.perf_counter()
        fit = fit_twin(compiled, prior, events, levels, err, seed=i)
        if n_levels == 4:
            seconds4.append(time.perf_counter() - t1)
        if args.timing:
            if len(seconds4) >= args.timing:
                break
            continue
        with BatchSimulator(compiled, prior.ids, events, grid=grid, outputs=[SEL]) as b:
            ind, _ = b.run(fit.twin.point())
            aucs = [
                auc_trapezoid(grid, b.run(v)[0][:, 1])
                for v in fit.twin.values(fit.twin.draws(args.draws, i))
            ]
        auc_true = auc_trapezoid(grid, truth[:, 1])
        pop_err.append(abs(auc_trapezoid(grid, popc[:, 1]) / auc_true - 1))
        ind_err.append(abs(auc_trapezoid(grid, ind[:, 1]) / auc_true - 1))
        lo, hi = np.percentile(aucs, [5, 95])
        covered += lo <= auc_true <= hi
        if len(pop_err) % 20 == 0:
            print(f"{len(pop_err)} patients…", flush=True)
    if args.timing:
        med = statistics.median(seconds4)
        print(
            f"{len(seconds4)} 4-level fits (3 parameters, 4 starts): median {med:.2f} s, "
            f"max {max(seconds4):.2f} s (target < 10 s); one plain libroadrunner simulation "
            f"{1000 * plain:.1f} ms → a fit costs {med / plain:.0f} plain simulations"
        )
        return
    mp, mi = statistics.median(pop_err), statistics.median(ind_err)
    print(
        f"patients: {args.n} (3 or 4 levels each; {skipped} Indeterminate CYP2D6 twins skipped), "
        f"draws per interval: {args.draws}"
    )
    print(
        f"median |AUC0-24h error|: population {100 * mp:.1f} %, individual (MAP) {100 * mi:.1f} %"
        f"  (ratio {mi / mp:.2f}; target ≤ 0.50)"
    )
    print(
        f"90 % interval coverage of the true AUC: {100 * covered / args.n:.1f} % (target 85–95 %)"
    )
    print(
        f"4-level fit: median {statistics.median(seconds4):.2f} s, max {max(seconds4):.2f} s "
        f"(target < 10 s); one plain libroadrunner simulation {1000 * plain:.1f} ms "
        f"→ a fit costs {statistics.median(seconds4) / plain:.0f} plain simulations"
    )


if __name__ == "__main__":
    main()
