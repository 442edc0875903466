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

import numpy as np

from sbmltwin._io import output_lock
from sbmltwin.cohort._preflight import check_cohort_inputs
from sbmltwin.cohort.backends import Backend, SerialBackend
from sbmltwin.cohort.fast import (
    ATOL_FRACTION,
    SUMMARY_RTOL,
    SummaryRunner,
    add_auc_states,
    finish_metrics,
)
from sbmltwin.cohort.plan import PersonalizationPlan
from sbmltwin.cohort.sampling import (
    PopulationSpec,
    TwinBlock,
    sample_block,
    twin_id,
)
from sbmltwin.engine import (
    CompiledModel,
    DoseEvent,
    IntegratorSettings,
    PreparedRun,
    Regimen,
    RunSetup,
    compile_model,
    prepare_setup,
)
from sbmltwin.engine.batch import BatchSimulator
from sbmltwin.engine.effects import check_binding_effects
from sbmltwin.engine.outputs import output_factor, parse_output_requests, selection_unit
from sbmltwin.engine.simulate import output_unit
from sbmltwin.errors import SbmlTwinError
from sbmltwin.model import Model
from sbmltwin.personalize import Bindings
from sbmltwin.personalize.apply import binding_uses, unused_items
from sbmltwin.pk import nca_batch
from sbmltwin.provenance import software_versions

__all__ = [
    "METRICS",
    "ChunkResult",
    "CohortRun",
    "CohortTask",
    "Progress",
    "run_chunk",
    "run_cohort",
    "run_record",
]

METRICS = ("cmax", "tmax", "auc_0_t", "auc_0_inf", "half_life")
_FORMAT = 4  # 2: summary-only grid with geometric points after each dose; time courses
# 3: summary-only absolute tolerance scaled by the dose (chunks of format 2 differ slightly)
# 4: lower-bound activity-score column; uncertain-allele policy; gene names canonical
_ROWS = 64  # twins per block of array work (NCA, peaks): results do not depend on it


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
    timecourses: bool = False
    # output units (sbmltwin.engine.outputs): column label, unit and factor per output; time
    labels: tuple[str, ...] = ()
    units: tuple[str | None, ...] = ()
    scales: tuple[float, ...] = ()
    time_unit_out: str | None = None
    time_scale: float = 1.0

    def label(self, j: int) -> str:
        return self.labels[j] if self.labels else self.outputs[j]


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
    timecourses: Path | None = None


def metric_column(output: str, metric: str) -> str:
    """``[C_plasma]``, ``cmax`` → ``[C_plasma].cmax`` (the SBML selection stays verbatim)."""
    return f"{output}.{metric}"


@dataclass(frozen=True)
class ChunkResult:
    """What a worker sends back: the chunk's rows, and its long time courses if asked for."""

    table: Any  # pyarrow.Table, one row per twin
    timecourses: Any = None  # pyarrow.Table (twin_id, output, time, value) or None
    warnings: tuple[str, ...] | None = None  # chunk 0 only: gene bindings without effect


_AUC_MODELS: dict[tuple[str, tuple[str, ...]], Model] = {}


