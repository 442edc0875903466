"""The one run path: (model, bindings, profile or twin, regimen) → a ready run.

Every command that simulates (``simulate``, ``cohort``, ``validate`` and whatever comes later)
prepares its run here, so dose targets, molecular weights, infusion inputs and personalization
behave the same everywhere:

1. :func:`prepare_setup` (once per model and regimen): default dose targets (``--target``, else
   the bindings' ``[dosing.ROUTE] target``), the molecular weight for mass ↔ amount (``--mw``,
   else the bindings' dosing ``molecular_weight``), infusion inputs added to the model
   (:func:`~sbmltwin.engine.dosing.add_infusion_inputs`, a structural change made once), and
   the regimen resolved to :class:`~sbmltwin.engine.dosing.DoseEvent` s in model units.
2. :meth:`RunSetup.compile` (once per process) and :meth:`RunSetup.personalize` (per twin,
   :func:`~sbmltwin.personalize.personalize` on the model as given).
3. :meth:`PreparedRun.simulate`: the twin's values, the resolved doses, the time unit.

:func:`prepare_run` does all three for one twin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sbmltwin.engine.compile import CompiledModel, CompileSettings, compile_model
from sbmltwin.engine.dosing import DoseEvent, Regimen, add_infusion_inputs, resolve_regimen
from sbmltwin.engine.effects import (
    BindingEffect,
    auc_of,
    binding_sensitivities,
    check_binding_effects,
    check_dose_targets,
)
from sbmltwin.engine.simulate import IntegratorSettings, SimulationResult, simulate
from sbmltwin.errors import SbmlTwinError
from sbmltwin.model import Model
from sbmltwin.personalize import Bindings, ParameterSet, TwinProfile, personalize
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

__all__ = ["PreparedRun", "RunSetup", "check_effects", "prepare_run", "prepare_setup"]


@dataclass(frozen=True)
class RunSetup:
    """What every twin of a run shares: the model with its infusion inputs, the doses in model
    units, and where they came from."""

    base: Model  # the model as loaded (personalization and records use it)
    model: Model  # ``base`` with the infusion inputs the regimen needs
    regimen: Regimen
    events: tuple[DoseEvent, ...]
    bindings: Bindings | None = None
    default_target: str | Mapping[str, str] | None = None
    molecular_weight: str | None = None
    time_unit: ModelUnit = field(default_factory=ModelUnit.undeclared)
    warnings: tuple[str, ...] = ()  # effect checks of the doses (check_dose_targets)

    def compile(self, settings: CompileSettings | None = None) -> CompiledModel:
        """The compiled model (cached per process by SBML SHA-256 and settings)."""
        return compile_model(self.model, settings or CompileSettings())

    def personalize(self, profile: TwinProfile) -> ParameterSet:
        """``profile``'s parameter changes through the bindings (none without bindings)."""
        if self.bindings is None:
            raise SbmlTwinError(
                "a twin profile needs bindings", hint="give --bindings with --profile"
            )
        return personalize(self.base, profile, self.bindings)

    def run(
        self,
        twin: TwinProfile | ParameterSet | Mapping[str, float] | None = None,
        *,
        compile_settings: CompileSettings | None = None,
    ) -> PreparedRun:
        """A ready run for one twin: a profile (personalized here), a parameter set, plain
        ``{sid: value}`` initial values, or None for the model as it is."""
        pset: ParameterSet | None = None
        if isinstance(twin, TwinProfile):
            pset = self.personalize(twin)
        elif isinstance(twin, ParameterSet):
            pset = twin
        params = pset.as_dict() if pset is not None else dict(twin or {})  # type: ignore[arg-type]
        return PreparedRun(self, self.compile(compile_settings), pset, params)


