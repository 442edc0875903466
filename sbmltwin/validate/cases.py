"""Validation cases: observed clinical PK by group ↔ personalized simulations.

A case is a TOML file and a CSV of observations (format in the README, "Validation"). Running a
case personalizes one twin per group (``[groups.NAME] profile = {...}``) with the model's bindings
(or, for a ``mixture`` group, one twin per genotype class, see :mod:`sbmltwin.validate.mixture`),
simulates the study's regimen, and compares predicted with observed AUC(0–tlast), Cmax and
every observed concentration; its ``[acceptance]`` decides pass or fail.

A case with several arms (``[arms.NAME]`` tables instead of ``[regimen]``: IV and oral, single
and multiple dose) simulates every group in every arm; the results' groups are named
``GROUP@ARM`` (:meth:`ValidationCase.run_groups`), as are the observations, summary rows and
ratios that refer to them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from sbmltwin.engine import IntegratorSettings
from sbmltwin.errors import SbmlTwinError, ValidationDataError, check_keys
from sbmltwin.units import parse_quantity
from sbmltwin.validate._schema import check_case, check_observations
from sbmltwin.validate.mixture import Mixture, mixture_components, parse_mixture
from sbmltwin.validate.summary import parse_dose_ref
from sbmltwin.validate.trial import Trial, parse_trial

__all__ = [
    "INTEGRATOR",
    "Arm",
    "ValidationCase",
    "ValidationDataError",
    "find_cases",
    "library_dir",
    "load_case",
    "read_observed",
    "split_by_model",
    "validation_dir",
]

#: integrator settings of every validation run (recorded in the manifest)
INTEGRATOR = IntegratorSettings(absolute_tolerance=1e-12, relative_tolerance=1e-8)
GRID_STEP_H = 0.05  # output grid of the predictions, in hours (AUC and Cmax use it)


def _packaged_or_repo(name: str) -> Path:
    packaged = resources.files("sbmltwin").joinpath("_library", name)
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / name


def library_dir() -> Path:
    """The model library (``model_library/``): packaged in wheels, the repo's in a checkout."""
    return _packaged_or_repo("model_library")


def validation_dir() -> Path:
    """The shipped validation cases (``validation/``)."""
    return _packaged_or_repo("validation")


@dataclass(frozen=True, slots=True)
class OutputRef:
    name: str
    id: str
    molecular_weight: str | None = None
    unit: str | None = None  # report the output in this unit (else the model's)


@dataclass(frozen=True, slots=True)
class RatioCheck:
    numerator: str
    denominator: str
    metric: str = "AUC"
    output: str | None = None
    #: the case's window (start, end, time unit), e.g. ``window = "0-24 h"``; None: the common
    #: window of the two groups (0 to the earlier of their last observations)
    window: tuple[float, float, str] | None = None


_WINDOW = re.compile(
    r"^\s*([0-9]+(?:\.[0-9]*)?)\s*(?:-|–|to)\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]+)\s*$"
)
_RATIO_KEYS = {"numerator", "denominator", "metric", "output", "window"}


def parse_window(text: Any, where: str) -> tuple[float, float, str]:
    """``"0-24 h"`` → (0.0, 24.0, "h"); a time unit pint knows, start < end.

    >>> parse_window("0-24 h", "x")
    (0.0, 24.0, 'h')
    """
    m = _WINDOW.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValidationDataError(
            f"window {text!r} is not 'START-END UNIT'",
            where=where,
            hint='write e.g. window = "0-24 h"',
        )
    start, end, unit = float(m[1]), float(m[2]), m[3]
    try:
        ok = parse_quantity(f"1 {unit}").is_compatible_with("hour")
    except SbmlTwinError:
        ok = False
    if not ok or not start < end:
        raise ValidationDataError(
            f"window {text!r} needs START < END and a time unit",
            where=where,
            hint='write e.g. window = "0-24 h"',
        )
    return start, end, unit


def _parse_ratio(r: Any, where: str) -> RatioCheck:
    if not isinstance(r, dict):
        raise ValidationDataError("a ratio is a table {numerator, denominator, …}", where=where)
    check_keys(r, _RATIO_KEYS, error=ValidationDataError, where=where, what="ratio key")
    for key in ("numerator", "denominator"):
        if key not in r:
            raise ValidationDataError(f"ratio without '{key}'", where=where)
    metric = str(r.get("metric", "AUC"))
    if metric not in ("AUC", "Cmax"):
        raise ValidationDataError(
            f"ratio metric {metric!r} is not AUC or Cmax", where=where, hint='metric = "AUC"'
        )
    return RatioCheck(
        str(r["numerator"]),
        str(r["denominator"]),
        metric,
        None if r.get("output") is None else str(r["output"]),
        parse_window(r["window"], f"{where} window") if "window" in r else None,
    )