def _summary_model(model: Model, outputs: tuple[str, ...]) -> Model:
    """:func:`add_auc_states` once per process (the SBML rewrite costs milliseconds)."""
    key = (model.sha256, outputs)
    if key not in _AUC_MODELS:
        _AUC_MODELS[key] = add_auc_states(model, outputs)
    return _AUC_MODELS[key]


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run one chunk of twins in this process (compiling the model once per process).

    Per chunk, not per twin: the twins are sampled as columns (:func:`sample_block`),
    personalized by a :class:`PersonalizationPlan`, simulated by one
    :class:`~sbmltwin.engine.batch.BatchSimulator` (integrator, selections and dose segments
    set up once), and their NCA metrics computed as arrays (:func:`sbmltwin.pk.nca_batch`).
    Every twin's row is what running it alone gives (tested), so tables do not depend on
    chunking, workers or backend.
    """
    task = chunk.task
    model = _summary_model(task.model, task.outputs) if task.summary_only else task.model
    compiled = compile_model(model)
    block = sample_block(task.spec, task.seed, chunk.start, chunk.stop)
    plan = PersonalizationPlan.build(task.model, task.bindings, task.spec, compiled.initial_values)
    ids, values, errors = plan.values(block)
    n = len(block)
    messages = [e or "" for e in errors]
    metrics = {(o, m): np.full(n, math.nan) for o in task.outputs for m in METRICS}
    ok = [i for i in range(n) if errors[i] is None]
    timecourses = None
    if ok and task.summary_only:
        _run_summary(task, compiled, ids, values, ok, messages, metrics)
    elif ok:
        good, curves, grid = _run_dense(task, compiled, ids, values, ok, messages, metrics)
        if task.timecourses:
            scaled = {
                o: curves[o] * (task.scales[j] if task.scales else 1.0)
                for j, o in enumerate(task.outputs)
                if o in curves
            }
            labelled = {task.label(j): scaled[o] for j, o in enumerate(task.outputs) if o in scaled}
            timecourses = _long_table(block, _labels(task), grid * task.time_scale, good, labelled)
    elif task.timecourses and not task.summary_only:
        timecourses = _long_table(block, _labels(task), np.zeros(0), [], {})
    _convert(task, metrics)
    warnings = _binding_warnings(task, compiled, block) if chunk.number == 0 else None
    return ChunkResult(_table(task, block, metrics, messages), timecourses, warnings)


def _labels(task: CohortTask) -> tuple[str, ...]:
    return tuple(task.label(j) for j in range(len(task.outputs)))


def _convert(task: CohortTask, metrics: dict[tuple[str, str], Any]) -> None:
    """Metrics from model units to the requested ones (in place)."""
    for j, out in enumerate(task.outputs):
        c = task.scales[j] if task.scales else 1.0
        t = task.time_scale
        per = {"cmax": c, "tmax": t, "half_life": t, "auc_0_t": c * t, "auc_0_inf": c * t}
        for name in METRICS:
            if per[name] != 1.0:
                metrics[out, name] = metrics[out, name] * per[name]


def crashed_chunk(chunk: Chunk, reason: str) -> ChunkResult:
    """The result of a chunk whose worker died (a signal in native code): every twin failed
    with ``reason``. The backend has replaced the worker."""
    task = chunk.task
    block = sample_block(task.spec, task.seed, chunk.start, chunk.stop)
    n = len(block)
    metrics = {(o, m): np.full(n, math.nan) for o in task.outputs for m in METRICS}
    timecourses = None
    if task.timecourses:
        timecourses = _long_table(block, task.outputs, np.zeros(0), [], {})
    return ChunkResult(_table(task, block, metrics, [reason] * n), timecourses)


def _run_dense(
    task: CohortTask,
    compiled: CompiledModel,
    ids: tuple[str, ...],
    values: Any,
    ok: list[int],
    messages: list[str],
    metrics: dict[tuple[str, str], Any],
) -> tuple[list[int], dict[str, Any], Any]:
    grid = np.linspace(0.0, task.end, task.points)
    good: list[int] = []
    rows: list[Any] = []
    batch = BatchSimulator(
        compiled, ids, task.events, grid=grid, outputs=task.outputs, integrator=task.integrator
    )
    with batch:
        for i in ok:
            try:
                data, message = batch.run(values[i])
            except SbmlTwinError as err:
                messages[i] = str(err)
                continue
            if message:
                messages[i] = message
                continue
            good.append(i)
            rows.append(data)
    curves: dict[str, Any] = {}
    if good:
        stacked = np.stack(rows)  # twins × points × (1 + outputs)
        for j, out in enumerate(task.outputs, start=1):
            curves[out] = np.ascontiguousarray(stacked[:, :, j])
            for start in range(0, len(good), _ROWS):  # blocks of rows stay in cache
                part = good[start : start + _ROWS]
                block_curves = curves[out][start : start + _ROWS]
                batch_metrics = nca_batch(grid, block_curves, adj_r2_factor=1e-9)
                for name in METRICS:
                    metrics[out, name][part] = getattr(batch_metrics, name)
    return good, curves, grid


def _run_summary(
    task: CohortTask,
    compiled: CompiledModel,
    ids: tuple[str, ...],
    values: Any,
    ok: list[int],
    messages: list[str],
    metrics: dict[tuple[str, str], Any],
) -> None:
    """Fill ``metrics`` (and ``messages`` of failed twins) for the twins ``ok``."""
    runner = SummaryRunner(
        compiled, ids, task.events, task.outputs, end=task.end, integrator=task.integrator
    )
    good: list[int] = []
    curves: list[Any] = []
    aucs: list[list[float]] = []
    with runner:
        for i in ok:
            try:
                c, auc = runner.run(values[i])
            except SbmlTwinError as err:
                messages[i] = str(err)
                continue
            good.append(i)
            curves.append(c)
            aucs.append(auc)
        if not good:
            return
        stacked = np.stack(curves)  # twins × grid × outputs
        auc_table = np.array(aucs, dtype=float)
        peaks = []
        kept = np.ones(len(good), dtype=bool)
        twin_values = values[good]
        for j in range(len(task.outputs)):
            profile = np.ascontiguousarray(stacked[:, :, j])
            tmax, cmax = np.empty(len(good)), np.empty(len(good))
            for start in range(0, len(good), _ROWS):
                part = slice(start, start + _ROWS)
                tmax[part], cmax[part], failed = runner.peaks(twin_values[part], j, profile[part])
                for r, message in failed:
                    messages[good[start + r]] = message
                    kept[start + r] = False
            peaks.append((profile, tmax, cmax))
    rows = np.flatnonzero(kept)
    twins = np.asarray(good)
    for j, out in enumerate(task.outputs):
        profile, tmax, cmax = peaks[j]
        for start in range(0, len(rows), _ROWS):
            chosen = rows[start : start + _ROWS]
            batch_metrics = finish_metrics(
                runner.grid, profile[chosen], tmax[chosen], cmax[chosen], auc_table[chosen, j]
            )
            targets = twins[chosen]
            for name in METRICS:
                metrics[out, name][targets] = getattr(batch_metrics, name)


def _table(
    task: CohortTask,
    block: TwinBlock,
    metrics: dict[tuple[str, str], Any],
    messages: list[str],
) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped]

    columns: list[Any] = [
        [twin_id(i) for i in block.index.tolist()],
        block.index,
        [s.value for s in block.sex],
        block.age_years,
        block.weight_kg,
        block.height_cm,
        block.serum_creatinine_mg_dl,
    ]
    for gene in task.spec.genes:
        calls = block.genes[gene]
        columns += [
            [c.diplotype for c in calls],
            [c.activity_score for c in calls],
            [c.lower_bound for c in calls],
            [c.phenotype.short for c in calls],
        ]
    columns += [block.iiv[sid] for sid in task.spec.iiv]
    columns += [metrics[o, m] for o in task.outputs for m in METRICS]
    columns += [["ok" if not m else "failed" for m in messages], messages]
    schema = _schema(task)
    arrays = [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _timecourse_schema() -> Any:
    import pyarrow as pa

    text = pa.dictionary(pa.int32(), pa.string())
    return pa.schema(
        [("twin_id", text), ("output", text), ("time", pa.float64()), ("value", pa.float64())]
    )


def _long_table(
    block: TwinBlock, outputs: tuple[str, ...], grid: Any, good: list[int], curves: dict[str, Any]
) -> Any:
    """Long format, twin by twin then output by output then time: (twin_id, output, time,
    value). Failed twins have no rows."""
    import pyarrow as pa

    schema = _timecourse_schema()
    points, n_out = len(grid), len(outputs)
    ids = pa.array([twin_id(int(block.index[i])) for i in good], type=pa.string())
    per_twin = points * n_out
    twin_idx = np.repeat(np.arange(len(good), dtype=np.int32), per_twin)
    out_idx = np.tile(np.repeat(np.arange(n_out, dtype=np.int32), points), len(good))
    times = np.tile(grid, len(good) * n_out)
    if good:
        values = np.stack([curves[o] for o in outputs], axis=1).reshape(-1)  # twin, output, time
    else:
        values = np.zeros(0)
    arrays = [
        pa.DictionaryArray.from_arrays(pa.array(twin_idx), ids),
        pa.DictionaryArray.from_arrays(pa.array(out_idx), pa.array(list(outputs), pa.string())),
        pa.array(times, pa.float64()),
        pa.array(values, pa.float64()),
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _schema(task: CohortTask) -> Any:
    import pyarrow as pa

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
            (f"{gene}_activity_score_lower_bound", pa.bool_()),  # CPIC "≥": simulated at it
            (f"{gene}_phenotype", pa.string()),
        ]
    fields += [(f"iiv_{sid}", pa.float64()) for sid in task.spec.iiv]
    fields += [(metric_column(o, m), pa.float64()) for o in _labels(task) for m in METRICS]
    fields += [("status", pa.string()), ("message", pa.string())]
    return pa.schema(fields, metadata={b"sbmltwin.units": json.dumps(metric_units(task)).encode()})


def _run_record(settings: dict[str, Any], default_summary_tolerances: bool) -> bytes:
    """The run's record for the Parquet metadata (``sbmltwin.run``): the settings that
    ``--resume`` checks (seed, n, spec, regimen, outputs, model SHA-256, …), the summary-only
    tolerances and the software versions, so the merged file says how to make it again."""
    record = {
        **settings,
        "summary_tolerances": (
            f"relative {SUMMARY_RTOL:g}, absolute {ATOL_FRACTION:g} × dose / total volume"
            if default_summary_tolerances
            else None
        ),
        "software": software_versions(),
    }
    return json.dumps(record, sort_keys=True).encode()


def _with_record(schema: Any, record: bytes) -> Any:
    return schema.with_metadata({**(schema.metadata or {}), b"sbmltwin.run": record})


def run_record(path: str | Path) -> dict[str, Any]:
    """The record :func:`run_cohort` stores in a cohort (or time-course) Parquet file's
    metadata: settings, seed, software versions. Empty for files without one."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    metadata = pq.read_schema(path).metadata or {}
    raw = metadata.get(b"sbmltwin.run")
    return dict(json.loads(raw)) if raw else {}


