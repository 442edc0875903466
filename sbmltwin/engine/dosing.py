"""Doses and regimens: parse them, convert them to model units, and add infusion inputs.

Grammar of a dose (one ``--dose`` option; words are case-insensitive)::

    AMOUNT ROUTE [into SID] [over DURATION] [at TIME] [every INTERVAL xN]

``ROUTE`` is ``oral`` (``po``), ``iv`` (``bolus``) or ``infusion`` (which needs ``over``).
Examples: ``"100 mg oral at 0h every 12h x3"``, ``"5 mg iv into C_plasma"``,
``"50 mg infusion into A_central over 30 min at 2 h"``.

Oral and IV doses are boluses: the amount is added to the target (a species amount or a
parameter) at the dose time. An infusion adds ``AMOUNT / DURATION`` to the rate of change of its
target between its start and end; for a species this needs an inflow reaction that
:func:`add_infusion_inputs` adds once per model (a structural change, so a recompile), never per
run. The simulator stops exactly at every dose time, so doses land at their times whatever the
output grid.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import libsbml

from sbmltwin.engine._bounds import check_dose_count, max_doses
from sbmltwin.errors import DosingError, UnitError
from sbmltwin.model import Model, parse_model
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

__all__ = [
    "DOSE_EVENT_PREFIX",
    "Dose",
    "DoseEvent",
    "Regimen",
    "Route",
    "add_dose_events",
    "add_infusion_inputs",
    "infusion_parameter",
    "parse_dose",
    "parse_regimen",
    "resolve_regimen",
]


class Route(enum.Enum):
    """How a dose enters the model."""

    ORAL = "oral"
    IV = "iv"
    INFUSION = "infusion"


_ROUTE_WORDS = {"oral": Route.ORAL, "po": Route.ORAL, "iv": Route.IV, "bolus": Route.IV}
_ROUTE_WORDS["infusion"] = Route.INFUSION
_SID = re.compile(r"^[A-Za-z_]\w*$")


@dataclass(frozen=True, slots=True)
class Dose:
    """One dose line, in the user's units (strings parsed by pint): ``amount`` of drug by
    ``route`` into ``target`` at ``time``, repeated ``count`` times every ``interval``."""

    amount: str
    route: Route
    time: str = "0 h"
    target: str | None = None
    interval: str | None = None
    count: int = 1
    duration: str | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise DosingError(f"dose count must be at least 1, not {self.count}")
        check_dose_count(self.count, where=f"dose x{self.count}")
        if self.count > 1 and self.interval is None:
            raise DosingError("a repeated dose needs 'every INTERVAL'")
        if (self.route is Route.INFUSION) != (self.duration is not None):
            raise DosingError(
                "an infusion needs 'over DURATION'"
                if self.route is Route.INFUSION
                else "'over DURATION' is only for infusions",
            )
        if self.target is not None and not _SID.match(self.target):
            raise DosingError(f"dose target {self.target!r} is not an SBML id")

    def __str__(self) -> str:
        parts = [self.amount, self.route.value]
        if self.target:
            parts += ["into", self.target]
        if self.duration:
            parts += ["over", self.duration]
        parts += ["at", self.time]
        if self.interval is not None:
            parts += ["every", self.interval, f"x{self.count}"]
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Regimen:
    """A tuple of doses. ``Regimen(())`` is no dosing."""

    doses: tuple[Dose, ...] = ()

    def __str__(self) -> str:
        return "; ".join(str(d) for d in self.doses)

    def infusion_targets(
        self, default_target: str | Mapping[str, str] | None = None
    ) -> tuple[str, ...]:
        targets = {_target(d, default_target) for d in self.doses if d.route is Route.INFUSION}
        return tuple(sorted(t for t in targets if t))


def _target(dose: Dose, default: str | Mapping[str, str] | None) -> str | None:
    """The dose's own target, else the default (one id, or one per route name)."""
    if dose.target is not None:
        return dose.target
    if isinstance(default, Mapping):
        return default.get(dose.route.value)
    return default


_CLAUSE = re.compile(r"\s+(into|over|at|every)\s+", re.IGNORECASE)
_REPEAT = re.compile(r"^(?P<interval>.+?)\s*x\s*(?P<count>\d+)$", re.IGNORECASE)


