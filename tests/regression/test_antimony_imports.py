"""Antimony opened any imported file (/etc/hostname, /proc/self/environ, itself: a hang) and
quoted its content in the error message. Imports are now refused by default and, with
--allow-imports, read only from the model's own folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.harness import run_cli
from tests.regression._helpers import clean_error

pytestmark = pytest.mark.integration

SUB = "model sub\n  k = 3\nend\n"


def _main(ref: str) -> str:
    return f'import "{ref}"\nmodel main\n  A: sub()\n  x = 2\nend\n'


def test_imports_are_refused_by_default(write) -> None:
    write("sub.ant", SUB)
    path = write("main.ant", _main("sub.ant"))
    clean_error(["info", str(path)], "imports other files", "--allow-imports")


def test_imports_inside_the_folder_work_with_the_flag(write, tmp_path: Path) -> None:
    write("sub.ant", SUB)
    path = write("main.ant", _main("sub.ant"))
    outcome = run_cli(
        ["--allow-imports", "info", str(path), "--kind", "parameter"], cwd=tmp_path.parent
    )
    assert outcome.code == 0, outcome.stderr
    assert "A_k" in outcome.stdout and "3" in outcome.stdout


@pytest.mark.parametrize(
    ("ref", "phrase"),
    [
        ("/etc/hostname", "not a relative path"),
        ("/proc/self/environ", "not a relative path"),
        ("/dev/zero", "not a relative path"),
        ("../outside.ant", "leaves the model's folder"),
        ("main.ant", "cycle"),
        ("missing.ant", "not found"),
    ],
)
def test_unsafe_imports_are_refused_even_with_the_flag(ref, phrase, write) -> None:
    write("../outside.ant", SUB)
    path = write("main.ant", _main(ref))
    clean_error(["--allow-imports", "info", str(path)], phrase)


def test_import_cycles_and_depth(write) -> None:
    write("a.ant", 'import "b.ant"\nmodel a\n x = 1\nend\n')
    write("b.ant", 'import "a.ant"\nmodel b\n y = 1\nend\n')
    clean_error(["--allow-imports", "info", str(write("c.ant", _main("a.ant")))], "cycle")
    for i in range(12):
        write(f"d{i}.ant", f'import "d{i + 1}.ant"\nmodel d{i}\n x = 1\nend\n')
    write("d12.ant", SUB)
    clean_error(["--allow-imports", "info", str(write("e.ant", _main("d0.ant")))], "deeper than 8")


def test_error_messages_never_quote_an_imported_file(write) -> None:
    write("secret.ant", "model s\n  SECRET_TOKEN_42 +\nend\n")
    path = write("main.ant", _main("secret.ant"))
    outcome = clean_error(["--allow-imports", "info", str(path)], "imports cannot be read")
    assert "SECRET_TOKEN_42" not in outcome.stderr
