"""Stage 4: compile once (libroadrunner LLVM JIT), simulate many times, with dosing."""

from sbmltwin.engine.compile import CompiledModel, CompileSettings, clear_cache, compile_model
from sbmltwin.engine.dosing import (
    Dose,
    DoseEvent,
    Regimen,
    Route,
    add_dose_events,
    add_infusion_inputs,
    infusion_parameter,
    parse_dose,
    parse_regimen,
    resolve_regimen,
)
from sbmltwin.engine.runpath import (
    PreparedRun,
    RunSetup,
    check_effects,
    prepare_run,
    prepare_setup,
)
from sbmltwin.engine.simulate import (
    IntegratorSettings,
    SimulationResult,
    Status,
    default_outputs,
    simulate,
)

__all__ = [
    "CompileSettings",
    "CompiledModel",
    "Dose",
    "DoseEvent",
    "IntegratorSettings",
    "PreparedRun",
    "Regimen",
    "Route",
    "RunSetup",
    "SimulationResult",
    "Status",
    "add_dose_events",
    "add_infusion_inputs",
    "check_effects",
    "clear_cache",
    "compile_model",
    "default_outputs",
    "infusion_parameter",
    "parse_dose",
    "parse_regimen",
    "prepare_run",
    "prepare_setup",
    "resolve_regimen",
    "simulate",
]
