"""Run SBML Test Suite semantic cases through sbmltwin's own path.

load → check (libsbml + pre-flight) → compile → simulate → compare with ``NNNNN-results.csv``
using the case's absolute and relative tolerances (|sim − ref| ≤ abs + rel·|ref|; both NaN, or
equal infinities, also match). Amounts and concentrations are selected as the settings file asks.
Each case ends as:

* ``pass``;
* ``fail``: the numbers differ (the worst column, time and error are named);
* ``unsupported``: refused by the pre-flight check (the feature is named), or not a time course;
* ``error``: anything else (load error, integration failure, crash or timeout of the worker).

Cases run in worker processes that are replaced when they crash or time out, so one bad case
cannot take the run down.
"""

from __future__ import annotations

import multiprocessing as mp
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sbmltwin.errors import SbmlTwinError, UnsupportedSbmlFeatureError
from sbmltwin.model import load_model, require_simulatable

__all__ = [
    "CaseResult",
    "CaseSettings",
    "case_dirs",
    "parse_case_selection",
    "read_settings",
    "read_tags",
    "run_case",
    "run_suite",
    "summarize",
]

STATUSES = ("pass", "fail", "unsupported", "error")


@dataclass(frozen=True, slots=True)
class CaseSettings:
    """The contents of ``NNNNN-settings.txt``."""

    start: float
    duration: float
    steps: int
    variables: tuple[str, ...]
    absolute: float
    relative: float
    amount: tuple[str, ...] = ()
    concentration: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseResult:
    """How one case ended. ``tags`` are its component and test tags."""

    case: str
    status: str
    message: str = ""
    tags: tuple[str, ...] = ()
    seconds: float = 0.0
    self_check: float | None = None
    features: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tags"] = list(self.tags)
        d["features"] = list(self.features)
        return d


def _ids(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def read_settings(path: Path) -> CaseSettings:
    """Parse a settings file (``key: value`` lines)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            values[key.strip().lower()] = value.strip()
    return CaseSettings(
        start=float(values.get("start", "0") or 0),
        duration=float(values["duration"]),
        steps=int(float(values["steps"])),
        variables=_ids(values.get("variables", "")),
        absolute=float(values.get("absolute", "0") or 0),
        relative=float(values.get("relative", "0") or 0),
        amount=_ids(values.get("amount", "")),
        concentration=_ids(values.get("concentration", "")),
    )


def read_tags(path: Path) -> tuple[tuple[str, ...], str]:
    """(componentTags + testTags, testType) from a case's ``.m`` header."""
    tags: list[str] = []
    test_type = "TimeCourse"
    if not path.is_file():
        return (), test_type
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"^\s*(componentTags|testTags|testType)\s*:\s*(.*)$", line)
        if m is None:
            continue
        if m[1] == "testType":
            test_type = m[2].strip()
        else:
            tags.extend(_ids(m[2]))
    return tuple(dict.fromkeys(tags)), test_type


def parse_case_selection(text: str) -> set[int]:
    """``"1-1800"``, ``"1,5,7-9"`` → case numbers."""
    out: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if m is None:
            raise SbmlTwinError(
                f"cannot read case selection {part!r}",
                where="--cases",
                hint="e.g. 1-1800 or 1,5,7-9",
            )
        lo, hi = int(m[1]), int(m[2] or m[1])
        if hi < lo:
            raise SbmlTwinError(f"empty case range {part!r}", where="--cases")
        out.update(range(lo, hi + 1))
    return out


def _sbml_file(case_dir: Path) -> Path | None:
    files = sorted(case_dir.glob(f"{case_dir.name}-sbml-l*v*.xml"))
    return files[-1] if files else None