def parse_dose(text: str, *, where: str = "--dose") -> Dose:
    """Parse one dose string (grammar in the module docstring)."""
    if not isinstance(text, str) or not text.strip():
        raise DosingError("empty dose", where=where, hint="e.g. '100 mg oral at 0h every 12h x3'")
    pieces = _CLAUSE.split(" " + text.strip())
    head = pieces[0].strip()
    words = head.rsplit(None, 1)
    if len(words) != 2 or words[1].lower() not in _ROUTE_WORDS:
        raise DosingError(
            f"cannot read {text!r}: expected 'AMOUNT ROUTE ...' with ROUTE oral, iv or infusion",
            where=where,
            hint="e.g. '100 mg oral at 0h every 12h x3' or '50 mg infusion over 30 min'",
        )
    amount, route = words[0], _ROUTE_WORDS[words[1].lower()]
    clauses: dict[str, str] = {}
    for key, value in zip(pieces[1::2], pieces[2::2], strict=True):
        k = key.lower()
        if k in clauses:
            raise DosingError(f"{text!r} has '{k}' twice", where=where)
        clauses[k] = value.strip()
    interval, count = None, 1
    if "every" in clauses:
        m = _REPEAT.match(clauses["every"])
        if m is None:
            raise DosingError(
                f"cannot read 'every {clauses['every']}': expected 'every INTERVAL xN'",
                where=where,
                hint="e.g. 'every 12h x3' for three doses 12 h apart",
            )
        digits = m["count"].lstrip("0") or "0"
        count = int(digits) if len(digits) <= 18 else max_doses() + 1
        interval = m["interval"].strip()
    for label, value in (
        ("amount", amount),
        ("at", clauses.get("at")),
        ("every", interval),
        ("over", clauses.get("over")),
    ):
        if value is not None:
            parse_quantity(value, where=f"{where} {label}")
    try:
        return Dose(
            amount=amount,
            route=route,
            time=clauses.get("at", "0 h"),
            target=clauses.get("into"),
            interval=interval,
            count=count,
            duration=clauses.get("over"),
        )
    except DosingError as err:
        raise DosingError(f"{text!r}: {err.what}", where=where, hint=err.hint) from None


def parse_regimen(texts: Iterable[str] | str, *, where: str = "--dose") -> Regimen:
    """Parse dose strings (one per item, or ``;``-separated) into a :class:`Regimen`."""
    items = [texts] if isinstance(texts, str) else list(texts)
    doses = [
        parse_dose(part, where=where) for item in items for part in item.split(";") if part.strip()
    ]
    return Regimen(tuple(doses))


@dataclass(frozen=True, slots=True)
class DoseEvent:
    """A dose in model units: at ``time``, add ``amount`` to ``target`` (``kind="bolus"``) or
    add ``amount`` to the infusion-rate parameter ``target`` (``kind="rate"``)."""

    time: float
    kind: str
    target: str
    amount: float


def infusion_parameter(sid: str) -> str:
    """The id of the rate parameter :func:`add_infusion_inputs` adds for ``sid``."""
    return f"sbmltwin_infusion_{sid}"


def _target_unit(model: Model, sid: str, where: str) -> ModelUnit:
    kind = model.kind_of(sid)
    if kind == "species" or kind == "parameter" or kind == "compartment":
        return model.units.get(sid, ModelUnit.undeclared())
    known = ", ".join(list(model.species)[:8])
    raise DosingError(
        f"dose target '{sid}' is not a species or parameter of the model",
        where=where,
        hint=f"choose one of its species ({known}{', …' if len(model.species) > 8 else ''})",
    )


