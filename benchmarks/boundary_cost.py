"""What the native boundary costs: reading an untrusted model through
``sbmltwin.engine.boundary.load_untrusted`` (load + check + compile + one step in a forked,
rlimited child, then the parent's own compile) against the same work done in-process without
isolation (``load_model`` + ``check_model`` + ``compile_model``), measured in the same run.

    nice python benchmarks/boundary_cost.py [--rounds 5]

Prints, per model, the median seconds of each and their ratio. Trusted paths (the models
shipped with sbmltwin, cohort workers) do not pay it: they never cross the boundary.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sbmltwin.engine import clear_cache, compile_model  # noqa: E402
from sbmltwin.engine.boundary import load_untrusted  # noqa: E402
from sbmltwin.model import check as check_module  # noqa: E402
from sbmltwin.model import check_model, load_model  # noqa: E402

MODELS = {
    "one-compartment (tests/data/hostile/ok_tiny.xml)": REPO / "tests/data/hostile/ok_tiny.xml",
    "dextromethorphan PBPK (model_library)": REPO / "model_library/dextromethorphan/model.xml",
}


def _fresh(path: Path, folder: Path, k: int) -> Path:
    """A copy with a unique comment: no cache (ours or libroadrunner's) can serve it."""
    text = path.read_text(encoding="utf-8").replace("?>", f"?><!-- {k} {time.time_ns()} -->", 1)
    out = folder / f"m{k}{path.suffix}"
    out.write_text(text, encoding="utf-8")
    return out


def _plain(path: Path) -> None:
    model = load_model(path)
    check_model(model)
    compile_model(model)


def _isolated(path: Path) -> None:
    model = load_untrusted(path)
    check_model(model)  # remembered from the child: no second check
    compile_model(model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{'model':52} {'in-process s':>12} {'isolated s':>11} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in MODELS.items():
            times: dict[str, list[float]] = {"plain": [], "isolated": []}
            for k in range(args.rounds):
                for name, fn in (("plain", _plain), ("isolated", _isolated)):
                    clear_cache()
                    check_module._CHECKED.clear()
                    copy = _fresh(path, Path(tmp), 2 * k + (name == "isolated"))
                    start = time.perf_counter()
                    fn(copy)
                    times[name].append(time.perf_counter() - start)
            plain, iso = (statistics.median(times[n]) for n in ("plain", "isolated"))
            print(f"{label:52} {plain:12.3f} {iso:11.3f} {iso / plain:6.2f}")


if __name__ == "__main__":
    main()
