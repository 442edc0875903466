"""The fit and dose use cases, from files: what ``sbmltwin fit``/``dose`` and ``reproduce`` call.

A :class:`FitRequest` or :class:`DoseRequest` names every input (paths) and option, so a report
can store it and ``reproduce`` can run it again and compare the numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sbmltwin.cohort.sampling import PopulationSpec, load_population
from sbmltwin.engine import CompiledModel, DoseEvent, parse_regimen, prepare_setup
from sbmltwin.errors import LevelsError, ProfileError
from sbmltwin.mipd.dose import DoseResult, parse_target, rank_regimens
from sbmltwin.mipd.fit import Band, ErrorModel, FitResult, fit_twin, parse_error_model, predict_band
from sbmltwin.mipd.levels import load_levels, output_refs
from sbmltwin.mipd.twin import Twin, prior_twin
from sbmltwin.model import Model, load_model, require_simulatable
from sbmltwin.personalize import Bindings, load_bindings, load_profile
from sbmltwin.units import parse_quantity, to_model_units

__all__ = ["DoseRequest", "DoseRun", "FitRequest", "FitRun", "run_dose", "run_fit"]


@dataclass(frozen=True)
class FitRequest:
    """Everything ``fit`` needs. ``errors`` maps output name → error text ("0.05 mg/L + 15%")."""

    model: str
    bindings: str
    profile: str
    population: str
    levels: str
    doses: tuple[str, ...]
    errors: Mapping[str, str]
    starts: int = 4
    seed: int = 0
    draws: int = 200

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["doses"], d["errors"] = list(self.doses), dict(self.errors)
        return d

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> FitRequest:
        return FitRequest(**{**d, "doses": tuple(d["doses"]), "errors": dict(d["errors"])})


@dataclass(frozen=True)
class DoseRequest:
    """Everything ``dose`` needs; ``twin`` is a fitted twin's JSON (else the prior twin)."""

    model: str
    bindings: str
    profile: str
    population: str
    target: str
    doses: tuple[str, ...]
    intervals: tuple[str, ...]
    output: str | None = None
    twin: str | None = None
    route: str = "oral"
    history: tuple[str, ...] = ()
    start: str = "0 h"
    count: int | None = None
    horizon: str | None = None
    draws: int = 500
    seed: int = 0
    mw: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("doses", "intervals", "history"):
            d[k] = list(d[k])
        return d

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> DoseRequest:
        return DoseRequest(
            **{
                **d,
                "doses": tuple(d["doses"]),
                "intervals": tuple(d["intervals"]),
                "history": tuple(d.get("history", ())),
            }
        )


@dataclass(frozen=True)
class _Inputs:
    model: Model
    compiled: CompiledModel
    bindings: Bindings
    population: PopulationSpec
    prior: Twin
    outputs: Mapping[str, str]
    files: Mapping[str, Path] = field(default_factory=dict)


def model_path(ref: str) -> Path:
    """``example:NAME`` or a path."""
    if ref.startswith("example:"):
        from sbmltwin.examples import example_path

        return example_path(ref.removeprefix("example:"))
    return Path(ref)


def _inputs(model_ref: str, bindings: str, profile: str, population: str) -> _Inputs:
    model = load_model(model_path(model_ref))
    require_simulatable(model)
    b = load_bindings(bindings)
    p = load_profile(profile)
    pop = load_population(population)
    # the one run path (engine.prepare_setup) compiles the model with what doses need
    compiled = prepare_setup(model, parse_regimen([]), bindings=b).compile()
    prior = prior_twin(model, compiled, p, b, pop)
    outputs = {name: spec.id for name, spec in b.outputs.items()}
    files = {
        "model": model_path(model_ref),
        "bindings": Path(bindings),
        "profile": Path(profile),
        "population": Path(population),
    }
    return _Inputs(model, compiled, b, pop, prior, outputs, files)


def _events(inp: _Inputs, doses: tuple[str, ...], where: str) -> tuple[DoseEvent, ...]:
    if not doses:
        return ()
    setup = prepare_setup(
        inp.model, parse_regimen(list(doses), where=where), bindings=inp.bindings, where=where
    )
    if setup.model is not inp.model:
        raise LevelsError(
            "infusions among the doses given are not supported by fit/dose yet",
            where=where,
            hint="give the doses as boluses (oral/iv)",
        )
    return setup.events