def resolve_regimen(
    regimen: Regimen,
    model: Model,
    *,
    default_target: str | Mapping[str, str] | None = None,
    molecular_weight: str | None = None,
    time_unit: ModelUnit | None = None,
    where: str = "--dose",
    end: float | None = None,
) -> tuple[DoseEvent, ...]:
    """Convert ``regimen`` to :class:`DoseEvent` s in model units, sorted by time.

    Amounts convert to the target's unit (species: its substance unit; mass ↔ substance with
    ``molecular_weight``); times to the model's time unit (or ``time_unit`` when the model
    declares none). ``default_target`` is one id, or a mapping from route name (``oral``,
    ``iv``, ``infusion``) to id, for doses without ``into SID``. With ``end``, repetitions
    after the end time are not generated (they cannot change the output).
    """
    tunit = time_unit or model.time_unit
    check_dose_count(sum(d.count for d in regimen.doses), where=where)
    events: list[DoseEvent] = []
    for dose in regimen.doses:
        target = _target(dose, default_target)
        if target is None:
            raise DosingError(
                f"dose '{dose}' names no target",
                where=where,
                hint="add 'into SID' to the dose, or give --target SID",
            )
        unit = _target_unit(model, target, where)
        amount_q = parse_quantity(dose.amount, where=f"{where} amount")
        amount = to_model_units(
            amount_q, unit, molecular_weight=molecular_weight, where=f"{where} '{dose}'"
        )
        if amount < 0:
            raise DosingError(f"dose amount {dose.amount} is negative", where=where)
        t0 = _time(dose.time, tunit, where)
        step = _time(dose.interval, tunit, where) if dose.interval is not None else 0.0
        if dose.count > 1 and step <= 0:
            raise DosingError(f"dose interval {dose.interval} must be positive", where=where)
        for k in range(dose.count):
            t = t0 + k * step
            if end is not None and t > end:
                break
            if dose.route is Route.INFUSION:
                assert dose.duration is not None
                duration = _time(dose.duration, tunit, where)
                if duration <= 0:
                    raise DosingError(
                        f"infusion duration {dose.duration} must be positive", where=where
                    )
                rate_id = infusion_parameter(target)
                if model.kind_of(rate_id) is None:
                    raise DosingError(
                        f"the model has no infusion input for '{target}'",
                        where=where,
                        hint="prepare the run with sbmltwin.engine.prepare_setup, which adds "
                        "the infusion inputs (every sbmltwin command does)",
                    )
                events.append(DoseEvent(t, "rate", rate_id, amount / duration))
                events.append(DoseEvent(t + duration, "rate", rate_id, -amount / duration))
            else:
                events.append(DoseEvent(t, "bolus", target, amount))
    return tuple(sorted(events, key=lambda e: e.time))


def _time(text: str, unit: ModelUnit, where: str) -> float:
    q = parse_quantity(text, where=where)
    try:
        return to_model_units(q, unit, where=f"{where} time {text!r}")
    except UnitError as err:
        if unit.expr is None:
            raise UnitError(
                f"time {text!r} has a unit but the model declares no time unit",
                where=where,
                hint="give --time-unit (e.g. 'h') to say what the model's time means",
            ) from err
        raise


