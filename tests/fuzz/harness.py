"""Run the sbmltwin command line on one input in a forked child and classify what happened.

A forked child starts in milliseconds (sbmltwin, libsbml and libroadrunner are already
imported in the parent), so thousands of inputs run in minutes, while a segfault, an abort, a
hang or a memory blow-up still only ends that child. The child runs the same entry point as
``python -m sbmltwin`` (``sbmltwin.cli.cli.main``) with its own process group, stdout and
stderr; it reports its peak RSS and that of its own children (the native boundary's).
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Outcome", "run_cli", "warm"]

ERROR_PREFIX = "sbmltwin: error: "


@dataclass(frozen=True)
class Outcome:
    """What one run did. ``code`` is the exit code, or −signal when a signal ended it."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    timed_out: bool

    @property
    def verdict(self) -> str:
        """``ok`` (exit 0/3), ``clean-error`` (exit 2, one error line), else the defect class:
        ``signal``, ``hang``, ``memory``, ``traceback``, ``bad-error`` (exit 2 without exactly
        one ``sbmltwin: error:`` line) or ``exit-N``."""
        if self.timed_out:
            return "hang"
        if self.code < 0:
            return "signal"
        if self.peak_rss_mb > 2048:
            return "memory"
        if "Traceback (most recent call last)" in self.stderr:
            return "traceback"
        if self.code in (0, 3):
            return "ok"
        if self.code == 2:
            errors = [ln for ln in self.stderr.splitlines() if ln.startswith(ERROR_PREFIX)]
            return "clean-error" if len(errors) == 1 else "bad-error"
        return f"exit-{self.code}"

    @property
    def error_line(self) -> str:
        lines = [ln for ln in self.stderr.splitlines() if ln.startswith(ERROR_PREFIX)]
        return lines[-1] if lines else ""


def _child(args: Sequence[str], out_fd: int, err_fd: int, peak_path: str, cwd: str | None) -> None:
    code = 1
    try:
        os.setpgid(0, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        import sys

        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
        if cwd:
            os.chdir(cwd)
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))  # a last guard only
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        from sbmltwin.cli import cli

        try:
            rv = cli.main(list(args), prog_name="sbmltwin", standalone_mode=False)
            code = rv if isinstance(rv, int) else 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
    finally:
        try:
            import resource
            import sys

            sys.stdout.flush()
            sys.stderr.flush()
            own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            Path(peak_path).write_text(f"{max(own, kids)}")
        finally:
            os._exit(code)


def warm() -> None:
    """Import what the commands import lazily, once, in the parent: forked children then start
    with it loaded instead of importing it again in every run."""
    import importlib

    for name in (
        "sbmltwin.cli",
        "sbmltwin.engine",
        "sbmltwin.engine.boundary",
        "sbmltwin.personalize",
        "sbmltwin.cohort.run",
        "sbmltwin.cohort.backends",
        "sbmltwin.cohort.sampling",
        "sbmltwin.validate.cases",
        "sbmltwin.report",
        "sbmltwin._plot",
        "roadrunner",
        "antimony",
        "pandas",
        "pyarrow.parquet",
        "matplotlib.pyplot",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def run_cli(
    args: Sequence[str], *, timeout: float = 60.0, cwd: str | Path | None = None
) -> Outcome:
    """Run ``sbmltwin ARGS`` in a forked child; kill its process group after ``timeout``."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(delete=False) as peak,
    ):
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover
            _child(args, out.fileno(), err.fileno(), peak.name, str(cwd) if cwd else None)
        timed_out = False
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - start > timeout:
                timed_out = True
                for target in (-pid, pid):
                    try:
                        os.kill(target, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                _, status = os.waitpid(pid, 0)
                break
            time.sleep(0.005)
        seconds = time.monotonic() - start
        try:
            os.killpg(pid, signal.SIGKILL)  # stragglers of the child's group, if any
        except (ProcessLookupError, PermissionError):
            pass
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        out.seek(0)
        err.seek(0)
        try:
            kb = int(Path(peak.name).read_text() or 0)
        except (OSError, ValueError):
            kb = 0
        os.unlink(peak.name)
        return Outcome(
            tuple(args),
            code,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            kb / 1024,
            timed_out,
        )
