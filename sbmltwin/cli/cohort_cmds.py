"""Virtual cohorts: cohort, cohort-summary."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import click

from sbmltwin._io import check_output, output_error
from sbmltwin.cli._base import Interrupted, _load, _time_arg, cli
from sbmltwin.errors import SbmlTwinError
from sbmltwin.model import require_simulatable


@cli.command("cohort")
@click.argument("model_ref", metavar="MODEL")
@click.option(
    "--bindings",
    "bindings_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Bindings (TOML).",
)
@click.option(
    "--population",
    "population_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Population spec (TOML).",
)
@click.option(
    "--n", "n", default=1000, show_default=True, type=click.IntRange(1), help="Number of twins."
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Twin i draws from default_rng([seed, i]).",
)
@click.option(
    "--dose", "doses", multiple=True, required=True, help="Dose (README grammar); repeatable."
)
@click.option(
    "--mw",
    default=None,
    help="Molecular weight for mass doses, e.g. '271.4 g/mol' (default: the bindings' dosing molecular_weight).",
)
@click.option(
    "--output-id",
    "outputs",
    multiple=True,
    required=True,
    help="Output: a selection ('[C_plasma]') or a bindings [outputs] name, optionally with a "
    "unit: '[C_plasma] [ng/mL]'. Repeatable.",
)
@click.option("--time-unit-out", help="Unit of tmax, t½ and AUC's time, e.g. 'h'.")
@click.option(
    "--end", "end_text", default="48 h", show_default=True, help="End time (model time if no unit)."
)
@click.option(
    "--points",
    default=481,
    show_default=True,
    type=click.IntRange(2),
    help="Output points (dense runs).",
)
@click.option(
    "--summary-only", is_flag=True, help="AUC as an integral state and a peak-refined coarse grid."
)
@click.option(
    "--workers", type=click.IntRange(1), default=None, help="Worker processes (default: all cores)."
)
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786.")
@click.option("--dask", "dask_local", is_flag=True, help="Start a Dask LocalCluster.")
@click.option("--chunk-size", default=500, show_default=True, type=click.IntRange(1))
@click.option("--resume", is_flag=True, help="Keep finished chunks of an interrupted run.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Parquet file."
)
@click.option(
    "--timecourses",
    "timecourses",
    default=None,
    type=click.Path(dir_okay=False),
    help="Also write every twin's time courses (long Parquet: twin_id, output, time, value).",
)
def cohort_cmd(
    model_ref: str,
    bindings_path: str,
    population_path: str,
    n: int,
    seed: int,
    doses: tuple[str, ...],
    mw: str | None,
    outputs: tuple[str, ...],
    time_unit_out: str | None,
    end_text: str,
    points: int,
    summary_only: bool,
    workers: int | None,
    scheduler: str | None,
    dask_local: bool,
    chunk_size: int,
    resume: bool,
    output: str,
    timecourses: str | None,
) -> int:
    """Sample and run a virtual cohort; one Parquet row per twin.

    \b
    Example:
      sbmltwin cohort example:cyp2d6_substrate --bindings bindings.toml --population pop.toml \\
        --n 1000 --seed 7 --dose "100 mg oral" --output-id "[C_plasma]" --workers 2 -o cohort.parquet
    """
    import sys

    from sbmltwin.cohort.backends import Backend, DaskBackend, ProcessBackend, SerialBackend
    from sbmltwin.cohort.run import run_cohort
    from sbmltwin.cohort.sampling import load_population
    from sbmltwin.engine import parse_regimen
    from sbmltwin.personalize import load_bindings

    check_output(output, suffixes=(".parquet",), what="--output")
    if timecourses is not None:
        check_output(timecourses, suffixes=(".parquet",), what="--timecourses")
    model = _load(model_ref)
    require_simulatable(model)
    end = _time_arg(end_text, model.time_unit, "--end")
    backend: Backend
    if scheduler or dask_local:
        backend = DaskBackend(scheduler, workers=workers)
    elif workers == 1:
        backend = SerialBackend()
    else:
        backend = ProcessBackend(workers)
    show = sys.stderr.isatty()

    def progress(p: Any) -> None:
        if show:
            click.echo(
                f"\r{p.done}/{p.total} twins  {p.twins_per_s:.0f} twins/s  ETA {p.eta_s:.0f} s",
                nl=False,
                err=True,
            )

    parts = Path(f"{output}.parts")
    try:
        run = run_cohort(
            model,
            load_bindings(bindings_path),
            load_population(population_path),
            parse_regimen(doses),
            n=n,
            seed=seed,
            output=output,
            outputs=list(outputs),
            end=end,
            points=points,
            summary_only=summary_only,
            chunk_size=chunk_size,
            backend=backend,
            resume=resume,
            progress=progress,
            timecourses=timecourses,
            molecular_weight=mw,
            time_unit_out=time_unit_out,
        )
    except (KeyboardInterrupt, click.Abort, Interrupted) as err:
        abort = getattr(backend, "abort", None)
        if abort is not None:
            abort()
        signum = err.signum if isinstance(err, Interrupted) else signal.SIGINT
        kept = len(list(parts.glob("chunk-*.parquet"))) if parts.is_dir() else 0
        raise Interrupted(
            signum,
            f"{kept} finished chunk(s) kept in {parts}; run the same command with --resume "
            "to continue",
        ) from None
    except OSError as err:
        raise output_error(err.filename or output, err) from None
    finally:
        backend.close()
    if show:
        click.echo("", err=True)
    click.echo(f"{run.n} twins, {run.failed} failed, {run.seconds:.1f} s → {run.path}")
    for line in _record_notes(run.settings):
        click.echo(f"sbmltwin: note: {line}", err=True)
    if run.timecourses is not None:
        click.echo(f"time courses → {run.timecourses}")
    if run.failed == run.n:
        click.echo(f"sbmltwin: every twin failed: {_failure_summary(run.path)}", err=True)
        return 3
    return 0


def _failure_summary(path: Path) -> str:
    """The most common failure messages of a cohort table, with their counts."""
    from collections import Counter

    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    messages = pq.read_table(path, columns=["message"])["message"].to_pylist()
    first: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for message in messages:
        text = " ".join(str(message).split())[:200]
        key = re.sub(r"\d+", "#", text)  # the same reason for twin 3 and twin 17
        first.setdefault(key, text)
        counts[key] += 1
    top = "; ".join(f"{count} × {first[key]}" for key, count in counts.most_common(3))
    more = len(counts) - 3
    return top + (f"; and {more} other reason(s)" if more > 0 else "")


def _record_notes(settings: dict[str, Any]) -> list[str]:
    """What the run record says was excluded, unused or idle, one line each."""
    notes = []
    uncertain = settings.get("uncertain_alleles", {})
    for gene, info in uncertain.get("excluded", {}).items():
        notes.append(
            f"{gene}: {len(info['alleles'])} alleles of uncertain function "
            f"({100 * info['frequency']:.2f} % of the allele frequency) excluded and the rest "
            f'renormalized (population uncertain = "{uncertain.get("policy")}")'
        )
    notes += [f"{item}: no binding uses it" for item in settings.get("unused_profile_items", [])]
    notes += list(settings.get("idle_bindings", []))
    notes += [f"warning: {w}" for w in settings.get("warnings", [])]
    return notes


@cli.command("cohort-summary")
@click.argument("table", type=click.Path(dir_okay=False))
@click.option(
    "--by", default=None, help="Group column, e.g. CYP2D6_activity_score (default: phenotype)."
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False),
    help="Also write an HTML page with box plots.",
)
def cohort_summary_cmd(table: str, by: str | None, html_path: str | None) -> None:
    """Per-phenotype medians, 5–95 % ranges of each metric and the ratio to NM.

    \b
    Example:
      sbmltwin cohort-summary cohort.parquet --html cohort.html
    """
    from sbmltwin.cohort.run import run_record
    from sbmltwin.cohort.summarize import summarize_cohort, write_summary_html

    if not Path(table).is_file():
        raise SbmlTwinError("no such file", where=table)
    click.echo(summarize_cohort(table, by=by).to_string(index=False))
    record = run_record(table)
    if record:
        version = record.get("software", {}).get("sbmltwin", "?")
        click.echo(
            f"made by sbmltwin {version}: {record.get('n')} twins of {record.get('population')}, "
            f"seed {record.get('seed')}, model SHA-256 {str(record.get('model_sha256'))[:12]}…"
            f"{', summary-only' if record.get('summary_only') else ''}",
            err=True,
        )
        for line in _record_notes(record):
            click.echo(f"note: {line}", err=True)
    if html_path:
        click.echo(f"wrote {write_summary_html(table, html_path, by=by)}", err=True)