@dataclass(frozen=True)
class FitRun:
    request: FitRequest
    result: FitResult
    band: Band
    files: Mapping[str, Path]
    output_units: Mapping[str, str]
    model: Model
    time_unit: str


def run_fit(req: FitRequest) -> FitRun:
    """Load the inputs, fit, and predict the 90 % band on a grid over the sampling period."""
    inp = _inputs(req.model, req.bindings, req.profile, req.population)
    events = _events(inp, req.doses, "--dose")
    if not events:
        raise LevelsError("no doses given", where="--dose", hint="give the doses the patient took")
    first = min(e.time for e in events)
    levels = load_levels(req.levels, inp.model, inp.outputs, first_dose=first)
    refs = output_refs(inp.model, inp.outputs)
    errors: dict[str, ErrorModel] = {}
    for name, text in req.errors.items():
        if name not in refs:
            raise LevelsError(
                f"--error names unknown output {name!r}",
                where="--error",
                hint=f"outputs: {', '.join(sorted(refs))}",
            )
        errors[name] = parse_error_model(text, refs[name].unit, where=f"--error {name}")
    result = fit_twin(
        inp.compiled, inp.prior, events, levels, errors, starts=req.starts, seed=req.seed
    )
    last = max([r.time for r in levels.rows] + [e.time for e in events])
    hour = to_model_units(parse_quantity("1 h"), inp.model.time_unit)
    end = last + max(2 * hour, 0.1 * last)
    grid = np.linspace(min(0.0, first), end, 241)
    band = predict_band(
        inp.compiled, result.twin, events, levels.selections, grid, draws=req.draws, seed=req.seed
    )
    files = {**inp.files, "levels": Path(req.levels)}
    units = {o: levels.units[o] for o in levels.outputs}
    return FitRun(req, result, band, files, units, inp.model, inp.model.time_unit.text)


@dataclass(frozen=True)
class DoseRun:
    request: DoseRequest
    result: DoseResult
    twin: Twin
    files: Mapping[str, Path]
    output: str


def run_dose(req: DoseRequest) -> DoseRun:
    """Load the inputs (and the fitted twin, if given) and rank the regimens."""
    inp = _inputs(req.model, req.bindings, req.profile, req.population)
    files = dict(inp.files)
    twin = inp.prior
    if req.twin is not None:
        path = Path(req.twin)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ProfileError(f"cannot read the twin: {err}", where=str(path)) from err
        twin = Twin.from_dict(data.get("twin", data), where=str(path))
        if twin.model_sha256 != inp.model.sha256:
            raise ProfileError(
                "the twin was fitted on another model (SHA-256 differs)",
                where=str(path),
                hint="give the model the twin was fitted on",
            )
        files["twin"] = path
    if req.output is None:
        if not inp.outputs:
            raise LevelsError("the bindings name no outputs", where="--output")
        output = next(iter(inp.outputs))
    else:
        output = req.output
    selection = inp.outputs.get(output, output)
    if selection not in inp.outputs.values() and output not in inp.outputs:
        raise LevelsError(
            f"unknown output {output!r}",
            where="--output",
            hint=f"outputs: {', '.join(sorted(inp.outputs))}",
        )
    mw = req.mw or inp.bindings.dose_molecular_weight()
    target = parse_target(req.target, inp.model, selection, molecular_weight=mw)
    tunit = inp.model.time_unit
    start = to_model_units(parse_quantity(req.start, where="--start"), tunit, where="--start")
    horizon = (
        to_model_units(parse_quantity(req.horizon, where="--horizon"), tunit, where="--horizon")
        if req.horizon
        else None
    )
    result = rank_regimens(
        inp.compiled,
        twin,
        target,
        selection,
        list(req.doses),
        list(req.intervals),
        route=req.route,
        bindings=inp.bindings,
        molecular_weight=req.mw,
        history=_events(inp, req.history, "--given"),
        start=start,
        count=req.count,
        horizon=horizon,
        draws=req.draws,
        seed=req.seed,
    )
    return DoseRun(req, result, twin, files, output)
