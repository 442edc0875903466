"""Virtual trials: a case group predicted by ``n`` twins drawn from the study's population.

A group that says ::

    [groups.PM]
    profile = { genotype = { CYP2C9 = "*3/*3" } }
    trial = { n = 24, seed = 1, female_fraction = 0.5, age = "20-45 y", weight = "55-90 kg",
              population = "East Asian" }

is predicted by ``n`` twins instead of one. The twins come from the cohort sampler
(:func:`sbmltwin.cohort.sampling.sample_block`) run on the model's population spec
(``model_library/<model>/population.toml``: its covariate distributions and its IIV) with the
study's settings on top: biogeographic group, share of women, age range (uniform within it),
weight range (the spec's weight distributions truncated to it). Every twin of a genotype-defined
group has the group's genotype (or phenotype); a ``mixture`` group's twins draw their genotype of
the mixture's gene from the population's CPIC allele frequencies, and twins of an excluded or
Indeterminate phenotype are set aside (as :mod:`sbmltwin.validate.mixture` leaves those classes
out). The spec's co-medications are not drawn (a study says what its subjects took). Twin ``i``
of a trial with seed ``s`` is ``sample_twin(spec, s, i)``: deterministic on any machine.

Each twin is personalized through the model's bindings, its IIV factors multiply the values,
and it is simulated over the case's regimen (one compiled model and one
:class:`~sbmltwin.engine.batch.BatchSimulator` per group, as a cohort chunk). The group's
predicted AUC and Cmax are the geometric means over the twins (each twin's AUC and Cmax over
the same interval as the observed ones), with the 5th and 95th percentiles (numpy's linear
interpolation); the predicted curve is the pointwise geometric mean, with the pointwise 5–95 %
band. Verdicts (fold, within 2-fold) are on the geometric means.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sbmltwin.cohort.sampling import PopulationSpec, parse_population, populations, sample_block
from sbmltwin.engine import IntegratorSettings, RunSetup
from sbmltwin.engine.batch import BatchSimulator
from sbmltwin.errors import SbmlTwinError, ValidationDataError, check_keys
from sbmltwin.personalize import ParameterSet, TwinProfile
from sbmltwin.pgx import Phenotype
from sbmltwin.units import parse_quantity
from sbmltwin.validate.mixture import Mixture

__all__ = [
    "DEFAULT_SEED",
    "MAX_TWINS",
    "PERCENTILES",
    "Trial",
    "TrialTwins",
    "parse_trial",
    "run_trial",
    "spread",
    "trial_population",
]

#: the most twins one group may ask for (a trial is a few seconds, not a cohort run)
MAX_TWINS = 1000
DEFAULT_SEED = 0
#: the band shown around the geometric mean
PERCENTILES = (5.0, 95.0)
_KEYS = {"n", "seed", "female_fraction", "age", "weight", "population"}
_RANGE = re.compile(
    r"^\s*([0-9]+(?:\.[0-9]*)?)\s*(?:-|–|to)\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]+)\s*$"
)
_UNITS = {"age": ("year", 0.0, 120.0), "weight": ("kg", 0.5, 400.0)}  # the profile's limits


@dataclass(frozen=True, slots=True)
class Trial:
    """A group's virtual trial: ``n`` twins, the seed, and the study's population settings
    (None: the model's population spec decides)."""

    n: int
    seed: int = DEFAULT_SEED
    female_fraction: float | None = None
    age: tuple[float, float] | None = None  # years
    weight: tuple[float, float] | None = None  # kg
    population: str | None = None

    def describe(self) -> str:
        parts = [f"{self.n} twins (seed {self.seed})"]
        if self.population:
            parts.append(self.population)
        if self.female_fraction is not None:
            parts.append(f"{100 * self.female_fraction:.3g} % women")
        if self.age:
            parts.append(f"age {self.age[0]:g}–{self.age[1]:g} years")
        if self.weight:
            parts.append(f"weight {self.weight[0]:g}–{self.weight[1]:g} kg")
        return ", ".join(parts)


def _range(text: Any, key: str, where: str) -> tuple[float, float]:
    unit_to, lowest, highest = _UNITS[key]
    example = '"20-45 y"' if key == "age" else '"55-90 kg"'
    m = _RANGE.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValidationDataError(
            f"trial {key} {str(text)[:40]!r} is not 'LOW-HIGH UNIT'",
            where=where,
            hint=f"write e.g. {key} = {example}",
        )
    unit = {"y": "year", "yr": "year", "yrs": "year"}.get(m[3], m[3])
    try:
        factor = float(parse_quantity(f"1 {unit}").to(unit_to).magnitude)
    except Exception:  # noqa: BLE001 - pint: undefined or incompatible unit
        raise ValidationDataError(
            f"trial {key} {text!r}: {m[3]!r} is not a unit of {unit_to}",
            where=where,
            hint=f"write e.g. {key} = {example}",
        ) from None
    low, high = float(m[1]) * factor, float(m[2]) * factor
    if not (lowest <= low < high <= highest):
        raise ValidationDataError(
            f"trial {key} {text!r} needs LOW < HIGH within {lowest:g}–{highest:g} {unit_to}",
            where=where,
            hint=f"write e.g. {key} = {example}",
        )
    return low, high


def _int(value: Any, key: str, low: int, high: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationDataError(
            f"trial {key} = {repr(value)[:40]} is not an integer in {low}–{high}", where=where
        )
    return value


def parse_trial(data: Any, where: str) -> Trial:
    """Check a group's ``trial = {...}`` table (every key but ``n`` optional)."""
    if not isinstance(data, Mapping):
        raise ValidationDataError(
            "'trial' must be a table", where=where, hint="e.g. trial = { n = 24, seed = 1 }"
        )
    check_keys(data, _KEYS, error=ValidationDataError, where=where, what="trial key")
    if "n" not in data:
        raise ValidationDataError(
            "trial needs 'n' (the number of twins)", where=where, hint="e.g. trial = { n = 24 }"
        )
    n = _int(data["n"], "n", 1, MAX_TWINS, where)
    seed = _int(data.get("seed", DEFAULT_SEED), "seed", 0, 2**63 - 1, where)
    female = data.get("female_fraction")
    if female is not None and (
        isinstance(female, bool)
        or not isinstance(female, int | float)
        or not 0 <= float(female) <= 1
    ):
        raise ValidationDataError(
            f"trial female_fraction = {repr(female)[:40]} is not a number in [0, 1]",
            where=where,
        )
    population = data.get("population")
    if population is not None and population not in populations():
        raise ValidationDataError(
            f"trial population {str(population)[:40]!r} is not a CPIC biogeographic group",
            where=where,
            hint=f"use one of: {', '.join(populations())}",
        )
    return Trial(
        n=n,
        seed=seed,
        female_fraction=None if female is None else float(female),
        age=_range(data["age"], "age", where) if "age" in data else None,
        weight=_range(data["weight"], "weight", where) if "weight" in data else None,
        population=None if population is None else str(population),
    )


def _truncated(entry: Any, low: float, high: float) -> dict[str, Any]:
    """The spec's ``[covariates] weight`` entry with both sexes' distributions cut to
    [low, high]."""
    bounds = {"low": low, "high": high}
    if isinstance(entry, Mapping) and entry and set(entry) <= {"female", "male"}:
        return {sex: {**dict(entry.get(sex, {})), **bounds} for sex in ("female", "male")}
    common = dict(entry) if isinstance(entry, Mapping) else {}
    return {sex: {**common, **bounds} for sex in ("female", "male")}


def trial_population(
    trial: Trial, spec_path: Path, *, mixture: Mixture | None, where: str
) -> PopulationSpec:
    """The population spec the trial's twins are drawn from: the model's spec at
    ``spec_path`` with the study's group, share of women, age and weight ranges, sampling only
    the mixture's gene (none for a genotype-defined group) and no co-medications."""
    hint = "a trial draws its twins from the model's population spec (README: Population spec)"
    try:
        raw = tomllib.loads(spec_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ValidationDataError(
            f"cannot read the population spec {spec_path}: {' '.join(str(err).split())[:160]}",
            where=where,
            hint=hint,
        ) from None
    if mixture is not None and trial.population and trial.population != mixture.population:
        raise ValidationDataError(
            f"trial population {trial.population!r} differs from the mixture's "
            f"{mixture.population!r}",
            where=where,
            hint="give the study's population once (in the mixture)",
        )
    data = dict(raw)
    data["population"] = (
        trial.population or (mixture.population if mixture else None) or raw.get("population")
    )
    data["genes"] = [mixture.gene] if mixture is not None else []
    data.pop("comedications", None)
    cov = dict(raw.get("covariates", {})) if isinstance(raw.get("covariates"), Mapping) else {}
    if trial.female_fraction is not None:
        cov["female_fraction"] = trial.female_fraction
    if trial.age is not None:
        cov["age"] = {"dist": "uniform", "low": trial.age[0], "high": trial.age[1]}
    if trial.weight is not None:
        cov["weight"] = _truncated(cov.get("weight"), *trial.weight)
    data["covariates"] = cov
    try:
        return parse_population(data, source=str(spec_path))
    except SbmlTwinError as err:
        raise ValidationDataError(
            f"{err.what} (population spec {spec_path} with the group's trial)",
            where=where,
            hint=err.hint or hint,
        ) from None


@dataclass(frozen=True)
class TrialTwins:
    """The twins of one trial and their simulated curves.

    ``curves[k]`` is twin ``k``'s (points × selections) array on ``grid`` (model units) for
    the twins whose run succeeded (``labels``/``parameters`` in the same order)."""

    spec: PopulationSpec
    grid: npt.NDArray[np.float64]
    curves: npt.NDArray[np.float64]  # twins × points × selections
    labels: tuple[str, ...]
    parameters: tuple[Mapping[str, float], ...]
    first: ParameterSet  # the first twin's personalization (its reason chain)
    rejected: int  # draws set aside (mixture: excluded or Indeterminate phenotype)
    failed: tuple[str, ...]  # twins whose run failed, with libroadrunner's message


def _label(index: int, profile: TwinProfile, gene: str | None) -> str:
    sex = "F" if profile.sex is not None and profile.sex.value == "female" else "M"
    text = f"twin {index}: {sex}, {profile.age_years:.0f} y, {profile.weight_kg:.0f} kg"
    if gene is not None and gene in profile.genes:
        call = profile.genes[gene]
        score = "" if call.activity_score is None else f" AS {call.activity_score:g}"
        text += f", {gene} {call.diplotype}{score} {call.phenotype.short}"
    return text


def _draw(
    trial: Trial, spec: PopulationSpec, base: TwinProfile, mixture: Mixture | None, where: str
) -> tuple[list[tuple[str, TwinProfile, Mapping[str, float]]], int]:
    """``trial.n`` twins (label, profile, IIV factors) and the number of draws set aside."""
    out: list[tuple[str, TwinProfile, Mapping[str, float]]] = []
    rejected, start, limit = 0, 0, 100 * trial.n + 1000
    while len(out) < trial.n:
        if start >= limit:
            raise ValidationDataError(
                f"only {len(out)} of {limit} twins drawn for the trial have a phenotype the "
                f"mixture keeps (it excludes {', '.join(mixture.exclude_phenotypes)})"
                if mixture is not None
                else "the trial drew no twins",
                where=where,
                hint="exclude fewer phenotypes or choose another population",
            )
        stop = start + max(trial.n - len(out), 8)
        try:
            block = sample_block(spec, trial.seed, start, stop)
        except SbmlTwinError as err:  # e.g. a weight range the distributions hardly reach
            raise ValidationDataError(
                f"cannot draw the trial's twins: {err.what}", where=where, hint=err.hint
            ) from None
        for i in range(len(block)):
            sampled = block.twin(i)
            genes = dict(base.genes)
            if mixture is not None:
                call = sampled.profile.genes[mixture.gene]
                if (
                    call.phenotype is Phenotype.INDETERMINATE
                    or call.phenotype.short in mixture.exclude_phenotypes
                ):
                    rejected += 1
                    continue
                genes[mixture.gene] = call
            p = sampled.profile
            profile = dataclasses.replace(
                base,
                id=f"{base.id}#{sampled.index}",
                sex=p.sex,
                age_years=p.age_years,
                weight_kg=p.weight_kg,
                height_cm=p.height_cm,
                serum_creatinine_mg_dl=p.serum_creatinine_mg_dl,
                genes=genes,
                source=f"{where} twin {sampled.index}",
            )
            gene = mixture.gene if mixture is not None else None
            out.append((_label(sampled.index, profile, gene), profile, sampled.iiv))
            if len(out) == trial.n:
                break
        start = stop
    return out, rejected


def run_trial(
    trial: Trial,
    run: RunSetup,
    base: TwinProfile,
    *,
    spec_path: Path,
    mixture: Mixture | None,
    end: float,
    points: int,
    selections: Sequence[str],
    integrator: IntegratorSettings,
    where: str,
) -> TrialTwins:
    """Draw, personalize and simulate the trial's twins (see the module docstring)."""
    spec = trial_population(trial, spec_path, mixture=mixture, where=where)
    drawn, rejected = _draw(trial, spec, base, mixture, where)
    compiled = run.compile()
    initial = compiled.initial_values
    first: ParameterSet | None = None
    rows: list[dict[str, float]] = []
    for _, profile, iiv in drawn:
        pset = run.personalize(profile)
        first = first or pset
        values = dict(pset.as_dict())
        for sid, factor in iiv.items():
            if sid not in initial:
                raise ValidationDataError(
                    f"[iiv] names '{sid}', which is not a settable id of the model",
                    where=str(spec_path),
                    hint="name a parameter or compartment of the model",
                )
            values[sid] = values.get(sid, initial[sid]) * factor
        rows.append(values)
    assert first is not None
    ids = sorted({sid for r in rows for sid in r})
    grid = np.linspace(0.0, end, points)
    curves: list[npt.NDArray[np.float64]] = []
    labels: list[str] = []
    kept: list[Mapping[str, float]] = []
    failed: list[str] = []
    with BatchSimulator(
        compiled, ids, run.events, grid=grid, outputs=list(selections), integrator=integrator
    ) as batch:
        for (label, _, _), values in zip(drawn, rows, strict=True):
            data, message = batch.run(np.array([values.get(s, initial[s]) for s in ids]))
            if message:
                failed.append(f"{label}: {message}")
                continue
            curves.append(data[:, 1:])
            labels.append(label)
            kept.append(values)
    if not curves:
        raise ValidationDataError(
            f"every twin of the trial failed to simulate: {failed[0]}", where=where
        )
    return TrialTwins(
        spec=spec,
        grid=grid,
        curves=np.stack(curves),
        labels=tuple(labels),
        parameters=tuple(kept),
        first=first,
        rejected=rejected,
        failed=tuple(failed),
    )


def spread(values: Sequence[float] | npt.NDArray[np.float64]) -> tuple[float, float, float]:
    """(geometric mean, 5th percentile, 95th percentile) of positive ``values`` (NaN when one
    is not positive and finite)."""
    v = np.asarray(values, dtype=float)
    if v.size == 0 or not np.all(np.isfinite(v) & (v > 0)):
        gm = math.nan
    else:
        gm = float(np.exp(np.mean(np.log(v))))
    lo, hi = (float(x) for x in np.percentile(v, PERCENTILES)) if v.size else (math.nan,) * 2
    return gm, lo, hi


def geometric_mean_curve(curves: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The pointwise geometric mean over axis 0 (0 where a twin's value is ≤ 0)."""
    positive = np.all(curves > 0, axis=0)
    logs = np.log(np.where(curves > 0, curves, 1.0))
    return np.where(positive, np.exp(logs.mean(axis=0)), 0.0)