def _compare(
    frame: pd.DataFrame,
    expected: pd.DataFrame,
    columns: Sequence[str],
    names: Sequence[str],
    s: CaseSettings,
) -> str | None:
    """None when every point is within tolerance; else a message naming the worst point."""
    if len(frame) != len(expected):
        return f"{len(frame)} rows simulated, {len(expected)} expected"
    worst: tuple[float, str, float, float, float] | None = None
    times = expected.iloc[:, 0]  # "time" or "Time"; variables follow in settings order
    for k_col, (out, name) in enumerate(zip(columns, names, strict=True)):
        sim = frame[out].to_numpy(dtype=float)
        ref = expected.iloc[:, 1 + k_col].to_numpy(dtype=float)
        both_nan = np.isnan(sim) & np.isnan(ref)
        same_inf = np.isinf(sim) & np.isinf(ref) & (np.sign(sim) == np.sign(ref))
        with np.errstate(invalid="ignore"):
            excess = np.abs(sim - ref) - (s.absolute + s.relative * np.abs(ref))
        excess = np.where(both_nan | same_inf, -1.0, np.where(np.isnan(excess), np.inf, excess))
        k = int(np.argmax(excess))
        if excess[k] > 0 and (worst is None or excess[k] > worst[0]):
            worst = (
                float(excess[k]),
                name,
                float(times.iloc[k]),
                float(sim[k]),
                float(ref[k]),
            )
    if worst is None:
        return None
    _, name, t, sim_v, ref_v = worst
    return f"'{name}' at t={t:g}: simulated {sim_v:.10g}, expected {ref_v:.10g} (|error| {abs(sim_v - ref_v):.3g})"


def run_case(case_dir: Path, *, self_check: bool = False) -> CaseResult:
    """Run one case directory (``.../semantic/NNNNN``) in this process."""
    from sbmltwin.engine import IntegratorSettings, compile_model, simulate
    from sbmltwin.engine.selfcheck import self_check as run_self_check

    case = case_dir.name
    started = time.perf_counter()
    tags, test_type = read_tags(case_dir / f"{case}-model.m")

    def done(
        status: str, message: str = "", check: float | None = None, features: Sequence[str] = ()
    ) -> CaseResult:
        return CaseResult(
            case, status, message, tags, time.perf_counter() - started, check, tuple(features)
        )

    if test_type != "TimeCourse":
        return done("unsupported", f"{test_type} is not a time course", features=("fbc",))
    sbml = _sbml_file(case_dir)
    if sbml is None:
        return done("error", "no SBML file in the case directory")
    try:
        s = read_settings(case_dir / f"{case}-settings.txt")
        expected = pd.read_csv(case_dir / f"{case}-results.csv")
        expected.columns = [c.strip() for c in expected.columns]
        model = load_model(sbml)
        require_simulatable(model)
        if "time" in s.variables and model.kind_of("time") is not None:
            return done(
                "unsupported",
                "the model has an element with the id 'time', which libroadrunner's selections "
                "cannot tell from the clock",
                features=("IdNamedTime",),
            )
        if len(expected.columns) != len(s.variables) + 1:
            return done(
                "error",
                f"results.csv has {len(expected.columns)} columns for {len(s.variables)} variables",
            )
        concs = set(s.concentration)
        outputs = [f"[{v}]" if v in concs else v for v in s.variables]
        integrator = IntegratorSettings(
            absolute_tolerance=min(s.absolute, 1e-12) if s.absolute > 0 else 1e-12,
            relative_tolerance=min(s.relative, 1e-6) if s.relative > 0 else 1e-6,
        )
        compiled = compile_model(model)

        def run(points: int, integ: IntegratorSettings) -> Any:
            return simulate(
                compiled,
                start=s.start,
                end=s.start + s.duration,
                points=points,
                outputs=outputs,
                integrator=integ,
                throw=False,
            )

        result = run(s.steps + 1, integrator)
        if result.status.value != "ok" and "non-finite" not in result.message:
            return done("error", result.message)
        problem = _compare(result.frame, expected, outputs, s.variables, s)
        check = run_self_check(run, result, integrator).max_relative_change if self_check else None
        return done("fail", problem, check) if problem else done("pass", "", check)
    except UnsupportedSbmlFeatureError as err:
        return done(
            "unsupported", str(err.what), features=tuple(sorted({i.code for i in err.issues}))
        )
    except SbmlTwinError as err:
        return done("error", str(err))
    except (OSError, ValueError, KeyError) as err:
        return done("error", f"{type(err).__name__}: {err}")


