"""A worker that dies by a signal broke the whole process pool (every later chunk raised
BrokenProcessPool). Now the pool is replaced, the chunks in flight run again one at a time,
and only the chunk that kills its worker alone is marked failed, with the reason."""

from __future__ import annotations

import ctypes
import faulthandler

import pytest

from sbmltwin.cohort.backends import ProcessBackend
from sbmltwin.errors import SbmlTwinError

pytestmark = pytest.mark.integration


def _job(x: int) -> int:
    if x == 5:
        faulthandler.disable()
        ctypes.string_at(0)  # SIGSEGV
    return 2 * x


def test_a_crashing_job_is_marked_and_the_others_complete() -> None:
    backend = ProcessBackend(2, start_method="fork")
    try:
        results = dict(backend.map_unordered(_job, range(12), on_crash=lambda j, why: why))
    finally:
        backend.close()
    assert results.pop(5) == "worker crashed (SIGSEGV); this chunk's twins were not run"
    assert results == {x: 2 * x for x in range(12) if x != 5}


def test_without_on_crash_the_crash_is_an_error() -> None:
    backend = ProcessBackend(2, start_method="fork")
    try:
        with pytest.raises(SbmlTwinError, match="SIGSEGV"):
            list(backend.map_unordered(_job, [5]))
    finally:
        backend.close()