def metric_units(task: CohortTask) -> dict[str, str]:
    """Unit text of every metric column (stored in the Parquet schema as ``sbmltwin.units``)."""
    tunit = task.model.time_unit
    ttext = task.time_unit_out or tunit.text
    units = {}
    for j, o in enumerate(task.outputs):
        wanted = task.units[j] if task.units else None
        cu = wanted or output_unit(task.model, o, tunit)
        per = {"cmax": cu, "tmax": ttext, "half_life": ttext}
        per["auc_0_t"] = per["auc_0_inf"] = f"{cu}·{ttext}"
        units.update({metric_column(task.label(j), m): per[m] for m in METRICS})
    return units


def _write_atomic_table(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_suffix(f".tmp{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _chunk_ok(path: Path, rows: int | None) -> bool:
    import pyarrow.parquet as pq

    try:
        count = pq.ParquetFile(path).metadata.num_rows
        return rows is None or bool(count == rows)
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
    timecourses: str | Path | None = None,
    molecular_weight: str | None = None,
    time_unit_out: str | None = None,
) -> CohortRun:
    """Run ``n`` twins of ``spec`` through ``model`` and write one Parquet row per twin.

    With ``timecourses``, the dense output of every successful twin also goes, in long format
    (``twin_id``, ``output``, ``time``, ``value``), to that Parquet file: written chunk by chunk
    next to the main table's chunks, resumable with them, merged in twin order at the end.
    ``outputs`` are selections or names of the bindings' ``[outputs]``, each optionally with a
    unit (``"[C_plasma] [ng/mL]"``); metrics, time courses and the Parquet unit metadata are
    in those units, and times in ``time_unit_out`` (:mod:`sbmltwin.engine.outputs`).
    The run is prepared as every command prepares one
    (:func:`~sbmltwin.engine.prepare_setup`): mass doses convert to amounts with
    ``molecular_weight``, else with the bindings' dosing ``molecular_weight``; doses without
    ``into SID`` go to the bindings' dosing targets; infusions get their inputs.
    The run holds ``<output>.lock`` (:func:`sbmltwin._io.output_lock`) from preparing the
    output folder to the merged table: a second run on the same output, from this process or
    another, gets :class:`~sbmltwin.errors.OutputError` and changes nothing.
    """
    if n < 1 or chunk_size < 1:
        raise SbmlTwinError("n and chunk_size must be at least 1")
    if not outputs:
        raise SbmlTwinError("name at least one output (e.g. '[C_plasma]')", where="outputs")
    requests = parse_output_requests(
        outputs, named=bindings.outputs, molecular_weight=molecular_weight
    )
    labels = tuple(r.name for r in requests)
    if len(set(labels)) != len(labels):
        raise SbmlTwinError("an output is named twice", where="outputs", hint=", ".join(labels))
    selections = tuple(r.selection for r in requests)
    scales = tuple(
        1.0
        if r.unit is None
        else output_factor(
            selection_unit(model, r.selection),
            r.unit,
            molecular_weight=r.molecular_weight,
            where=f"output {r.name!r}",
        )
        for r in requests
    )
    time_scale = (
        1.0
        if time_unit_out is None
        else output_factor(model.time_unit, time_unit_out, where="time_unit_out")
    )
    if timecourses is not None and summary_only:
        raise SbmlTwinError(
            "time courses need dense runs; a summary-only run samples its own short grid",
            where="timecourses",
            hint="drop --summary-only, or drop --timecourses",
        )
    check_cohort_inputs(model, bindings, tuple(spec.iiv), spec.source)
    setup = prepare_setup(
        model, regimen, bindings=bindings, molecular_weight=molecular_weight, outputs=selections
    )
    events = setup.events
    task = CohortTask(
        setup.model,
        bindings,
        spec,
        seed,
        events,
        selections,
        end,
        points,
        summary_only,
        integrator,
        timecourses is not None,
        labels,
        tuple(r.unit for r in requests),
        scales,
        time_unit_out,
        time_scale,
    )
    out = Path(output)
    tc_out = Path(timecourses) if timecourses is not None else None
    if tc_out is not None and tc_out.resolve() == out.resolve():
        raise SbmlTwinError("the time-course file must differ from the output", where=str(tc_out))
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
        "time_unit_out": time_unit_out,
        "end": end,
        "points": points,
        "summary_only": summary_only,
        "integrator": repr(integrator),
        "timecourses": tc_out is not None,
        "uncertain_alleles": spec.uncertain_record(),
        **_unused(bindings, spec),
        "warnings": list(setup.warnings),
    }
    out.parent.mkdir(parents=True, exist_ok=True)  # the lock file's folder
    # the output's lock for the whole run, whoever calls (a second writer: OutputError)
    with output_lock(out):
        _prepare(out, parts, settings, resume)
        chunks = [
            Chunk(task, k, s, min(s + chunk_size, n)) for k, s in enumerate(range(0, n, chunk_size))
        ]
        todo = [c for c in chunks if not _done(parts, c, task.timecourses)]
        reused = len(chunks) - len(todo)
        be = backend or SerialBackend()
        start = time.perf_counter()
        done = sum(c.stop - c.start for c in chunks) - sum(c.stop - c.start for c in todo)
        fresh, failed = 0, 0
        for chunk, result in be.map_unordered(run_chunk, todo, on_crash=crashed_chunk):
            if result.warnings is not None:  # before the main part: a finished chunk 0 has them
                (parts / "warnings.json").write_text(json.dumps(list(result.warnings)), "utf-8")
            if result.timecourses is not None:  # first: the main part marks the chunk finished
                _write_atomic_table(result.timecourses, _tc_part(parts, chunk.number))
            _write_atomic_table(result.table, _part(parts, chunk.number))
            fresh += result.table.num_rows
            failed += _failed(result.table)
            if progress is not None:
                elapsed = time.perf_counter() - start
                rate = fresh / elapsed if elapsed > 0 else math.nan
                left = n - done - fresh
                progress(
                    Progress(
                        done + fresh, n, failed, elapsed, rate, left / rate if rate else math.nan
                    )
                )
        found = parts / "warnings.json"
        if found.exists():
            chunk_warnings: list[str] = json.loads(found.read_text("utf-8"))
            settings = {**settings, "warnings": list(setup.warnings) + chunk_warnings}
        record = _run_record(settings, summary_only and integrator is None)
        if tc_out is not None:
            _merge_files(
                [_tc_part(parts, c.number) for c in chunks],
                _with_record(_timecourse_schema(), record),
                tc_out,
            )
        failed_total = _merge(parts, chunks, _with_record(_schema(task), record), out)
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
            tc_out,
        )


