"""Compile a :class:`~sbmltwin.model.Model` once per process with libroadrunner's LLVM JIT.

The cache is keyed by (SBML SHA-256, libroadrunner version, :class:`CompileSettings`). A
:class:`CompiledModel` wraps one ``RoadRunner`` instance; it is mutable (simulate resets it) and
deliberately not picklable: worker processes receive the :class:`Model` (SBML text) and compile
their own. libroadrunner's global ``Config`` is only touched here, just before construction.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from sbmltwin.errors import SimulationError
from sbmltwin.model import Model

__all__ = ["CompileSettings", "CompiledModel", "clear_cache", "compile_model"]

Backend = Literal["lljit", "mcjit"]
OptLevel = Literal["none", "less", "default", "aggressive"]
_OPT_LEVELS = ("none", "less", "default", "aggressive")


@dataclass(frozen=True, slots=True)
class CompileSettings:
    """JIT backend and LLVM optimisation level.

    The default (LLJIT, no optimisation) compiled fastest in ``benchmarks/compile_backends.py``
    without slowing simulation; see the README's benchmark section for the measured ratios.
    """

    backend: Backend = "lljit"
    optimization: OptLevel = "none"

    def __post_init__(self) -> None:
        if self.backend not in ("lljit", "mcjit"):
            raise ValueError(f"backend must be 'lljit' or 'mcjit', not {self.backend!r}")
        if self.optimization not in _OPT_LEVELS:
            raise ValueError(
                f"optimization must be one of {_OPT_LEVELS}, not {self.optimization!r}"
            )

    def as_dict(self) -> dict[str, str]:
        return {"backend": self.backend, "optimization": self.optimization}


@dataclass(eq=False)
class CompiledModel:
    """A model compiled by libroadrunner, ready to simulate many times without recompiling.

    ``initial_values`` holds each settable id's ``init(...)`` value as compiled, so that a run
    with other parameter values can restore the ones it does not set. ``compartment_volumes``
    are the sizes at the start of a run with the model's own values.
    """

    model: Model
    settings: CompileSettings
    roadrunner: Any
    compile_seconds: float
    initial_values: dict[str, float] = field(default_factory=dict)
    settable: frozenset[str] = frozenset()
    lock: threading.Lock = field(default_factory=threading.Lock)
    touched: set[str] = field(default_factory=set)
    has_delayed_events: bool = False
    initial_concentrations: dict[str, float] = field(default_factory=dict)
    compartment_volumes: dict[str, float] = field(default_factory=dict)

    def __reduce__(self) -> Any:
        raise TypeError(
            "CompiledModel wraps a libroadrunner instance and is not picklable: send the Model "
            "(SBML text) to workers and compile there"
        )


_CACHE: dict[tuple[str, str, CompileSettings], CompiledModel] = {}
_CACHE_LOCK = threading.Lock()
_INHERITED: list[CompiledModel] = []


def _forget_after_fork() -> None:
    """In a forked child: start with an empty cache and a fresh lock. Another thread of the
    parent may have been compiling, or simulating a cached model (holding its lock, its
    instance mid-run) when the fork happened; the child compiles its own instead. The
    inherited instances are kept (not destroyed), so no libroadrunner teardown runs in the
    child on memory another thread was using."""
    global _CACHE_LOCK
    _CACHE_LOCK = threading.Lock()
    _INHERITED.extend(_CACHE.values())
    _CACHE.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def clear_cache() -> None:
    """Forget every compiled model (the next compile_model call compiles again)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def compile_model(model: Model, settings: CompileSettings | None = None) -> CompiledModel:
    """Compile ``model`` (or return this process's cached compilation of the same SBML text)."""
    import roadrunner

    settings = settings or CompileSettings()
    key = (model.sha256, str(roadrunner.__version__), settings)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        config = roadrunner.Config
        config.setValue(
            config.LLVM_BACKEND, config.LLJIT if settings.backend == "lljit" else config.MCJIT
        )
        config.setValue(config.LLJIT_OPTIMIZATION_LEVEL, _OPT_LEVELS.index(settings.optimization))
        # Model ids must not become attributes of the RoadRunner object: a parameter named
        # "reset" would shadow RoadRunner.reset (SBML Test Suite cases 00952, 01588, …).
        config.setValue(config.ROADRUNNER_DISABLE_PYTHON_DYNAMIC_PROPERTIES, True)
        # CVODE's step-size chatter goes to the console from C++; failures still raise.
        roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
        start = time.perf_counter()
        try:
            rr = roadrunner.RoadRunner(model.sbml)
        except RuntimeError as err:
            raise SimulationError(
                f"libroadrunner could not compile the model: {' '.join(str(err).split())[:300]}",
                where=model.source,
                hint="run 'sbmltwin check' on the model",
            ) from err
        seconds = time.perf_counter() - start
        doc = model.document()  # parsed once for the two facts below; kept alive while its
        sbml_model = doc.getModel()  # model is read (the model belongs to the document)
        settable = _settable_ids(rr)
        compiled = CompiledModel(
            model=model,
            settings=settings,
            roadrunner=rr,
            compile_seconds=seconds,
            initial_values=_initial_values(rr, settable),
            settable=settable,
            has_delayed_events=any(ev.isSetDelay() for ev in sbml_model.getListOfEvents()),
            initial_concentrations=_initial_concentrations(sbml_model),
            compartment_volumes=dict(
                zip(
                    rr.model.getCompartmentIds(),
                    map(float, rr.model.getCompartmentVolumes()),
                    strict=True,
                )
            ),
        )
        _CACHE[key] = compiled
        return compiled


def _settable_ids(rr: Any) -> frozenset[str]:
    m = rr.model
    ids = set(m.getGlobalParameterIds()) | set(m.getCompartmentIds())
    ids |= set(m.getFloatingSpeciesIds()) | set(m.getBoundarySpeciesIds())
    return frozenset(ids)


def _initial_values(rr: Any, settable: frozenset[str]) -> dict[str, float]:
    """``init(x)`` for every id whose initial value can be set (others raise in roadrunner)."""
    out: dict[str, float] = {}
    for sid in settable:
        try:
            out[sid] = float(rr.getValue(f"init({sid})"))
        except RuntimeError:
            continue
    return out


def _initial_concentrations(m: Any) -> dict[str, float]:
    """Species given by an initial concentration that no initial assignment or rule replaces."""
    computed = {ia.getSymbol() for ia in m.getListOfInitialAssignments()}
    computed |= {r.getVariable() for r in m.getListOfRules()}
    return {
        s.getId(): float(s.getInitialConcentration())
        for s in m.getListOfSpecies()
        if s.isSetInitialConcentration() and s.getId() not in computed
    }
