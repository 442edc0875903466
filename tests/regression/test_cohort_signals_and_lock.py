"""SIGTERM left cohort workers orphaned for ≥ 60 s, Ctrl-C exited 1 ("Aborted.") with no hint,
and two runs writing one output both crashed. Now: SIGINT/SIGTERM stop the workers and exit
130/143 with a --resume hint, SIGKILL of the parent takes the workers with it, --resume gives
the uninterrupted table, and a second writer exits 2 naming the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "cohort"
REPO = Path(__file__).resolve().parents[2]


def _args(out: Path, n: int = 800) -> list[str]:
    return [
        sys.executable, "-m", "sbmltwin", "cohort", "example:cyp2d6_substrate",
        "--bindings", str(DATA / "bindings.toml"), "--population", str(DATA / "european.toml"),
        "--n", str(n), "--seed", "11", "--dose", "100 mg oral", "--output-id", "[C_plasma]",
        "--workers", "2", "--chunk-size", "40", "-o", str(out),
    ]  # fmt: skip


def _start(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # SIGINT as on a terminal: a shell running this suite in the background (nohup, `&`) starts
    # it with SIGINT ignored, the child would inherit that and finish the run (exit 0), as a
    # nohup'ed sbmltwin should; the test is about Ctrl-C, so the child starts with the default
    return subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=_sigint_default,
    )  # fmt: skip


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_chunks(parts: Path, proc: subprocess.Popen[bytes], count: int = 2) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if parts.is_dir() and len(list(parts.glob("chunk-*.parquet"))) >= count:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    pytest.fail("no chunk finished within 120 s")


def _table(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path).sort_values("index").reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("ref")
    done = subprocess.run(
        _args(tmp / "ref.parquet"), cwd=tmp, env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return _table(tmp / "ref.parquet")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_signal_stops_workers_and_resume_completes(sig, tmp_path: Path, reference) -> None:
    out = tmp_path / "c.parquet"
    proc = _start(_args(out), tmp_path)
    _wait_for_chunks(Path(f"{out}.parts"), proc)
    family = [proc.pid, *(c.pid for c in psutil.Process(proc.pid).children(recursive=True))]
    assert len(family) >= 3  # the parent and two workers
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=30)
    time.sleep(2)
    alive = [
        pid for pid in family if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"
    ]
    assert alive == [], alive
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + sig, err
        assert b"--resume" in err and b"Traceback" not in err, err
    assert not out.exists()
    if sig == signal.SIGINT:
        return  # resuming is the same as after SIGTERM
    resumed = subprocess.run(
        [*_args(out), "--resume"], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True, check=False, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    pd.testing.assert_frame_equal(_table(out), reference)


def test_second_writer_gets_the_lock_error_and_first_finishes(tmp_path: Path, reference) -> None:
    out = tmp_path / "c.parquet"
    first = _start(_args(out, n=3000), tmp_path)
    _wait_for_chunks(Path(f"{out}.parts"), first, count=1)
    second = subprocess.run(
        _args(out), cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True, check=False, timeout=300,
    )  # fmt: skip
    assert second.returncode == 2, second.stderr
    lines = second.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sbmltwin: error: ") and ".lock" in lines[0]
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    # twin i draws from default_rng([seed, i]): the first 800 twins are the reference's
    pd.testing.assert_frame_equal(_table(out).head(len(reference)), reference)
    assert not Path(f"{out}.lock").exists() and not Path(f"{out}.parts").exists()
