"""What libroadrunner's solver prints, captured and counted instead of flooding the terminal.

libroadrunner 2.9+ ships SUNDIALS 7, whose CVODE writes warnings through its own logger straight
to the process's standard output (``[WARNING][rank 0][cvodes.c:3528][CVode] Internal t = 24 and
h = 1.4e-26 are such that t + h = t on the next step. The solver will continue anyway.``), up to
ten lines per integration segment. ``roadrunner.Logger.setLevel`` does not reach that logger
(sys-bio/roadrunner#1316), so the integration (:func:`capture_solver_output`, around every
integration in :mod:`sbmltwin.engine.simulate`) points file descriptors 1 and 2 at scratch
files and reads them back afterwards:

* solver lines (``[LEVEL][rank N][file:line][Function] message``) become
  :class:`SolverMessages`: counted per kind (the message with its numbers blanked), the first
  occurrence kept verbatim;
* everything else the block wrote is written back unchanged, to the descriptor it was for.

The counts go to every open :func:`collect_solver_messages` block of the same thread
(``validate`` puts them in each case's warnings, one line per kind). Outside such a block each kind is logged once per
process on the ``sbmltwin.engine`` logger, so a library caller is told without a flood.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = [
    "SOLVER_PREFIX",
    "SolverMessages",
    "capture_solver_output",
    "collect_solver_messages",
    "parse_solver_output",
]

log = logging.getLogger("sbmltwin.engine")
SOLVER_PREFIX = "libroadrunner/CVODE "  #: how each line of :meth:`SolverMessages.lines` starts

#: SUNDIALS 7 logger lines: [LEVEL][rank N][file:line][Function] message
_LINE = re.compile(r"^\[(?P<level>[A-Z]+)\]\[rank \d+\]\[[^\]]*\]\[(?P<func>[^\]]+)\] (?P<msg>.*)$")
#: SUNDIALS < 7 and libroadrunner's own console lines, e.g. "[CVODE WARNING]  CVode"
_OLD = re.compile(r"^\[(?P<func>CVODES?) (?P<level>WARNING|ERROR)\]\s*(?P<msg>.*)$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class SolverMessages:
    """Solver messages counted by kind: ``kind → (count, first message verbatim)``."""

    kinds: dict[str, tuple[int, str]] = field(default_factory=dict)

    def add(self, kind: str, first: str, count: int = 1) -> None:
        seen, first_seen = self.kinds.get(kind, (0, first))
        self.kinds[kind] = (seen + count, first_seen)

    def merge(self, other: SolverMessages) -> None:
        for kind, (count, first) in other.kinds.items():
            self.add(kind, first, count)

    @property
    def total(self) -> int:
        return sum(count for count, _ in self.kinds.values())

    def lines(self) -> tuple[str, ...]:
        """One line per kind, most frequent first."""
        rows = sorted(self.kinds.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return tuple(
            f"{SOLVER_PREFIX}{kind} ({count}×; first: {first})" for kind, (count, first) in rows
        )


def _kind(level: str, func: str, msg: str) -> str:
    return f"{level.lower()} [{func}]: {_NUMBER.sub('#', msg.strip())}"


def parse_solver_output(text: str) -> tuple[SolverMessages, str]:
    """Split captured standard error into counted solver messages and the rest (verbatim)."""
    found = SolverMessages()
    rest = []
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        m = _LINE.match(bare) or _OLD.match(bare)
        if m is None:
            rest.append(line)
            continue
        msg = m["msg"].strip()
        found.add(_kind(m["level"], m["func"], msg), msg)
    return found, "".join(rest)


_LOCK = threading.RLock()
_state = threading.local()
_logged: set[str] = set()
_sinks: tuple[int, dict[int, IO[bytes]]] | None = None
_FDS = (1, 2)  # SUNDIALS 7 writes warnings to stdout, errors to stderr


def _scratch() -> dict[int, IO[bytes]]:
    """This process's scratch files, one per descriptor (a forked child must not share its
    parent's file offsets)."""
    global _sinks
    if _sinks is None or _sinks[0] != os.getpid():
        _close_scratch()  # a forked child's copies of its parent's files
        _sinks = (os.getpid(), {fd: tempfile.TemporaryFile() for fd in _FDS})
    return _sinks[1]


@atexit.register
def _close_scratch() -> None:
    global _sinks
    if _sinks is not None:
        for sink in _sinks[1].values():
            sink.close()
        _sinks = None


def _flush_c_streams() -> None:
    """Flush C stdio buffers (SUNDIALS writes with fprintf; piped stdout is block-buffered)."""
    global _fflush
    if _fflush is None:
        try:
            _fflush = ctypes.CDLL(None).fflush
        except (OSError, AttributeError, TypeError):  # no C library to ask (e.g. Windows)
            _fflush = False
    if _fflush:
        _fflush(None)


_fflush: Any = None


def _flush_python() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if stream is not None:
                stream.flush()


def _deliver(found: SolverMessages) -> None:
    if not found.kinds:
        return
    collectors: list[SolverMessages] = getattr(_state, "collectors", [])
    if collectors:
        for c in collectors:
            c.merge(found)
        return
    for kind, (count, first) in found.kinds.items():
        if kind not in _logged:
            _logged.add(kind)
            log.warning(
                "libroadrunner/CVODE %s (%d×; first: %s; logged once per process)",
                kind,
                count,
                first,
            )


@contextlib.contextmanager
def capture_solver_output() -> Iterator[None]:
    """Route what native code writes to standard output and error during the block to scratch
    files, then count the solver's lines (see the module docstring) and write the rest back to
    where it was going."""
    with _LOCK:
        if getattr(_state, "depth", 0):  # an enclosing capture reads it
            yield
            return
        saved: dict[int, int] = {}
        try:
            sinks = _scratch()
            _flush_python()
            _flush_c_streams()
            for fd, sink in sinks.items():
                sink.seek(0)
                sink.truncate()
                saved[fd] = os.dup(fd)
        except (OSError, ValueError):  # no usable descriptors: nothing to capture
            for copy in saved.values():
                os.close(copy)
            yield
            return
        _state.depth = 1
        for fd, sink in sinks.items():
            os.dup2(sink.fileno(), fd)
        try:
            yield
        finally:
            _state.depth = 0
            _flush_python()
            _flush_c_streams()
            found = SolverMessages()
            for fd, sink in sinks.items():
                os.dup2(saved[fd], fd)
                os.close(saved[fd])
                sink.seek(0)
                got, rest = parse_solver_output(sink.read().decode("utf-8", errors="replace"))
                found.merge(got)
                if rest:
                    os.write(fd, rest.encode("utf-8"))
            _deliver(found)


@contextlib.contextmanager
def collect_solver_messages() -> Iterator[SolverMessages]:
    """Count the solver messages of every integration in this block (and in nested blocks)."""
    found = SolverMessages()
    if not hasattr(_state, "collectors"):
        _state.collectors = []
    _state.collectors.append(found)
    try:
        yield found
    finally:
        _state.collectors.remove(found)
