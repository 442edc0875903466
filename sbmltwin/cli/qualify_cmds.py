"""Platform qualification: the SBML Test Suite runner."""

from __future__ import annotations

from pathlib import Path

import click

from sbmltwin.cli._base import cli
from sbmltwin.errors import SbmlTwinError


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--cases", help="Case numbers: a range '1-1800' or a list '1,5,7-9' (default: all).")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False),
    help="Write every case and the counts as JSON.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(0, 256),
    help="Worker processes (0: in this process).",
)
@click.option(
    "--timeout",
    default=120.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Seconds per case.",
)
@click.option(
    "--self-check",
    is_flag=True,
    help="Also re-run each passing case on a finer grid with tighter tolerances.",
)
def testsuite(
    directory: str,
    cases: str | None,
    json_path: str | None,
    workers: int,
    timeout: float,
    self_check: bool,
) -> int:
    """Run SBML Test Suite semantic cases (DIRECTORY/NNNNN/) through sbmltwin.

    Each case ends as pass, fail (numbers differ), unsupported (refused by the pre-flight
    check, feature named) or error. Exits 3 when any case fails or errors.

    \b
    Example:
      sbmltwin testsuite ../shared/sbml-test-suite/semantic --cases 1-100 --workers 2 --json ts.json
    """
    import io
    import json
    import sys

    from sbmltwin.validate import case_dirs, parse_case_selection, run_suite, summarize

    root = Path(directory)
    if not root.is_dir():
        raise SbmlTwinError(
            "no such directory", where=directory, hint="give the suite's semantic/ folder"
        )
    dirs = case_dirs(root, parse_case_selection(cases) if cases else None)
    if not dirs:
        raise SbmlTwinError(
            "no case directories (NNNNN/) found",
            where=directory,
            hint="give the suite's semantic/ folder",
        )
    show = sys.stderr.isatty()
    with click.progressbar(
        length=len(dirs), label="SBML Test Suite", file=sys.stderr if show else io.StringIO()
    ) as bar:
        results = run_suite(
            dirs,
            workers=workers,
            timeout=timeout,
            self_check=self_check,
            progress=lambda r: bar.update(1),
        )
    summary = summarize(results)
    overall = summary["overall"]
    for r in results:
        if r.status in ("fail", "error"):
            click.echo(f"{r.case} {r.status}: {r.message}")
    click.echo(
        f"{overall['total']} cases: {overall['pass']} pass, {overall['fail']} fail, "
        f"{overall['unsupported']} unsupported, {overall['error']} error"
    )
    if summary["refused_features"]:
        refused = ", ".join(f"{k} ({v})" for k, v in summary["refused_features"].items())
        click.echo(f"refused features: {refused}")
    if self_check:
        checks = [r.self_check for r in results if r.self_check is not None]
        if checks:
            click.echo(
                f"self-check: largest relative change {max(checks):.3g} over {len(checks)} cases"
            )
    if json_path:
        payload = {
            "directory": str(root),
            "summary": summary,
            "cases": [r.to_dict() for r in results],
        }
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(payload, indent=1), encoding="utf-8")
        click.echo(f"wrote {json_path}", err=True)
    return 3 if overall["fail"] or overall["error"] else 0
