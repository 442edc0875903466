"""A crash, an abort, a memory blow-up or a runaway in native code inside the boundary ends as
one NativeCrashError, and the calling process lives on (sbmltwin._isolate)."""

from __future__ import annotations

import ctypes
import os

import pytest

from sbmltwin._isolate import NativeBudget, run_isolated, stage
from sbmltwin.errors import NativeCrashError, SbmlTwinError


def _segfault() -> None:
    stage("libroadrunner", "compiling model 'm'")
    ctypes.string_at(0)


def _abort() -> None:
    os.abort()


def _hog() -> None:
    blocks = []
    while True:
        blocks.append(bytearray(50 * 2**20))


def _spin() -> None:
    while True:
        pass


def _user_error() -> None:
    raise SbmlTwinError("bad input", where="x.xml")


def test_segfault_names_the_library_and_the_work() -> None:
    with pytest.raises(
        NativeCrashError, match=r"libroadrunner crashed \(SIGSEGV\) while compiling model 'm'"
    ):
        run_isolated(_segfault, what="the model file m.xml", where="m.xml")


def test_abort_and_memory_and_cpu_limits() -> None:
    with pytest.raises(NativeCrashError, match="SIGABRT"):
        run_isolated(_abort, what="x", where="x")
    with pytest.raises(NativeCrashError, match="out of memory"):
        run_isolated(_hog, what="x", where="x", budget=NativeBudget(memory_mb=256, cpu_s=20))
    with pytest.raises(NativeCrashError, match="more than 1 s of CPU"):
        run_isolated(_spin, what="x", where="x", budget=NativeBudget(cpu_s=1))


def test_results_and_user_errors_cross_the_boundary() -> None:
    assert run_isolated(sum, [1, 2, 3], what="x", where="x") == 6
    with pytest.raises(SbmlTwinError, match="bad input"):
        run_isolated(_user_error, what="x", where="x")
