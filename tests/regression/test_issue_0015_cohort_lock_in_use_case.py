"""Issue 15: only the ``cohort`` command took the output's ``.lock``; ``run_cohort`` itself did
not, so a second Python caller on the same output deleted the first run's ``.parts`` folder
(``_prepare`` starts afresh) while the first was still writing into it. The lock is now taken by
the use case: every caller gets it."""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sbmltwin.cohort.run import Progress, run_cohort
from sbmltwin.cohort.sampling import load_population
from sbmltwin.engine import parse_regimen
from sbmltwin.errors import OutputError
from sbmltwin.model import parse_model
from sbmltwin.personalize import load_bindings

DATA = Path(__file__).resolve().parents[1] / "data" / "cohort"


def _run(out: Path, **kw: object) -> object:
    ant = resources.files("sbmltwin.examples").joinpath("cyp2d6_substrate.ant").read_text()
    return run_cohort(
        parse_model(ant, fmt="antimony"),
        load_bindings(DATA / "bindings.toml"),
        load_population(DATA / "european.toml"),
        parse_regimen("100 mg oral"),
        n=40,
        seed=3,
        output=out,
        outputs=["[C_plasma]"],
        summary_only=True,
        chunk_size=10,
        **kw,  # type: ignore[arg-type]
    )


def test_a_second_caller_on_the_same_output_is_refused_and_the_first_run_survives(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sub" / "c.parquet"  # the folder does not exist yet
    parts = Path(f"{out}.parts")
    first_chunk_written = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def hold(p: Progress) -> None:  # the first run pauses inside its lock, parts half written
        first_chunk_written.set()
        assert release.wait(60)

    def first() -> None:
        try:
            _run(out, progress=hold)
        except BaseException as err:
            errors.append(err)
            first_chunk_written.set()

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert first_chunk_written.wait(60) and not errors, errors
        chunks_before = sorted(p.name for p in parts.glob("chunk-*.parquet"))
        assert chunks_before  # the first run is mid-way
        with pytest.raises(OutputError, match=r"\.lock"):
            _run(out)
        # the refused caller touched nothing of the running one
        assert sorted(p.name for p in parts.glob("chunk-*.parquet")) == chunks_before
    finally:
        release.set()
        worker.join(120)
    assert not errors, errors
    table = pq.read_table(out).to_pandas()
    assert list(table["index"]) == list(range(40))
    assert not Path(f"{out}.lock").exists() and not parts.exists()
    _run(out)  # the lock is released: the same output can be written again