#: an arm's name, and a group's name in a case with arms (``@`` joins them: ``GROUP@ARM``)
_ARM_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")


@dataclass(frozen=True, slots=True)
class Arm:
    """One arm of a study (``[arms.NAME]``): its own regimen and end time; every group of the
    case is simulated in it."""

    name: str
    doses: tuple[str, ...]
    end: str
    description: str = ""


@dataclass(frozen=True)
class ValidationCase:
    """A parsed case file."""

    id: str
    path: Path
    source: str
    citation: str
    model: str
    role: str
    doses: tuple[str, ...]
    end: str
    groups: Mapping[str, Mapping[str, Any]]
    descriptions: Mapping[str, str]
    observed: Path | None  # time courses (None: the case has summary statistics only)
    outputs: Mapping[str, OutputRef]
    fold: float = 2.0
    ratios: tuple[RatioCheck, ...] = ()
    model_path: Path | None = None
    bindings_path: Path | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    mixtures: Mapping[str, Mixture] = field(default_factory=dict)
    summary: Path | None = None  # published summary statistics (sbmltwin.validate.summary)
    arm: str | None = None  # the summary rows of this case are the groups "NAME@ARM"
    trials: Mapping[str, Trial] = field(default_factory=dict)  # groups run as virtual trials
    #: the study's arms (``[arms.NAME]``); empty for a case with one ``[regimen]`` (then
    #: ``doses``/``end`` hold it; with arms they are empty)
    arms: tuple[Arm, ...] = ()

    #: the dose of a multiple-dose regimen the summary rows count from (1-based or "last"),
    #: unless a row's ``dose`` cell says otherwise; None: not stated (rows not compared)
    after_dose: int | str | None = None
    steady_state: bool = False  # the study states its summary rows are at steady state
    population_path: Path | None = None  # the population spec, when not beside the model

    @property
    def population_spec(self) -> Path:
        """The model's population spec (``population.toml`` beside the model, unless
        ``population_path`` says where): what a group's ``trial`` draws its twins and IIV
        from."""
        if self.population_path is not None:
            return self.population_path
        return (self.model_path or Path("model.xml")).parent / "population.toml"

    def run_groups(self) -> list[tuple[str, str, Arm | None]]:
        """(result name, group, arm) of every simulated group: each group once (its own name)
        for a one-regimen case; each group in each arm (``GROUP@ARM``, arm by arm) with arms."""
        if not self.arms:
            return [(g, g, None) for g in self.groups]
        return [(f"{g}@{a.name}", g, a) for a in self.arms for g in self.groups]

    def result_names(self) -> list[str]:
        """The names observations, summary rows and ratios use for the simulated groups."""
        return [name for name, _, _ in self.run_groups()]

    def group_profiles(self, name: str) -> list[tuple[dict[str, Any], float, str]]:
        """The (profile, weight, label) twins whose weighted mean curve predicts group ``name``:
        one twin of weight 1, or one per class of the group's genotype mixture."""
        base = dict(self.groups[name])
        mix = self.mixtures.get(name)
        if mix is None:
            return [(base, 1.0, name)]
        out = []
        for comp in mixture_components(mix):
            if "phenotype" in comp.genotype:  # a gene without activity scores: its phenotype
                table = {**dict(base.get("phenotype", {})), mix.gene: comp.genotype["phenotype"]}
                out.append(({**base, "phenotype": table}, comp.weight, comp.label))
            else:
                genotype = {**dict(base.get("genotype", {})), mix.gene: dict(comp.genotype)}
                out.append(({**base, "genotype": genotype}, comp.weight, comp.label))
        return out

    def input_files(self) -> list[Path]:
        files = [self.path]
        files += [
            p
            for p in (self.observed, self.summary, self.model_path, self.bindings_path)
            if p is not None
        ]
        if self.trials:
            files.append(self.population_spec)
        return files


def find_cases(root: str | Path) -> list[Path]:
    """Case TOML files under ``root`` (a file is itself)."""
    p = Path(root)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise ValidationDataError(
            "no such file or directory", where=str(p), hint="give validation/ or a case .toml"
        )
    return sorted(q for q in p.rglob("*.toml") if q.name != "twin.toml")


def split_by_model(
    cases: Sequence[ValidationCase],
) -> tuple[list[ValidationCase], list[ValidationCase]]:
    """(cases whose model file exists, cases whose model file is missing).

    The shipped validation/ holds cases of drugs whose model is still to be built (issue 15's
    library); the default run skips those and says so, a run on named paths does not skip."""
    ready: list[ValidationCase] = []
    missing: list[ValidationCase] = []
    for case in cases:
        (ready if case.model_path is None or case.model_path.is_file() else missing).append(case)
    return ready, missing