# ---------------------------------------------------------------- worker pool with crash isolation


def _worker(conn: Connection, self_check: bool) -> None:
    import signal

    from sbmltwin._isolate import die_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers
    die_with_parent()  # and a SIGKILLed parent takes them with it
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        conn.send(run_case(Path(item), self_check=self_check))


@dataclass(eq=False)
class _Slot:
    process: Any
    conn: Connection
    case: Path | None = None
    started: float = 0.0


def run_suite(
    case_dirs: Sequence[Path],
    *,
    workers: int = 1,
    timeout: float = 120.0,
    self_check: bool = False,
    progress: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Run ``case_dirs`` on ``workers`` processes (0: in this process). Results in input order."""
    if workers <= 0:
        results = []
        for d in case_dirs:
            r = run_case(d, self_check=self_check)
            results.append(r)
            if progress:
                progress(r)
        return results
    ctx = mp.get_context("spawn")
    pending = list(reversed(case_dirs))
    by_case: dict[Path, CaseResult] = {}
    slots: list[_Slot] = []

    def start_slot() -> _Slot:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, self_check), daemon=True)
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def feed(slot: _Slot) -> None:
        if pending:
            slot.case = pending.pop()
            slot.started = time.monotonic()
            slot.conn.send(str(slot.case))
        else:
            slot.case = None

    def record(case: Path, result: CaseResult) -> None:
        by_case[case] = result
        if progress:
            progress(result)

    interrupted = False
    try:
        for _ in range(min(workers, len(case_dirs))):
            slot = start_slot()
            slots.append(slot)
            feed(slot)
        while any(s.case is not None for s in slots):
            busy = [s for s in slots if s.case is not None]
            ready = wait([s.conn for s in busy], timeout=1.0)
            now = time.monotonic()
            for slot in busy:
                assert slot.case is not None
                if slot.conn in ready:
                    try:
                        record(slot.case, slot.conn.recv())
                        feed(slot)
                        continue
                    except (EOFError, OSError):
                        slot.process.join(5)
                        code = slot.process.exitcode
                        message = f"worker crashed (exit code {code}) on this case"
                elif now - slot.started > timeout:
                    slot.process.kill()
                    slot.process.join(5)
                    message = f"timed out after {timeout:g} s"
                else:
                    continue
                tags, _ = read_tags(slot.case / f"{slot.case.name}-model.m")
                record(
                    slot.case,
                    CaseResult(slot.case.name, "error", message, tags, now - slot.started),
                )
                slot.conn.close()
                fresh = start_slot()
                slots[slots.index(slot)] = fresh
                feed(fresh)
    except BaseException:  # SIGINT/SIGTERM (or a bug): stop the workers now
        interrupted = True
        raise
    finally:
        for slot in slots:
            if interrupted:
                slot.process.kill()
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
            slot.process.join(0.5 if interrupted else 5)
            if slot.process.is_alive():
                slot.process.kill()
    return [by_case[d] for d in case_dirs]


def summarize(results: Iterable[CaseResult]) -> dict[str, Any]:
    """Counts overall and per tag: ``{"overall": {...}, "by_tag": {tag: {...}}, "features": {...}}``."""
    overall: Counter[str] = Counter()
    by_tag: dict[str, Counter[str]] = {}
    features: Counter[str] = Counter()
    for r in results:
        overall[r.status] += 1
        for tag in r.tags:
            by_tag.setdefault(tag, Counter())[r.status] += 1
        features.update(r.features)
    as_dict: Callable[[Counter[str]], dict[str, int]] = lambda c: {s: c.get(s, 0) for s in STATUSES}  # noqa: E731
    return {
        "overall": {**as_dict(overall), "total": sum(overall.values())},
        "by_tag": {t: as_dict(c) for t, c in sorted(by_tag.items())},
        "refused_features": dict(sorted(features.items())),
    }


def case_dirs(root: Path, selection: set[int] | None = None) -> list[Path]:
    """Case directories under ``root`` (``.../semantic``), optionally only the selected numbers."""
    dirs = sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit())
    if selection is not None:
        dirs = [p for p in dirs if int(p.name) in selection]
    return dirs