def _binding_warnings(
    task: CohortTask, compiled: CompiledModel, block: TwinBlock
) -> tuple[str, ...]:
    """Gene bindings without effect on the outputs, at the first twin of the block that
    personalizes (its IIV left out), on a 481-point grid, in the worker (no compile in the
    main process)."""
    if not any(b.section == "genes" for b in task.bindings.bindings):
        return ()
    setup = RunSetup(
        task.model,
        task.model,
        Regimen(),
        task.events,
        task.bindings,
        time_unit=task.model.time_unit,
    )
    for i in range(min(len(block), 20)):
        twin = block.twin(i)
        try:
            pset = setup.personalize(twin.profile)
        except SbmlTwinError:
            continue
        run = PreparedRun(setup, compiled, pset, pset.as_dict())
        effects = run.binding_effects(end=task.end, points=481, outputs=task.outputs)
        return tuple(f"{twin.profile.id}: {w}" for w in check_binding_effects(effects))
    return (
        "the effect of the gene bindings was not checked: none of the first twins personalizes",
    )


def _unused(bindings: Bindings, spec: PopulationSpec) -> dict[str, list[str]]:
    """What the run record says about inputs that do nothing: sampled profile items no binding
    reads, and bindings whose input the population does not sample (they keep the model's
    value for every twin)."""
    sampled = {g: f"{g} (sampled genotype)" for g in spec.genes}
    sampled.update(
        {c: c.replace("_", " ") for c in ("weight", "height", "age", "sex", "serum_creatinine")}
    )
    have = set(sampled)
    idle = [
        f"{b.key} → {b.parameter}: the population samples no "
        f"{', '.join(u for u in binding_uses(b) if u not in have)}; the model's value is kept"
        for b in bindings.bindings
        if not set(binding_uses(b)) <= have
    ]
    return {"unused_profile_items": list(unused_items(sampled, bindings)), "idle_bindings": idle}


