"""Hostile and pathological files: each ends in a clear error, within 10 s and 500 MB, without
crashing the process. Every file runs through ``python -m sbmltwin check`` in a child process so
that a segfault in libsbml/libroadrunner would show up as a signal, not kill the test run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests._fixtures import deep_mathml

pytestmark = pytest.mark.integration

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"

# file → a phrase the one-line error must contain
EXPECTED = {
    "billion_laughs.xml": "DOCTYPE",
    "external_entity.xml": "DOCTYPE",
    "external_dtd.xml": "DOCTYPE",
    "binary_junk.xml": "binary",
    "empty.xml": "empty",
    "wrong_encoding.xml": "UTF-8",
    "wrong_encoding_utf16.xml": "UTF-16",
    "nan_parameter.xml": "nan",
    "truncated.xml": "not well-formed",
    "undefined_id.xml": "'kx'",
    "no_model.xml": "no <model>",
    "not_sbml.xml": "not <sbml>",
}
LIMIT_BYTES = 500 * 2**20


# The child reports its own peak RSS (VmHWM of its post-exec address space) at exit: a parent's
# wait4/RUSAGE_CHILDREN figure would include the pytest process's pages from the fork.
_CHILD = """
import atexit, os, resource, runpy, sys
resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
def _peak():
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    os.write(2, f"\\nPEAK_RSS_KB {kb}\\n".encode())
atexit.register(_peak)
sys.argv = ["sbmltwin", *sys.argv[1:]]
runpy.run_module("sbmltwin", run_name="__main__", alter_sys=True)
"""


def _run(args: list[str]) -> tuple[int, str, float, int]:
    """Run sbmltwin in a child; return (exit code or -signal, stderr, seconds, peak RSS bytes)."""
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, *args], capture_output=True, timeout=10, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"sbmltwin {' '.join(args)} did not finish within 10 s")
    seconds = time.monotonic() - start
    err = proc.stderr.decode("utf-8", "replace")
    peak = [int(line.split()[1]) for line in err.splitlines() if line.startswith("PEAK_RSS_KB ")]
    err = "\n".join(
        line for line in err.splitlines() if line.strip() and not line.startswith("PEAK_RSS_KB ")
    )
    return proc.returncode, err, seconds, (peak[-1] * 1024 if peak else 2**63)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_gives_a_clear_error(name: str) -> None:
    code, err, seconds, rss = _run(["check", str(HOSTILE / name)])
    assert code == 2, f"exit {code} (negative = killed by signal): {err}"
    lines = err.strip().splitlines()
    assert lines[-1].startswith("sbmltwin: error: ") and name in lines[-1], err
    assert EXPECTED[name].lower() in lines[-1].lower(), err
    assert seconds < 10 and rss < LIMIT_BYTES, (seconds, rss)


def test_every_corpus_file_is_covered() -> None:
    files = {p.name for p in HOSTILE.glob("*.xml") if not p.name.startswith("ok_")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("depth", [5000, 100_000])
def test_deep_mathml_gives_a_clear_error(tmp_path: Path, depth: int) -> None:
    f = tmp_path / f"deep{depth}.xml"
    f.write_text(deep_mathml(depth), encoding="utf-8")
    code, err, seconds, rss = _run(["simulate", str(f), "--end", "1"])
    assert code == 2 and "nest deeper than" in err, err
    assert seconds < 10 and rss < LIMIT_BYTES


def test_very_long_attribute_gives_a_clear_error(tmp_path: Path) -> None:
    # libroadrunner 2.10 segfaults on attribute values of about 65,500 characters
    text = (
        (HOSTILE / "ok_l2v4.xml")
        .read_text(encoding="utf-8")
        .replace('id="tiny_l2v4"', 'id="tiny_l2v4" name="' + "x" * 70_000 + '"', 1)
    )
    f = tmp_path / "long_attribute.xml"
    f.write_text(text, encoding="utf-8")
    code, err, seconds, rss = _run(["simulate", str(f), "--end", "1"])
    assert code == 2 and "characters long" in err, err
    assert seconds < 10 and rss < LIMIT_BYTES


@pytest.mark.parametrize("name", ["ok_bom.xml", "ok_l2v4.xml"])
def test_benign_oddities_still_load(name: str) -> None:
    code, err, _seconds, _rss = _run(["info", str(HOSTILE / name)])
    assert code == 0, err