def _ok(code: int, what: str, where: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise DosingError(
            f"libsbml could not {what}: {libsbml.OperationReturnValue_toString(code)}", where=where
        )


def add_infusion_inputs(model: Model, targets: Sequence[str]) -> Model:
    """A copy of ``model`` with a zero-order input on each target, driven by a rate parameter.

    For a species ``S``: a parameter ``sbmltwin_infusion_S`` (initially 0, amount per time) and
    a reaction ``-> S`` whose rate is that parameter. For a parameter with a rate rule: the rate
    parameter is added to the rule. Anything else cannot receive an infusion.
    """
    if not targets:
        return model
    doc = model.document()
    m = doc.getModel()
    where = model.source
    for sid in sorted(set(targets)):
        rate_id = infusion_parameter(sid)
        if m.getElementBySId(rate_id) is not None:
            continue
        param = m.createParameter()
        _ok(param.setId(rate_id), f"add parameter {rate_id}", where)
        _ok(param.setValue(0.0), "set value", where)
        _ok(param.setConstant(False), "set constant", where)
        species = m.getSpecies(sid)
        rule = m.getRateRule(sid)
        if species is not None and not species.getBoundaryCondition() and rule is None:
            if species.isSetConversionFactor() or m.isSetConversionFactor():
                raise DosingError(
                    f"species '{sid}' has a conversion factor; infusion inputs are not supported",
                    where=where,
                )
            rxn = m.createReaction()
            _ok(rxn.setId(f"{rate_id}_in"), "add infusion reaction", where)
            _ok(rxn.setReversible(False), "set reversible", where)
            if m.getLevel() == 3 and m.getVersion() == 1:
                _ok(rxn.setFast(False), "set fast", where)
            product = rxn.createProduct()
            _ok(product.setSpecies(sid), "set product", where)
            _ok(product.setStoichiometry(1.0), "set stoichiometry", where)
            if m.getLevel() == 3:
                _ok(product.setConstant(True), "set constant", where)
            law = rxn.createKineticLaw()
            _ok(law.setMath(libsbml.parseL3Formula(rate_id)), "set kinetic law", where)
        elif rule is not None:
            formula = libsbml.formulaToL3String(rule.getMath())
            _ok(
                rule.setMath(libsbml.parseL3Formula(f"({formula}) + {rate_id}")),
                "amend rate rule",
                where,
            )
        else:
            raise DosingError(
                f"'{sid}' cannot receive an infusion",
                where=where,
                hint="infuse into a non-boundary species, or a parameter with a rate rule",
            )
    text = libsbml.writeSBMLToString(doc)
    return parse_model(text, fmt="sbml", source=model.source)


DOSE_EVENT_PREFIX = "sbmltwin_dose_"


def _initial_math(m: libsbml.Model, sid: str) -> str:
    """The formula of ``sid``'s initial value as its symbol reads (species: a concentration
    unless amount-only)."""
    if (ia := m.getInitialAssignment(sid)) is not None:
        return f"({libsbml.formulaToL3String(ia.getMath())})"
    if (param := m.getParameter(sid)) is not None:
        return repr(param.getValue())
    species = m.getSpecies(sid)
    comp = species.getCompartment()
    if species.getHasOnlySubstanceUnits():
        if species.isSetInitialConcentration():
            return f"{species.getInitialConcentration()!r} * {comp}"
        return repr(species.getInitialAmount())
    if species.isSetInitialAmount():
        return f"{species.getInitialAmount()!r} / {comp}"
    return repr(species.getInitialConcentration())


def add_dose_events(model: Model, events: Sequence[DoseEvent]) -> Model:
    """A copy of ``model`` whose SBML applies ``events`` itself, so that any SBML simulator
    (e.g. one running an exported SED-ML) gives the dosed curves from time 0.

    Doses at time 0 become initial assignments (``S = <initial value> + dose``), which hold
    whatever values a simulator sets before it starts. Later doses become one SBML event per
    dose time, ``time >= t`` with values from the trigger time. Doses at one time into one
    target are summed (an event's assignments all read the state before it). A species whose
    symbol is a concentration gets ``+ amount / compartment``, so the amount added is
    ``amount`` whatever the compartment's size. Level 2 models are converted to Level 3
    Version 2. A parameter target becomes non-constant.
    """
    if not events:
        return model
    doc = model.document()
    where = model.source
    if doc.getLevel() < 3 and not doc.setLevelAndVersion(3, 2, False):
        raise DosingError(
            "cannot write the doses as SBML events: libsbml could not convert the model to "
            "SBML Level 3",
            where=where,
        )
    m = doc.getModel()
    by_time: dict[float, dict[str, float]] = {}
    for e in events:
        targets = by_time.setdefault(float(e.time), {})
        targets[e.target] = targets.get(e.target, 0.0) + float(e.amount)

    def increment(sid: str, amount: float) -> str:
        species = m.getSpecies(sid)
        if species is not None:
            if species.getConstant() or species.getBoundaryCondition():
                raise DosingError(
                    f"dose target '{sid}' is a constant or boundary species", where=where
                )
            if species.getHasOnlySubstanceUnits():
                return f"{amount!r}"
            return f"{amount!r} / {species.getCompartment()}"
        if (param := m.getParameter(sid)) is not None:
            _ok(param.setConstant(False), f"make '{sid}' non-constant", where)
            return f"{amount!r}"
        raise DosingError(f"dose target '{sid}' is not a species or parameter", where=where)

    k = 0
    for t, targets in sorted(by_time.items()):
        if t == 0.0:
            for sid, amount in targets.items():
                formula = f"{_initial_math(m, sid)} + {increment(sid, amount)}"
                ia = m.getInitialAssignment(sid) or m.createInitialAssignment()
                _ok(ia.setSymbol(sid), "set initial assignment", where)
                _ok(ia.setMath(libsbml.parseL3Formula(formula)), "set initial dose", where)
            continue
        event = m.createEvent()
        _ok(event.setId(f"{DOSE_EVENT_PREFIX}{k}"), "add dose event", where)
        k += 1
        _ok(event.setUseValuesFromTriggerTime(True), "set useValuesFromTriggerTime", where)
        trigger = event.createTrigger()
        _ok(trigger.setInitialValue(False), "set initialValue", where)
        _ok(trigger.setPersistent(True), "set persistent", where)
        _ok(trigger.setMath(libsbml.parseL3Formula(f"time >= {t!r}")), "set trigger", where)
        for sid, amount in targets.items():
            assignment = event.createEventAssignment()
            _ok(assignment.setVariable(sid), "set event variable", where)
            formula = f"{sid} + {increment(sid, amount)}"
            _ok(assignment.setMath(libsbml.parseL3Formula(formula)), "set event math", where)
    return parse_model(libsbml.writeSBMLToString(doc), fmt="sbml", source=model.source)
