"""Cohort runner: determinism across backends, resume after a kill, failures recorded."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sbmltwin.cohort.backends import DaskBackend, ProcessBackend, default_start_method
from sbmltwin.cohort.run import Progress, run_cohort
from sbmltwin.cohort.sampling import load_population
from sbmltwin.cohort.summarize import summarize_cohort
from sbmltwin.engine import parse_regimen
from sbmltwin.engine.compile import clear_cache
from sbmltwin.errors import SbmlTwinError
from sbmltwin.model import Model, parse_model
from sbmltwin.personalize import Bindings, load_bindings

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "cohort"


def _inputs() -> tuple[Model, Bindings]:
    from importlib import resources

    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    return parse_model(ant, fmt="antimony"), load_bindings(DATA / "bindings.toml")


def _same(a: Path, b: Path) -> bool:
    """Same content (Arrow's Table.equals treats NaN as unequal to itself)."""
    return bool(pq.read_table(a).to_pandas().equals(pq.read_table(b).to_pandas()))


def _run(out: Path, **kw: object) -> object:
    model, bindings = _inputs()
    args: dict[str, object] = {
        "n": 120,
        "seed": 7,
        "output": out,
        "outputs": ["[C_plasma]"],
        "summary_only": True,
        "chunk_size": 25,
    }
    args.update(kw)
    return run_cohort(
        model,
        bindings,
        load_population(DATA / "european.toml"),
        parse_regimen("100 mg oral"),
        **args,  # type: ignore[arg-type]
    )


def test_serial_rows_failures_progress_and_summary(tmp_path: Path) -> None:
    seen: list[Progress] = []
    run = _run(tmp_path / "c.parquet", progress=seen.append)
    table = pq.read_table(tmp_path / "c.parquet").to_pandas()
    assert list(table["index"]) == list(range(120))
    assert seen[-1].done == 120 and seen[-1].twins_per_s > 0
    failed = table[table["status"] != "ok"]
    # Indeterminate CYP2D6 twins have no activity score: recorded, NaN metrics, run goes on.
    assert len(failed) == run.failed > 0  # type: ignore[attr-defined]
    assert set(failed["CYP2D6_phenotype"]) == {"Indeterminate"}
    assert failed["[C_plasma].cmax"].isna().all()
    assert "activity score" in failed["message"].iloc[0]
    assert table.loc[table["status"] == "ok", "[C_plasma].auc_0_t"].notna().all()
    assert not (tmp_path / "c.parquet.parts").exists()
    summary = summarize_cohort(tmp_path / "c.parquet")
    nm = summary[
        (summary["CYP2D6_phenotype"] == "NM") & (summary["metric"] == "[C_plasma].auc_0_t")
    ]
    assert float(nm["ratio_to_nm"].iloc[0]) == pytest.approx(1.0)


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_one_and_two_process_workers_give_identical_tables(
    tmp_path: Path, start_method: str
) -> None:
    if start_method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no '{start_method}' start method on this platform")
    _run(tmp_path / "serial.parquet", summary_only=False, n=40, chunk_size=10)
    backend = ProcessBackend(2, start_method=start_method)
    try:
        _run(tmp_path / "two.parquet", summary_only=False, n=40, chunk_size=10, backend=backend)
    finally:
        backend.close()
    assert _same(tmp_path / "serial.parquet", tmp_path / "two.parquet")


def test_forked_workers_compile_what_this_process_did_not(tmp_path: Path) -> None:
    # summary-only needs a model with AUC states that this process never compiled
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no 'fork' start method on this platform")
    clear_cache()
    backend = ProcessBackend(2, start_method="fork")
    try:
        _run(tmp_path / "two.parquet", summary_only=True, n=30, chunk_size=10, backend=backend)
    finally:
        backend.close()
    _run(tmp_path / "serial.parquet", summary_only=True, n=30, chunk_size=10)
    assert _same(tmp_path / "serial.parquet", tmp_path / "two.parquet")


_BUSY_PARENT = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from integration.test_cohort_run import _inputs, _run
import sbmltwin.cohort.run as run
from sbmltwin.cohort.backends import ProcessBackend
from sbmltwin.engine import compile_model
import sbmltwin.engine.compile as compile_module

# this process holds the compile cache's lock and the lock of the very model the cohort runs
# while the workers fork, as another of its threads would while compiling or simulating
model, _ = _inputs()
compiled = compile_model(run._summary_model(model, ("[C_plasma]",)))
compiled.lock.acquire()
compile_module._CACHE_LOCK.acquire()
backend = ProcessBackend(2, start_method="fork")
try:
    _run(Path({out!r}), n=30, chunk_size=10, backend=backend)
finally:
    backend.close()
print("done")
"""


def test_forked_workers_do_not_inherit_held_locks(tmp_path: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no 'fork' start method on this platform")
    out = tmp_path / "busy.parquet"
    script = _BUSY_PARENT.format(tests=str(Path(__file__).resolve().parents[1]), out=str(out))
    # a worker that inherited a held lock would wait forever: the timeout turns that into a
    # failure instead of a hung test run
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-2000:]
    _run(tmp_path / "serial.parquet", n=30, chunk_size=10)
    assert _same(tmp_path / "serial.parquet", out)


def test_start_method_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SBMLTWIN_START_METHOD", "spawn")
    assert default_start_method() == "spawn"
    monkeypatch.setenv("SBMLTWIN_START_METHOD", "teleport")
    with pytest.raises(SbmlTwinError, match="SBMLTWIN_START_METHOD='teleport'"):
        default_start_method()
    monkeypatch.delenv("SBMLTWIN_START_METHOD")
    assert default_start_method() == ("fork" if sys.platform.startswith("linux") else "spawn")


def test_serial_and_dask_local_cluster_give_identical_tables(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    _run(tmp_path / "serial.parquet", n=60, chunk_size=15)
    backend = DaskBackend(workers=2, processes=False, threads_per_worker=1)
    try:
        _run(tmp_path / "dask.parquet", n=60, chunk_size=15, backend=backend)
    finally:
        backend.close()
    assert _same(tmp_path / "serial.parquet", tmp_path / "dask.parquet")


_SCRIPT = """
import sys, time
sys.path.insert(0, {tests!r})
from integration.test_cohort_run import _run
from pathlib import Path
_run(Path({out!r}), n=3000, chunk_size=100, progress=lambda p: time.sleep(0.05))
"""


def test_killed_run_resumes_to_the_same_table(tmp_path: Path) -> None:
    reference = tmp_path / "ref.parquet"
    _run(reference, n=3000, chunk_size=100)
    out = tmp_path / "killed.parquet"
    script = _SCRIPT.format(tests=str(Path(__file__).resolve().parents[1]), out=str(out))
    proc = subprocess.Popen([sys.executable, "-c", script])
    parts = Path(str(out) + ".parts")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(parts.glob("chunk-*.parquet"))) < 5:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(parts.glob("chunk-*.parquet")))
    assert 5 <= finished < 30 and not out.exists()
    run = _run(out, n=3000, chunk_size=100, resume=True)
    assert run.chunks_reused == finished  # type: ignore[attr-defined]
    assert _same(out, reference)


def test_resume_refuses_other_settings(tmp_path: Path) -> None:
    from sbmltwin.errors import SbmlTwinError

    out = tmp_path / "c.parquet"
    parts = Path(str(out) + ".parts")
    parts.mkdir()
    (parts / "run.json").write_text('{"seed": 1}', encoding="utf-8")
    with pytest.raises(SbmlTwinError, match="other settings"):
        _run(out, resume=True)
