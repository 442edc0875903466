"""Fuzz sbmltwin's command line for as long as you like (the CI runs a short version).

    nice python tools/fuzz.py --n 5000 --seed 13 --save fuzz-findings [--kinds sbml,dose]

Prints a progress line every 250 inputs and a summary; exits 1 when any input crashed by a
signal, printed a traceback, hung past --timeout, used more than 2 GB, or failed without
exactly one 'sbmltwin: error:' line. Findings are saved (input files + COMMAND) under --save:
turn each into a regression test in tests/regression/.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.fuzzer import KINDS, fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per input")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--save", type=Path, default=None, help="folder for findings")
    args = parser.parse_args()
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; use {','.join(KINDS)}")
    start = time.monotonic()

    def progress(i: int, case: object, outcome: object) -> None:
        if (i + 1) % 250 == 0:
            print(f"{i + 1}/{args.n} inputs, {time.monotonic() - start:.0f} s", file=sys.stderr)

    report = fuzz(
        args.n, args.seed, kinds=kinds, timeout=args.timeout, save=args.save, on_result=progress
    )
    print(f"seed {args.seed}: {report.summary()}; {time.monotonic() - start:.0f} s in all")
    for case, outcome in report.findings[:20]:
        print(
            f"  {outcome.verdict}: sbmltwin {' '.join(case.args)}\n    {outcome.stderr.strip()[-300:]}"
        )
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
