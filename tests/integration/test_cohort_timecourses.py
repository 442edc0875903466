"""Long time courses next to the cohort table; tables independent of chunking; resume."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sbmltwin.cli import cli
from sbmltwin.cohort.run import run_cohort
from sbmltwin.cohort.sampling import load_population, sample_twin
from sbmltwin.engine import compile_model, parse_regimen, resolve_regimen, simulate
from sbmltwin.errors import SbmlTwinError
from sbmltwin.personalize import personalize

from .test_cohort_run import DATA, _inputs, _same

pytestmark = pytest.mark.integration


def _run(out: Path, **kw: object) -> object:
    model, bindings = _inputs()
    args: dict[str, object] = {
        "n": 30,
        "seed": 3,
        "output": out,
        "outputs": ["[C_plasma]", "A_gut"],
        "points": 49,
        "end": 24.0,
        "chunk_size": 7,
    }
    args.update(kw)
    return run_cohort(
        model,
        bindings,
        load_population(DATA / "european.toml"),
        parse_regimen("100 mg oral"),
        **args,  # type: ignore[arg-type]
    )


def test_timecourses_are_the_twins_own_simulations(tmp_path: Path) -> None:
    run = _run(tmp_path / "c.parquet", timecourses=tmp_path / "tc.parquet")
    assert run.timecourses == tmp_path / "tc.parquet"  # type: ignore[attr-defined]
    table = pq.read_table(tmp_path / "c.parquet").to_pandas()
    long = pq.read_table(tmp_path / "tc.parquet").to_pandas()
    assert list(long.columns) == ["twin_id", "output", "time", "value"]
    ok = table[table["status"] == "ok"]
    assert 0 < len(ok) < len(table)
    # failed twins have no rows; every ok twin has 49 points per output, in twin order
    assert list(dict.fromkeys(long["twin_id"])) == list(ok["twin_id"])
    assert len(long) == len(ok) * 2 * 49
    model, bindings = _inputs()
    compiled = compile_model(model)
    spec = load_population(DATA / "european.toml")
    events = resolve_regimen(
        parse_regimen("100 mg oral"), model, default_target=bindings.dose_targets()
    )
    for index in ok["index"].tolist()[:5]:
        twin = sample_twin(spec, 3, index)
        params = personalize(model, twin.profile, bindings).as_dict()
        for sid, f in twin.iiv.items():
            params[sid] = params.get(sid, compiled.initial_values[sid]) * f
        want = simulate(
            compiled, params, events, end=24.0, points=49, outputs=["[C_plasma]", "A_gut"]
        ).frame
        mine = long[long["twin_id"] == f"twin-{index:07d}"]
        for out in ("[C_plasma]", "A_gut"):
            got = mine[mine["output"] == out]
            assert np.array_equal(got["time"].to_numpy(), want["time"].to_numpy())
            assert np.array_equal(got["value"].to_numpy(), want[out].to_numpy())
        row = ok[ok["index"] == index].iloc[0]
        assert row["[C_plasma].cmax"] == want["[C_plasma]"].max()


@pytest.mark.parametrize("summary_only", [False, True])
def test_tables_do_not_depend_on_chunk_size(tmp_path: Path, summary_only: bool) -> None:
    _run(tmp_path / "a.parquet", chunk_size=4, summary_only=summary_only)
    _run(tmp_path / "b.parquet", chunk_size=30, summary_only=summary_only)
    assert _same(tmp_path / "a.parquet", tmp_path / "b.parquet")


def test_resume_with_timecourses_redoes_a_chunk_without_its_timecourses(tmp_path: Path) -> None:
    out, tc = tmp_path / "c.parquet", tmp_path / "tc.parquet"
    _run(tmp_path / "ref.parquet", timecourses=tmp_path / "ref-tc.parquet")
    parts = Path(str(out) + ".parts")
    seen: list[object] = []

    def stop_after_three(p: object) -> None:
        seen.append(p)
        if len(seen) == 3:
            raise _Stop

    with pytest.raises(_Stop):  # an interrupted run: chunks 0–2 finished
        _run(out, timecourses=tc, progress=stop_after_three)
    assert parts.exists() and not out.exists()
    (parts / "timecourses-000001.parquet").unlink()  # chunk 1 lost its time courses
    run = _run(out, timecourses=tc, resume=True)
    assert run.chunks_reused == 2  # type: ignore[attr-defined]
    assert _same(out, tmp_path / "ref.parquet")
    assert _same(tc, tmp_path / "ref-tc.parquet")


class _Stop(Exception):
    pass


def test_timecourses_refuse_summary_only(tmp_path: Path) -> None:
    with pytest.raises(SbmlTwinError, match="dense runs"):
        _run(tmp_path / "c.parquet", summary_only=True, timecourses=tmp_path / "tc.parquet")


def test_cli_timecourses(tmp_path: Path) -> None:
    out, tc = tmp_path / "c.parquet", tmp_path / "tc.parquet"
    args = [
        "cohort",
        "example:cyp2d6_substrate",
        "--bindings",
        str(DATA / "bindings.toml"),
        "--population",
        str(DATA / "european.toml"),
        "--n",
        "12",
        "--dose",
        "100 mg oral",
        "--output-id",
        "[C_plasma]",
        "--workers",
        "1",
        "--points",
        "25",
        "--timecourses",
        str(tc),
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "time courses" in result.output
    ok = (pq.read_table(out).to_pandas()["status"] == "ok").sum()
    assert pq.read_table(tc).num_rows == ok * 25