def _failed(table: Any) -> int:
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    return int(pc.sum(pc.not_equal(table["status"], "ok")).as_py() or 0)


def _part(parts: Path, number: int) -> Path:
    return parts / f"chunk-{number:06d}.parquet"


def _tc_part(parts: Path, number: int) -> Path:
    return parts / f"timecourses-{number:06d}.parquet"


def _done(parts: Path, chunk: Chunk, timecourses: bool) -> bool:
    """A chunk is finished when its main part holds all its rows (written last) and, for a run
    with time courses, its time-course part can be read."""
    if not _chunk_ok(_part(parts, chunk.number), chunk.stop - chunk.start):
        return False
    return not timecourses or _chunk_ok(_tc_part(parts, chunk.number), None)


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
    if parts.exists():
        shutil.rmtree(parts)
    parts.mkdir(parents=True)
    meta.write_text(text, encoding="utf-8")


def _merge(parts: Path, chunks: list[Chunk], schema: Any, out: Path) -> int:
    import pyarrow.parquet as pq

    failed = 0
    tmp = out.with_name(out.name + ".tmp")
    with pq.ParquetWriter(tmp, schema) as writer:
        for c in chunks:
            table = pq.read_table(_part(parts, c.number), schema=schema)
            failed += _failed(table)
            writer.write_table(table)
    os.replace(tmp, out)
    shutil.rmtree(parts)
    return failed


def _merge_files(paths: list[Path], schema: Any, out: Path) -> None:
    """Concatenate Parquet parts, one at a time (memory stays at one part), into ``out``."""
    import pyarrow.parquet as pq

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with pq.ParquetWriter(tmp, schema) as writer:
        for path in paths:
            writer.write_table(pq.read_table(path, schema=schema))
    os.replace(tmp, out)
