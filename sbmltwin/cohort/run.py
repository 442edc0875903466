"""Run a cohort: sample, personalize, simulate and summarize every twin; stream to Parquet.

Twins are split into chunks of ``chunk_size`` consecutive indices. Each chunk runs on a backend
worker, which compiles the model once per process (``compile_model`` caches it) and returns one
row per twin: id, covariates, genotypes, activity scores, phenotypes, IIV factors, metrics,
``status`` and ``message``. The main process writes each finished chunk atomically to
``<output>.parts/chunk-NNNNNN.parquet``; when all chunks exist they are merged, in chunk order,
into ``<output>`` and the parts directory is removed. ``resume=True`` keeps finished chunks
(after checking that the run's settings match), so a killed run redoes only unfinished chunks
and never duplicates rows. A twin that fails is recorded with ``status="failed"`` and NaN
metrics; the run goes on.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbmltwin.cohort.backends import Backend, SerialBackend
from sbmltwin.cohort.fast import add_auc_states, summary_metrics
from sbmltwin.cohort.sampling import PopulationSpec, sample_twin, twin_record
from sbmltwin.engine import (
    CompiledModel,
    DoseEvent,
    IntegratorSettings,
    Regimen,
    compile_model,
    resolve_regimen,
    simulate,
)
from sbmltwin.errors import SbmlTwinError
from sbmltwin.model import Model
from sbmltwin.personalize import Bindings, personalize
from sbmltwin.pk import PKMetrics, nca

__all__ = ["METRICS", "CohortRun", "CohortTask", "Progress", "run_chunk", "run_cohort"]

METRICS = ("cmax", "tmax", "auc_0_t", "auc_0_inf", "half_life")
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class CohortTask:
    """Everything a worker needs (picklable: the model travels as SBML text)."""

    model: Model
    bindings: Bindings
    spec: PopulationSpec
    seed: int
    events: tuple[DoseEvent, ...]
    outputs: tuple[str, ...]
    end: float
    points: int
    summary_only: bool = False
    integrator: IntegratorSettings | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    task: CohortTask
    number: int
    start: int
    stop: int


@dataclass(frozen=True, slots=True)
class Progress:
    """What a progress callback receives after each chunk."""

    done: int
    total: int
    failed: int
    elapsed_s: float
    twins_per_s: float
    eta_s: float


@dataclass(frozen=True)
class CohortRun:
    """The result of :func:`run_cohort`: where the table is and what happened."""

    path: Path
    n: int
    failed: int
    seconds: float
    chunks_run: int
    chunks_reused: int
    backend: str
    workers: int
    settings: dict[str, Any] = field(default_factory=dict)


def metric_column(output: str, metric: str) -> str:
    """``[C_plasma]``, ``cmax`` → ``[C_plasma].cmax`` (the SBML selection stays verbatim)."""
    return f"{output}.{metric}"


def _params(task: CohortTask, compiled: CompiledModel, twin: Any) -> tuple[Any, dict[str, float]]:
    pset = personalize(task.model, twin.profile, task.bindings)
    params = pset.as_dict()
    for sid, factor in twin.iiv.items():
        if sid not in compiled.initial_values:
            raise SbmlTwinError(
                f"[iiv] names '{sid}', which is not a settable id of the model",
                where=task.spec.source,
            )
        params[sid] = params.get(sid, compiled.initial_values[sid]) * factor
    return twin, params


def _one_twin(task: CohortTask, compiled: CompiledModel, index: int) -> dict[str, Any]:
    twin = sample_twin(task.spec, task.seed, index)
    row = twin_record(twin, task.spec.genes)
    status, message = "ok", ""
    metrics: dict[str, PKMetrics] = {}
    try:
        _, params = _params(task, compiled, twin)
        if task.summary_only:
            metrics = summary_metrics(
                compiled,
                params,
                task.events,
                task.outputs,
                end=task.end,
                integrator=task.integrator,
            )
        else:
            result = simulate(
                compiled,
                params,
                task.events,
                end=task.end,
                points=task.points,
                outputs=list(task.outputs),
                integrator=task.integrator,
                throw=False,
            )
            if result.status.value != "ok":
                status, message = "failed", result.message
            else:
                t = result.frame["time"].to_numpy()
                for out in task.outputs:
                    metrics[out] = nca(t, result.frame[out].to_numpy(), adj_r2_factor=1e-9)
    except SbmlTwinError as err:
        status, message, metrics = "failed", str(err), {}
    for out in task.outputs:
        m = metrics.get(out)
        for name in METRICS:
            row[metric_column(out, name)] = getattr(m, name) if m is not None else math.nan
    row["status"], row["message"] = status, message
    return row


def run_chunk(chunk: Chunk) -> list[dict[str, Any]]:
    """Run one chunk of twins in this process (compiling the model once per process)."""
    task = chunk.task
    model = add_auc_states(task.model, task.outputs) if task.summary_only else task.model
    compiled = compile_model(model)
    return [_one_twin(task, compiled, i) for i in range(chunk.start, chunk.stop)]


def _schema(task: CohortTask) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped]

    fields = [
        ("twin_id", pa.string()),
        ("index", pa.int64()),
        ("sex", pa.string()),
        ("age_years", pa.float64()),
        ("weight_kg", pa.float64()),
        ("height_cm", pa.float64()),
        ("serum_creatinine_mg_dl", pa.float64()),
    ]
    for gene in task.spec.genes:
        fields += [
            (f"{gene}_diplotype", pa.string()),
            (f"{gene}_activity_score", pa.float64()),
            (f"{gene}_phenotype", pa.string()),
        ]
    fields += [(f"iiv_{sid}", pa.float64()) for sid in task.spec.iiv]
    fields += [(metric_column(o, m), pa.float64()) for o in task.outputs for m in METRICS]
    fields += [("status", pa.string()), ("message", pa.string())]
    return pa.schema(fields)


def _write_atomic_table(rows: list[dict[str, Any]], schema: Any, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    table = pa.Table.from_pylist(rows, schema=schema)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _chunk_ok(path: Path, rows: int) -> bool:
    import pyarrow.parquet as pq

    try:
        return bool(pq.ParquetFile(path).metadata.num_rows == rows)
    except (OSError, ValueError):
        return False


def run_cohort(
    model: Model,
    bindings: Bindings,
    spec: PopulationSpec,
    regimen: Regimen,
    *,
    n: int,
    seed: int,
    output: str | Path,
    outputs: Sequence[str],
    end: float = 48.0,
    points: int = 481,
    summary_only: bool = False,
    chunk_size: int = 500,
    backend: Backend | None = None,
    resume: bool = False,
    integrator: IntegratorSettings | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> CohortRun:
    """Run ``n`` twins of ``spec`` through ``model`` and write one Parquet row per twin."""
    if n < 1 or chunk_size < 1:
        raise SbmlTwinError("n and chunk_size must be at least 1")
    if not outputs:
        raise SbmlTwinError("name at least one output (e.g. '[C_plasma]')", where="outputs")
    events = resolve_regimen(regimen, model, default_target=bindings.dose_targets())
    task = CohortTask(
        model, bindings, spec, seed, events, tuple(outputs), end, points, summary_only, integrator
    )
    out = Path(output)
    parts = out.with_name(out.name + ".parts")
    settings = {
        "format": _FORMAT,
        "model_sha256": model.sha256,
        "population": spec.population,
        "spec": repr(spec),
        "bindings": repr(bindings.bindings),
        "regimen": [[e.time, e.kind, e.target, e.amount] for e in events],
        "n": n,
        "seed": seed,
        "chunk_size": chunk_size,
        "outputs": list(outputs),
        "end": end,
        "points": points,
        "summary_only": summary_only,
        "integrator": repr(integrator),
    }
    _prepare(out, parts, settings, resume)
    chunks = [
        Chunk(task, k, s, min(s + chunk_size, n)) for k, s in enumerate(range(0, n, chunk_size))
    ]
    todo = [c for c in chunks if not _chunk_ok(_part(parts, c.number), c.stop - c.start)]
    reused = len(chunks) - len(todo)
    schema = _schema(task)
    be = backend or SerialBackend()
    start = time.perf_counter()
    done = sum(c.stop - c.start for c in chunks) - sum(c.stop - c.start for c in todo)
    fresh, failed = 0, 0
    for chunk, rows in be.map_unordered(run_chunk, todo):
        _write_atomic_table(rows, schema, _part(parts, chunk.number))
        fresh += len(rows)
        failed += sum(r["status"] != "ok" for r in rows)
        if progress is not None:
            elapsed = time.perf_counter() - start
            rate = fresh / elapsed if elapsed > 0 else math.nan
            left = n - done - fresh
            progress(
                Progress(done + fresh, n, failed, elapsed, rate, left / rate if rate else math.nan)
            )
    failed_total = _merge(parts, chunks, schema, out)
    return CohortRun(
        out,
        n,
        failed_total,
        time.perf_counter() - start,
        len(todo),
        reused,
        be.name,
        be.workers,
        settings,
    )


def _part(parts: Path, number: int) -> Path:
    return parts / f"chunk-{number:06d}.parquet"


def _prepare(out: Path, parts: Path, settings: dict[str, Any], resume: bool) -> None:
    meta = parts / "run.json"
    text = json.dumps(settings, sort_keys=True, indent=1)
    if parts.exists() and resume:
        if not meta.exists() or json.loads(meta.read_text(encoding="utf-8")) != json.loads(text):
            raise SbmlTwinError(
                "the unfinished run in this directory used other settings",
                where=str(parts),
                hint="rerun with the same model, population, seed, n and chunk size, or drop --resume",
            )
        return
    if out.exists() and resume and not parts.exists():
        shutil.rmtree(parts, ignore_errors=True)
    if parts.exists():
        shutil.rmtree(parts)
    parts.mkdir(parents=True)
    meta.write_text(text, encoding="utf-8")


def _merge(parts: Path, chunks: list[Chunk], schema: Any, out: Path) -> int:
    import pyarrow.compute as pc  # type: ignore[import-untyped]
    import pyarrow.parquet as pq

    failed = 0
    tmp = out.with_name(out.name + ".tmp")
    with pq.ParquetWriter(tmp, schema) as writer:
        for c in chunks:
            table = pq.read_table(_part(parts, c.number), schema=schema)
            failed += int(pc.sum(pc.not_equal(table["status"], "ok")).as_py() or 0)
            writer.write_table(table)
    os.replace(tmp, out)
    shutil.rmtree(parts)
    return failed
