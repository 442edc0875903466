"""Write errors (read-only folder, full disk, -o /dev/full) were tracebacks; --plot x.txt
failed after the CSV was written; --plot /dev/full printed 'wrote /dev/full' and exited 0."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fuzz.harness import run_cli
from tests.regression._helpers import TINY, clean_error

pytestmark = pytest.mark.integration

SIM = ["simulate", str(TINY), "--end", "1", "--points", "5"]


def test_full_disk_is_one_line() -> None:
    clean_error([*SIM, "-o", "/dev/full"], "/dev/full", "No space left")


def test_plot_format_is_checked_before_any_work(tmp_path: Path) -> None:
    csv = tmp_path / "out.csv"
    clean_error([*SIM, "-o", str(csv), "--plot", str(tmp_path / "x.txt")], "--plot must end in")
    assert not csv.exists()
    clean_error([*SIM, "-o", str(csv), "--plot", "/dev/full"], "--plot must end in")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        clean_error([*SIM, "-o", str(folder / "out.csv")], "not writable")
    finally:
        folder.chmod(0o700)


def test_writes_are_atomic_and_keep_permissions(tmp_path: Path) -> None:
    csv = tmp_path / "out.csv"
    outcome = run_cli([*SIM, "-o", str(csv), "--plot", str(tmp_path / "p.png")])
    assert outcome.code == 0, outcome.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "p.png"]  # no temp files
    mask = os.umask(0)
    os.umask(mask)
    assert csv.stat().st_mode & 0o777 == 0o666 & ~mask
    assert csv.read_text(encoding="utf-8").count("\n") == 6  # header + 5 points