@dataclass(frozen=True)
class PreparedRun:
    """A compiled model, a twin's initial values and the resolved doses: ready to simulate."""

    setup: RunSetup
    compiled: CompiledModel
    pset: ParameterSet | None
    params: Mapping[str, float]

    def binding_effects(
        self,
        *,
        end: float,
        points: int,
        outputs: Sequence[str],
        integrator: IntegratorSettings | None = None,
    ) -> list[BindingEffect]:
        """The local sensitivity of each output's AUC to each gene-bound parameter, at this
        twin (see :mod:`sbmltwin.engine.effects`)."""
        bindings = self.setup.bindings
        if bindings is None or not outputs:
            return []
        values = {e.sid: e.value for e in self.setup.base.elements}
        bound = {
            b.parameter: (b.key, float(values.get(b.parameter) or 0.0))
            for b in bindings.bindings
            if b.section == "genes"
        }

        def auc(params: Mapping[str, float]) -> list[float]:
            res = self.simulate(
                end=end, points=points, outputs=outputs, integrator=integrator, params=params
            )
            t = res.frame["time"].to_numpy()
            return [auc_of(t, res.frame[o].to_numpy()) for o in outputs]

        return binding_sensitivities(auc, self.params, bound, outputs)

    def simulate(
        self,
        *,
        end: float,
        points: int,
        start: float = 0.0,
        outputs: Sequence[str] | None = None,
        integrator: IntegratorSettings | None = None,
        params: Mapping[str, float] | None = None,
        throw: bool = True,
    ) -> SimulationResult:
        """Simulate from ``start`` to ``end`` (model time) on ``points`` points. ``params``
        replaces the twin's values (e.g. a perturbed copy for sensitivities)."""
        return simulate(
            self.compiled,
            self.params if params is None else params,
            self.setup.events,
            start=start,
            end=end,
            points=points,
            outputs=outputs,
            integrator=integrator,
            time_unit=self.setup.time_unit,
            throw=throw,
        )


def prepare_setup(
    model: Model,
    regimen: Regimen,
    *,
    bindings: Bindings | None = None,
    target: str | None = None,
    molecular_weight: str | None = None,
    time_unit: ModelUnit | None = None,
    outputs: Sequence[str] = (),
    where: str = "--dose",
) -> RunSetup:
    """Resolve ``regimen`` against ``model`` once (see the module docstring for the rules).

    The setup's ``warnings`` say which doses cannot act as doses, or cannot reach ``outputs``
    (:func:`~sbmltwin.engine.effects.check_dose_targets`)."""
    default_target: str | Mapping[str, str] | None = target
    if target is None and bindings is not None and bindings.dosing:
        default_target = bindings.dose_targets()
    mw = molecular_weight
    if mw is None and bindings is not None:
        mw = bindings.dose_molecular_weight()
    prepared = add_infusion_inputs(model, regimen.infusion_targets(default_target))
    tunit = time_unit or model.time_unit
    events = resolve_regimen(
        regimen,
        prepared,
        default_target=default_target,
        molecular_weight=mw,
        time_unit=tunit,
        where=where,
    )
    warnings = check_dose_targets(prepared, events, outputs)
    return RunSetup(model, prepared, regimen, events, bindings, default_target, mw, tunit, warnings)


def prepare_run(
    model: Model,
    regimen: Regimen,
    *,
    bindings: Bindings | None = None,
    profile: TwinProfile | None = None,
    target: str | None = None,
    molecular_weight: str | None = None,
    time_unit: ModelUnit | None = None,
    compile_settings: CompileSettings | None = None,
    outputs: Sequence[str] = (),
    where: str = "--dose",
) -> PreparedRun:
    """:func:`prepare_setup`, then the twin's personalization and the compiled model."""
    setup = prepare_setup(
        model,
        regimen,
        bindings=bindings,
        target=target,
        molecular_weight=molecular_weight,
        time_unit=time_unit,
        outputs=outputs,
        where=where,
    )
    return setup.run(profile, compile_settings=compile_settings)


def check_effects(
    model: Model,
    bindings: Bindings,
    profile: TwinProfile | None = None,
    *,
    regimen: Regimen | None = None,
    outputs: Sequence[str] = (),
) -> tuple[str, ...]:
    """The effect checks of ``bindings`` on ``model`` at ``profile``'s twin (the model's own
    values without one): dose warnings and gene bindings without effect on the outputs.

    Without a ``regimen``, each ``[dosing.ROUTE]`` target gets one unit of the target's own
    amount at time 0 (normalized sensitivities hardly depend on the amount); without
    ``outputs``, the bindings' ``[outputs]``. Runs 24 h (model time, or 24 units when the model
    declares no time unit) on 481 points. ``()`` when there is nothing to dose or observe."""
    outs = list(outputs) or [o.id for o in bindings.outputs.values()]
    if regimen is not None:
        setup = prepare_setup(model, regimen, bindings=bindings, outputs=outs)
    else:
        targets = sorted({d.target for d in bindings.dosing.values()})
        if not targets:
            return ()
        events = tuple(DoseEvent(0.0, "bolus", t, 1.0) for t in targets)
        warnings = check_dose_targets(model, events, outs)
        setup = RunSetup(
            model, model, Regimen(), events, bindings, None, None, model.time_unit, warnings
        )
    if not outs:
        return setup.warnings
    end = 24.0
    if setup.time_unit.declared:
        end = to_model_units(parse_quantity("24 h"), setup.time_unit)
    run = setup.run(profile)
    effects = run.binding_effects(end=end, points=481, outputs=outs)
    return setup.warnings + check_binding_effects(effects)