def load_case(path: str | Path) -> ValidationCase:
    """Read and check a case TOML file (the observations are read by :func:`read_observed`)."""
    p = Path(path)
    where = str(p)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ValidationDataError(f"cannot read the case: {err}", where=where) from err
    allowed = {
        "schema_version",
        "id",
        "source",
        "citation",
        "model",
        "model_path",
        "bindings",
        "role",
        "regimen",
        "arms",
        "groups",
        "observed",
        "outputs",
        "acceptance",
    }
    check_keys(data, allowed, error=ValidationDataError, where=where)
    check_case(data, where=where)
    if "regimen" in data and "arms" in data:
        raise ValidationDataError(
            "both [regimen] and [arms]",
            where=where,
            hint="give one [regimen], or one [arms.NAME] table per arm (each with doses and end)",
        )
    for key in ("source", "model", "regimen", "groups", "observed", "outputs"):
        if key not in data and not (key == "regimen" and "arms" in data):
            raise ValidationDataError(
                f"missing '{key}'" + (" (or [arms.NAME])" if key == "regimen" else ""),
                where=where,
                hint="every case names its source (PMID/DOI), model, regimen, groups, observed data and outputs",
            )
    regimen = data.get("regimen", {})
    doses = regimen.get("doses", [])
    if isinstance(doses, str):
        doses = [doses]
    arms = _parse_arms(data, where)
    groups = {str(k): dict(v.get("profile", {})) for k, v in data["groups"].items()}
    if arms:
        for gname in groups:
            if not _ARM_NAME.match(gname):
                raise ValidationDataError(
                    f"group name '{gname}' in a case with arms",
                    where=f"{where} [groups.{gname}]",
                    hint="name groups with letters, digits and _ . + - (results are GROUP@ARM)",
                )
    mixtures = {}
    trials = {}
    for gname, gdata in data["groups"].items():
        gwhere = f"{where} [groups.{gname}]"
        check_keys(
            gdata,
            {"profile", "description", "mixture", "trial"},
            error=ValidationDataError,
            where=gwhere,
            what="group key",
            hint="a group has description, profile and optionally mixture and trial",
        )
        if "trial" in gdata:
            trials[str(gname)] = parse_trial(gdata["trial"], f"{gwhere} trial")
        if "mixture" in gdata:
            mix = parse_mixture(gdata["mixture"], gwhere)
            given = groups[str(gname)]
            if mix.gene in {
                str(g).upper() for k in ("genotype", "phenotype") for g in given.get(k, {})
            }:
                raise ValidationDataError(
                    f"the profile also gives a {mix.gene} genotype or phenotype",
                    where=gwhere,
                    hint="a mixture group takes its genotype from the mixture",
                )
            mixtures[str(gname)] = mix
    outputs = {}
    for name, spec in data["outputs"].items():
        spec = {"id": spec} if isinstance(spec, str) else spec
        check_keys(
            spec,
            {"id", "molecular_weight", "unit"},
            error=ValidationDataError,
            where=f"{where} [outputs.{name}]",
        )
        unit = spec.get("unit")
        outputs[str(name)] = OutputRef(
            str(name),
            str(spec["id"]),
            spec.get("molecular_weight"),
            None if unit is None else str(unit),
        )
    acceptance = data.get("acceptance", {})
    ratios = tuple(
        _parse_ratio(r, f"{where} [acceptance] ratios[{i}]")
        for i, r in enumerate(acceptance.get("ratios", []))
    )
    names = [f"{g}@{a.name}" for a in arms for g in groups] if arms else list(groups)
    for r in ratios:
        for g in (r.numerator, r.denominator):
            if g not in names:
                raise ValidationDataError(
                    f"ratio names unknown group '{g}'",
                    where=where,
                    hint=f"a case with arms names GROUP@ARM: {', '.join(names)}" if arms else None,
                )
    base = p.parent
    observed = data["observed"]
    owhere = f"{where} [observed]"
    if not isinstance(observed, dict):
        raise ValidationDataError("[observed] is a table", where=where)
    check_keys(
        observed,
        {"file", "summary", "arm", "after_dose", "steady_state"},
        error=ValidationDataError,
        where=owhere,
        hint="file = time courses (CSV), summary = summary statistics, arm = their arm, "
        "after_dose = the dose they count from, steady_state = true when stated",
    )
    if "file" not in observed and "summary" not in observed:
        raise ValidationDataError(
            "names no data",
            where=owhere,
            hint='give file = "<id>.csv" (time courses) and/or summary = "<Study>.summary.csv"',
        )
    for key in ("arm", "after_dose", "steady_state"):
        if key in observed and "summary" not in observed:
            raise ValidationDataError(f"'{key}' without 'summary'", where=owhere)
    after_dose = parse_dose_ref(observed.get("after_dose"), f"{owhere} after_dose")
    if "arm" in observed and arms:
        raise ValidationDataError(
            "'arm' in a case with [arms]",
            where=owhere,
            hint="a case with arms matches the summary rows GROUP@ARM to its arms; drop 'arm'",
        )
    model_path = (
        base / data["model_path"]
        if "model_path" in data
        else library_dir() / data["model"] / "model.xml"
    )
    bindings_path = (
        base / data["bindings"] if "bindings" in data else model_path.parent / "twin.toml"
    )
    return ValidationCase(
        id=str(data.get("id", p.stem)),
        path=p,
        source=str(data["source"]),
        citation=str(data.get("citation", "")),
        model=str(data["model"]),
        role=str(data.get("role", "validation")),
        doses=tuple(str(d) for d in doses),
        end="" if arms else str(regimen.get("end", "24 h")),
        groups=groups,
        descriptions={str(k): str(v.get("description", k)) for k, v in data["groups"].items()},
        observed=base / str(observed["file"]) if "file" in observed else None,
        outputs=outputs,
        fold=float(acceptance.get("fold", 2.0)),
        ratios=ratios,
        model_path=model_path,
        bindings_path=bindings_path,
        mixtures=mixtures,
        summary=base / str(observed["summary"]) if "summary" in observed else None,
        arm=str(observed["arm"]) if "arm" in observed else None,
        trials=trials,
        arms=arms,
        after_dose=after_dose,
        steady_state=bool(observed.get("steady_state", False)),
    )


