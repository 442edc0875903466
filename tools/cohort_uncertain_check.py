"""Default cohorts of the library model in three populations: failed twins, the run record's
uncertain-allele policy, and the sampled CYP2D6 phenotype fractions against CPIC's (issue 11).

Runs ``sbmltwin cohort`` (summary-only) on ``model_library/dextromethorphan`` for each
population with a default spec (``genes = ["CYP2D6"]``, nothing else), then compares the sampled
phenotype fractions with CPIC's phenotype frequency table
(``../shared/pgx/derived/phenotype_frequency_by_population.tsv``) with "Indeterminate" removed
and the rest renormalized.

    python tools/cohort_uncertain_check.py [--n 10000] [--workers 2] [--out /tmp/cohorts]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
POPULATIONS = ("European", "East Asian", "Sub-Saharan African")


def cpic_fractions(shared: Path, population: str) -> dict[str, float]:
    path = shared / "pgx" / "derived" / "phenotype_frequency_by_population.tsv"
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    found = {ph: float(f) for g, ph, pop, f in rows if g == "CYP2D6" and pop == population}
    callable_ = 1.0 - found.pop("Indeterminate", 0.0)
    return {ph: f / callable_ for ph, f in found.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="sbmltwin-cohorts-"))
    out.mkdir(parents=True, exist_ok=True)
    from sbmltwin.cohort.run import run_record
    from sbmltwin.pgx import Phenotype

    lib = REPO / "model_library" / "dextromethorphan"
    print(f"{'population':22} {'twins':>6} {'failed':>6}  policy   excluded  max |Δ| vs CPIC")
    for population in POPULATIONS:
        spec = out / f"{population.replace(' ', '_')}.toml"
        spec.write_text(f'population = "{population}"\ngenes = ["CYP2D6"]\n', encoding="utf-8")
        table = out / f"{population.replace(' ', '_')}.parquet"
        cmd = [sys.executable, "-m", "sbmltwin", "cohort", str(lib / "model.xml")]
        cmd += ["--bindings", str(lib / "twin.toml"), "--population", str(spec)]
        cmd += ["--n", str(args.n), "--seed", str(args.seed), "--dose", "30 mg oral"]
        cmd += ["--output-id", "[C_ven_dxm]", "--summary-only", "--end", "48 h"]
        cmd += ["--workers", str(args.workers), "-o", str(table)]
        subprocess.run(cmd, check=True)
        frame = pq.read_table(table, columns=["CYP2D6_phenotype", "status"]).to_pandas()
        record = run_record(table)
        policy = record["uncertain_alleles"]["policy"]
        share = record["uncertain_alleles"]["excluded"].get("CYP2D6", {}).get("frequency", 0.0)
        sampled = frame["CYP2D6_phenotype"].value_counts(normalize=True).to_dict()
        cpic = cpic_fractions(args.shared, population)
        worst = max(abs(sampled.get(Phenotype(ph).short, 0.0) - f) for ph, f in cpic.items())
        failed = int((frame["status"] != "ok").sum())
        print(
            f"{population:22} {len(frame):>6} {failed:>6}  {policy:8} {100 * share:6.2f} %  "
            f"{100 * worst:.2f} points"
        )
        for ph, f in sorted(cpic.items()):
            short = Phenotype(ph).short
            print(
                f"    {short:4} sampled {100 * sampled.get(short, 0.0):6.2f} %  CPIC {100 * f:6.2f} %"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
