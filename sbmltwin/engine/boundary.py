"""The native boundary: every libsbml/libroadrunner call on an untrusted model starts here.

:func:`load_untrusted` reads, checks, compiles and briefly simulates a model file in a forked
child under memory and CPU limits (:mod:`sbmltwin._isolate`), and hands back the
:class:`~sbmltwin.model.Model` and its check issues. A segfault, abort or runaway in libsbml or
libroadrunner ends as one :class:`~sbmltwin.errors.NativeCrashError` line ("libroadrunner
crashed (SIGSEGV) while compiling model 'm'") instead of a dead process. Once a model has come
through, the parent works on it in-process: its check issues are remembered (not computed
again) and its compilation is known to succeed.

Trusted paths skip the boundary: the models shipped in ``model_library``, cohort workers (their
parent vetted the model), and the Python API's ``load_model`` (call :func:`load_untrusted` to
get the protection there). ``benchmarks/boundary_cost.py`` measures what it costs.
"""

from __future__ import annotations

from pathlib import Path

from sbmltwin._isolate import run_isolated, stage
from sbmltwin.errors import Issue, SbmlTwinError, Severity
from sbmltwin.model import Model, check_model, load_model
from sbmltwin.model.check import remember_check

__all__ = ["check_untrusted", "load_untrusted", "vet_model"]


def vet_model(model: Model, *, units: bool = True, practice: bool = False) -> tuple[Issue, ...]:
    """Check ``model``; when it has no errors, compile it and simulate one short step.
    Runs the crash-prone work; meant to be called inside an isolated child."""
    label = model.model_id or Path(model.source).name
    name = f"model '{label[:60]}{'…' if len(label) > 60 else ''}'"
    stage("libsbml", f"checking {name}")
    issues = check_model(model, units=units, practice=practice)
    if any(i.severity is Severity.ERROR and i.category == "preflight" for i in issues):
        return issues
    from sbmltwin.model import require_simulatable

    try:
        require_simulatable(model, issues)
    except SbmlTwinError:
        return issues
    from sbmltwin.engine.compile import compile_model

    stage("libroadrunner", f"compiling {name}")
    try:
        compiled = compile_model(model)
    except SbmlTwinError:
        return issues  # a clean refusal: the parent's own compile reports it where it belongs
    stage("libroadrunner", f"simulating {name}")
    rr = compiled.roadrunner
    try:
        rr.simulate(0.0, 1e-3, 2)
    except RuntimeError:
        pass  # integration failures are reported by the real run, with its settings
    return issues


def _load_and_vet(
    path: str, allow_imports: bool, vet: bool
) -> tuple[Model, tuple[Issue, ...] | None]:
    stage("libsbml", f"reading {Path(path).name}")
    model = load_model(path, allow_imports=allow_imports)
    return model, vet_model(model) if vet else None


def load_untrusted(path: str | Path, *, allow_imports: bool = False, vet: bool = True) -> Model:
    """:func:`~sbmltwin.model.load_model` plus check, compile and a first step, isolated.
    With ``vet=False`` only the reading is isolated (for commands that neither check nor
    simulate, such as ``info``)."""
    model, issues = run_isolated(
        _load_and_vet,
        str(path),
        allow_imports,
        vet,
        what=f"the model file {Path(path).name}",
        where=str(path),
    )
    if issues is not None:
        remember_check(model, issues, units=True, practice=False)
    return model


def check_untrusted(
    model: Model, *, units: bool = True, practice: bool = False
) -> tuple[Issue, ...]:
    """:func:`~sbmltwin.model.check_model` in an isolated child (for options
    :func:`load_untrusted` did not already check with)."""
    issues = run_isolated(
        check_model,
        model,
        units=units,
        practice=practice,
        what=f"model '{model.model_id}'",
        where=model.source,
    )
    remember_check(model, issues, units=units, practice=practice)
    return issues