def _parse_arms(data: Mapping[str, Any], where: str) -> tuple[Arm, ...]:
    """The ``[arms.NAME]`` tables (shapes checked by :func:`check_case`): names, doses, end."""
    if "arms" not in data:
        return ()
    tables = data["arms"]
    if not tables:
        raise ValidationDataError(
            "[arms] has no arm", where=where, hint="give [arms.NAME] tables with doses and end"
        )
    out = []
    for name, arm in tables.items():
        awhere = f"{where} [arms.{name}]"
        if not _ARM_NAME.match(str(name)):
            raise ValidationDataError(
                f"arm name '{name}'", where=awhere, hint="use letters, digits and _ . + -"
            )
        for key in ("doses", "end"):
            if key not in arm:
                raise ValidationDataError(
                    f"missing '{key}'",
                    where=awhere,
                    hint='an arm has doses = ["…"] and end = "…" (and optionally description)',
                )
        doses = arm["doses"]
        doses = [doses] if isinstance(doses, str) else doses
        if not doses:
            raise ValidationDataError(
                "no doses", where=awhere, hint='write e.g. doses = ["40 mg iv"]'
            )
        out.append(
            Arm(
                str(name),
                tuple(str(d) for d in doses),
                str(arm["end"]),
                str(arm.get("description", "")),
            )
        )
    return tuple(out)


def read_observed(case: ValidationCase) -> pd.DataFrame:
    """The case's time courses (an empty table for a case with summary statistics only)."""
    need = {"group", "output", "time", "time_unit", "value", "value_unit"}
    if case.observed is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in sorted(need)})
    try:
        frame = pd.read_csv(case.observed)
    except (OSError, ValueError) as err:  # ParserError, EmptyDataError, UnicodeDecodeError
        raise ValidationDataError(
            f"cannot read observations: {' '.join(str(err).split())[:200]}",
            where=str(case.observed),
        ) from err
    missing = need - set(frame.columns)
    if missing:
        raise ValidationDataError(
            f"missing column(s) {', '.join(sorted(missing))}", where=str(case.observed)
        )
    frame = check_observations(frame, where=str(case.observed))
    for col, known in (("group", case.result_names()), ("output", list(case.outputs))):
        bad = sorted(set(frame[col].astype(str)) - set(known))
        if bad:
            with_arms = (
                " (a case with arms names groups GROUP@ARM)" if col == "group" and case.arms else ""
            )
            raise ValidationDataError(
                f"unknown {col} value(s) {bad}",
                where=str(case.observed),
                hint=f"the case defines {', '.join(known)}{with_arms}",
            )
    if frame["value"].isna().any() or (frame["time"] < 0).any():
        raise ValidationDataError("empty values or negative times", where=str(case.observed))
    return frame
