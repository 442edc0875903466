"""Run crash-prone native work in a forked child under resource limits.

libsbml and libroadrunner are C++: on some inputs they segfault, abort (``std::bad_alloc``) or
run for ever, and any of these would take the whole process down. :func:`run_isolated` runs a
function in a forked child with an address-space and a CPU-time limit and hands its result (or
its :class:`~sbmltwin.errors.SbmlTwinError`) back through a pipe; a child that dies by a
signal, runs out of memory or out of time becomes a :class:`NativeCrashError` with one clear
sentence. Children also die with their parent (``PR_SET_PDEATHSIG``).

Limits (environment, documented in the README): ``SBMLTWIN_NATIVE_MEMORY_MB`` (default 2048,
added to what the process already maps), ``SBMLTWIN_NATIVE_CPU_S`` (default 45),
``SBMLTWIN_ISOLATE=0`` runs in-process (debugging only). Without ``os.fork`` (Windows) the work
runs in-process. This module is a leaf: it imports only :mod:`sbmltwin.errors`.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import pickle
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from sbmltwin.errors import NativeCrashError, SbmlTwinError

__all__ = ["NativeBudget", "die_with_parent", "isolation_enabled", "run_isolated", "stage"]

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1
_STAGE_BYTES = 256
_stage_map: mmap.mmap | None = None


def stage(actor: str, action: str) -> None:
    """Say what the isolated child is doing now (``"libroadrunner"``, ``"compiling model
    'm'"``), so that the parent can name it if the child crashes. A no-op elsewhere."""
    if _stage_map is not None:
        text = f"{actor}\t{action}"
        data = text.encode("utf-8", "replace")[: _STAGE_BYTES - 1]
        _stage_map.seek(0)
        _stage_map.write(data + b"\0" * (_STAGE_BYTES - len(data)))


def _read_stage(shared: mmap.mmap) -> str:
    return shared[:_STAGE_BYTES].split(b"\0", 1)[0].decode("utf-8", "replace")


class NativeBudget:
    """Memory (MiB beyond what the process maps at the fork) and CPU seconds for a child."""

    def __init__(self, memory_mb: int | None = None, cpu_s: int | None = None) -> None:
        self.memory_mb = (
            memory_mb if memory_mb is not None else _env_int("SBMLTWIN_NATIVE_MEMORY_MB", 2048)
        )
        self.cpu_s = cpu_s if cpu_s is not None else _env_int("SBMLTWIN_NATIVE_CPU_S", 45)


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SbmlTwinError(
            f"{name}={text!r} is not an integer", hint=f"e.g. {name}={default}"
        ) from None
    if value < 1:
        raise SbmlTwinError(f"{name} must be at least 1, not {value}")
    return value


def isolation_enabled() -> bool:
    """Whether native work runs in forked children (Linux/macOS, unless SBMLTWIN_ISOLATE=0)."""
    return hasattr(os, "fork") and os.environ.get("SBMLTWIN_ISOLATE", "1") != "0"


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (no orphans after a
    SIGKILL of the parent). A no-op elsewhere. Exits at once if the parent is already gone."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent or parent == 1:  # the parent died before prctl took effect
        os._exit(1)


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit(budget: NativeBudget) -> None:
    import resource

    mem = _mapped_bytes() + budget.memory_mb * 2**20
    for kind, value in ((resource.RLIMIT_AS, mem), (resource.RLIMIT_CPU, budget.cpu_s)):
        soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        if soft == resource.RLIM_INFINITY or value < soft:
            resource.setrlimit(kind, (value, hard))


def _child(
    write_fd: int,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    budget: NativeBudget,
) -> None:
    code = 0
    try:
        import faulthandler

        faulthandler.disable()  # the parent reports the crash, in one line
        die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _limit(budget)
        try:
            payload: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except SbmlTwinError as err:
            payload = ("error", err)
        except MemoryError:
            payload = ("memory", None)
        except BaseException:  # noqa: BLE001 - reported to the parent as a bug
            payload = ("bug", traceback.format_exc())
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps(("memory", None))
        except Exception:  # noqa: BLE001
            data = pickle.dumps(("bug", traceback.format_exc()))
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
    except BaseException:  # noqa: BLE001
        code = 70
    finally:
        os._exit(code)


def run_isolated(
    fn: Callable[..., T],
    *args: Any,
    what: str,
    where: str | None,
    budget: NativeBudget | None = None,
    **kwargs: Any,
) -> T:
    """``fn(*args, **kwargs)`` in a forked child under ``budget``; its result or its
    :class:`SbmlTwinError`, or a :class:`NativeCrashError` when the child crashes, exhausts its
    memory or CPU time. ``what`` names the work ("compiling model 'm'") in messages."""
    global _stage_map
    if not isolation_enabled():
        return fn(*args, **kwargs)
    budget = budget or NativeBudget()
    sys.stdout.flush()
    sys.stderr.flush()
    shared = mmap.mmap(-1, _STAGE_BYTES)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(read_fd)
        _stage_map = shared
        _child(write_fd, fn, args, kwargs, budget)
    os.close(write_fd)
    chunks: list[bytes] = []
    wall = 2 * budget.cpu_s + 30
    deadline = time.monotonic() + wall
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
            if ready:
                block = os.read(read_fd, 1 << 20)
                if not block:
                    break
                chunks.append(block)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    doing = _read_stage(shared)
    shared.close()
    actor, _, action = doing.partition("\t")
    actor, action = actor or "native code", action or what
    hint = f"{what} is not supported; simplify it, or report it if it is a real model"
    if timed_out:
        raise NativeCrashError(
            f"{actor} did not finish in {wall} s while {action}", where=where, hint=hint
        )
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig in (signal.SIGXCPU, signal.SIGKILL):
            raise NativeCrashError(
                f"{actor} used more than {budget.cpu_s} s of CPU while {action} and was stopped",
                where=where,
                hint="raise SBMLTWIN_NATIVE_CPU_S if this is a real, large model",
            )
        if sig == signal.SIGABRT:
            raise NativeCrashError(
                f"{actor} aborted (SIGABRT) while {action}; usually out of memory (the limit "
                f"is {budget.memory_mb} MiB)",
                where=where,
                hint="raise SBMLTWIN_NATIVE_MEMORY_MB if this is a real, large model",
            )
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        raise NativeCrashError(f"{actor} crashed ({name}) while {action}", where=where, hint=hint)
    try:
        kind, value = pickle.loads(b"".join(chunks))  # noqa: S301 - our own child's bytes
    except Exception:  # noqa: BLE001
        raise NativeCrashError(
            f"{actor} ended without a result while {action} (exit status {os.WEXITSTATUS(status)})",
            where=where,
            hint=hint,
        ) from None
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "error":
        raise value
    if kind == "memory":
        raise NativeCrashError(
            f"{actor} ran out of memory while {action} (limit {budget.memory_mb} MiB)",
            where=where,
            hint="raise SBMLTWIN_NATIVE_MEMORY_MB if this is a real, large model",
        )
    raise RuntimeError(f"{what} failed in an isolated child:\n{value}")
