"""Where chunks run: serial, local processes, or a Dask cluster, behind one small protocol.

A backend maps a picklable, module-level function over jobs and yields ``(job, result)`` as
jobs finish, with at most ``2 × workers`` jobs in flight so memory stays flat in cohort size.
Workers receive the :class:`~sbmltwin.model.Model` (SBML text) inside each job and compile it
once per process (``sbmltwin.engine.compile_model`` caches by SHA-256).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

from sbmltwin.errors import SbmlTwinError

__all__ = [
    "Backend",
    "DaskBackend",
    "ProcessBackend",
    "SerialBackend",
    "default_start_method",
    "default_workers",
]

J = TypeVar("J")
R = TypeVar("R")


def default_workers() -> int:
    """``SBMLTWIN_WORKERS`` if set, else the number of usable cores."""
    env = os.environ.get("SBMLTWIN_WORKERS")
    if env:
        try:
            return max(1, int(env))
        except ValueError as err:
            raise SbmlTwinError(f"SBMLTWIN_WORKERS={env!r} is not an integer") from err
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Backend(Protocol):
    """Runs ``fn(job)`` for every job; yields (job, result) in completion order."""

    name: str
    workers: int

    def map_unordered(
        self,
        fn: Callable[[J], R],
        jobs: Iterable[J],
        on_crash: Callable[[J, str], R] | None = None,
    ) -> Iterator[tuple[J, R]]: ...

    def close(self) -> None: ...


class SerialBackend:
    """Everything in this process, one job after another."""

    name = "serial"
    workers = 1

    def map_unordered(
        self,
        fn: Callable[[J], R],
        jobs: Iterable[J],
        on_crash: Callable[[J, str], R] | None = None,
    ) -> Iterator[tuple[J, R]]:
        for job in jobs:
            yield job, fn(job)

    def close(self) -> None:
        return None


def _bounded(
    submit: Callable[[J], Any],
    wait_one: Callable[[set[Any]], tuple[Any, set[Any]]],
    result: Callable[[Any], R],
    jobs: Iterable[J],
    limit: int,
) -> Iterator[tuple[J, R]]:
    pending: dict[Any, J] = {}
    it = iter(jobs)
    exhausted = False
    while True:
        while not exhausted and len(pending) < limit:
            try:
                job = next(it)
            except StopIteration:
                exhausted = True
                break
            pending[submit(job)] = job
        if not pending:
            return
        done, _ = wait_one(set(pending))
        for fut in done:
            yield pending.pop(fut), result(fut)


def default_start_method() -> str:
    """``SBMLTWIN_START_METHOD`` if set, else ``fork`` on Linux and ``spawn`` elsewhere.

    A spawned worker starts a fresh interpreter and imports sbmltwin, pint, pandas, libsbml
    and pyarrow again: about 1.1 s of CPU per worker, a tenth of a 10,000-twin PBPK run. A
    forked worker starts with them imported, in milliseconds. It does not use the parent's
    compiled models (another thread may have been running one when the fork happened): its
    compile cache starts empty (``sbmltwin.engine.compile``). The threads a cohort's parent
    holds when it forks (OpenBLAS's, jemalloc's background thread) reinitialise in the child
    through their own ``pthread_atfork`` handlers; the executor forks all its workers before
    it starts its own manager thread. macOS system libraries are not fork-safe, hence
    ``spawn`` there.
    """
    env = os.environ.get("SBMLTWIN_START_METHOD")
    if env:
        if env not in multiprocessing.get_all_start_methods():
            raise SbmlTwinError(
                f"SBMLTWIN_START_METHOD={env!r} is not a start method here",
                hint=f"use one of {', '.join(multiprocessing.get_all_start_methods())}",
            )
        return env
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _worker_init() -> None:
    """In each worker: die with the parent (even a SIGKILLed one) and leave SIGINT to it
    (the parent stops the workers and keeps the finished chunks)."""
    import signal

    from sbmltwin._isolate import die_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()


def _crash_reason(workers: list[Any]) -> str:
    """How the pool's workers ended: 'crashed (SIGSEGV)' or 'died (exit 1)'. The pool
    terminates the surviving workers after a crash (SIGTERM): their codes come last."""
    import signal

    codes = []
    for proc in workers:
        with contextlib.suppress(Exception):
            proc.join(timeout=1)
        code = getattr(proc, "exitcode", None)
        if code:
            codes.append(code)
    codes.sort(key=lambda c: c in (-signal.SIGTERM, -signal.SIGKILL))
    if not codes:
        return "died"
    if codes[0] > 0:
        return f"died (exit {codes[0]})"
    try:
        return f"crashed ({signal.Signals(-codes[0]).name})"
    except ValueError:
        return f"crashed (signal {-codes[0]})"


class ProcessBackend:
    """A ``ProcessPoolExecutor`` of ``workers`` processes, started by ``start_method``
    (default :func:`default_start_method`). Workers die with the parent (``PR_SET_PDEATHSIG``
    on Linux) and ignore SIGINT; :meth:`abort` kills them."""

    name = "processes"

    def __init__(self, workers: int | None = None, *, start_method: str | None = None) -> None:
        self.workers = workers or default_workers()
        self.start_method = start_method or default_start_method()
        ctx = multiprocessing.get_context(self.start_method)
        self._ctx = ctx
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=self._ctx, initializer=_worker_init
        )

    def map_unordered(
        self,
        fn: Callable[[J], R],
        jobs: Iterable[J],
        on_crash: Callable[[J, str], R] | None = None,
    ) -> Iterator[tuple[J, R]]:
        """As :class:`Backend`; a worker that dies (a signal in native code) breaks the pool:
        the pool is replaced, the jobs that were in flight run again one at a time, and the
        one that kills its worker alone gets ``on_crash(job, reason)`` as its result (without
        ``on_crash``: an :class:`SbmlTwinError`)."""
        it = iter(jobs)
        suspects: collections.deque[J] = collections.deque()
        pending: dict[Any, J] = {}
        solo: set[Any] = set()
        exhausted = False
        while True:
            # after a crash, the suspects run alone until each has run
            limit = 1 if suspects or solo & set(pending) else 2 * self.workers
            while len(pending) < limit:
                if suspects:
                    job = suspects.popleft()
                    fut = self._pool.submit(fn, job)
                    solo.add(fut)
                    pending[fut] = job
                    continue
                elif not exhausted:
                    try:
                        job = next(it)
                    except StopIteration:
                        exhausted = True
                        break
                else:
                    break
                pending[self._pool.submit(fn, job)] = job
            if not pending:
                return
            workers = list((getattr(self._pool, "_processes", None) or {}).values())
            done, _ = cf.wait(set(pending), return_when=cf.FIRST_COMPLETED)
            broken: list[J] = []
            for fut in done:
                job = pending.pop(fut)
                try:
                    result = fut.result()
                except cf.process.BrokenProcessPool:
                    broken.append(job)
                    continue
                yield job, result
            if not broken:
                continue
            broken += list(pending.values())
            pending.clear()
            reason = _crash_reason(workers)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            if len(broken) == 1:
                if on_crash is None:
                    raise SbmlTwinError(f"a cohort worker {reason}")
                yield (
                    broken[0],
                    on_crash(broken[0], f"worker {reason}; this chunk's twins were not run"),
                )
            else:
                suspects.extend(broken)

    def abort(self) -> None:
        """Kill the workers now (after SIGINT/SIGTERM): running chunks are lost, finished
        ones are on disk."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        for proc in processes:
            with contextlib.suppress(Exception):
                proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            with contextlib.suppress(Exception):
                proc.join(timeout=2)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend:
    """A Dask ``distributed`` client: an existing scheduler (``address``) or a LocalCluster."""

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        *,
        workers: int | None = None,
        processes: bool = True,
        threads_per_worker: int = 1,
    ) -> None:
        try:
            import distributed
        except ImportError as err:
            raise SbmlTwinError(
                "the Dask backend needs the 'dask' extra", hint="pip install 'sbmltwin[dask]'"
            ) from err
        self._cluster: Any = None
        if address is None:
            self._cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers or default_workers(),
                threads_per_worker=threads_per_worker,
                processes=processes,
                dashboard_address=None,
            )
            self._client = distributed.Client(self._cluster)  # type: ignore[no-untyped-call]
        else:
            self._client = distributed.Client(address)  # type: ignore[no-untyped-call]
        info = self._client.scheduler_info()
        self.workers = max(1, sum(int(w.get("nthreads", 1)) for w in info["workers"].values()))

    def map_unordered(
        self,
        fn: Callable[[J], R],
        jobs: Iterable[J],
        on_crash: Callable[[J, str], R] | None = None,
    ) -> Iterator[tuple[J, R]]:
        from distributed import wait

        def wait_one(fs: set[Any]) -> tuple[Any, set[Any]]:
            done, rest = wait(list(fs), return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
            return set(done), set(rest)

        return _bounded(
            lambda job: self._client.submit(fn, job, pure=False),
            wait_one,
            lambda fut: fut.result(),
            jobs,
            2 * self.workers,
        )

    def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]
        if self._cluster is not None:
            self._cluster.close()
