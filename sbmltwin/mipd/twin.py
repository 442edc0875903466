"""A twin with uncertainty: typical values from personalization, log-normal IIV priors.

``Twin`` holds every value the twin sets (``ids``/``base``: the personalized, typical values)
and, for the parameters with inter-individual variability, a Gaussian on η = log(value/typical):
the prior N(0, ω²) of the population spec, or the Laplace posterior of a fit. A draw of η gives
the twin's parameter values ``base × exp(η)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np
import numpy.typing as npt

from sbmltwin.cohort.sampling import PopulationSpec
from sbmltwin.engine import CompiledModel
from sbmltwin.errors import ProfileError
from sbmltwin.model import Model
from sbmltwin.personalize import Bindings, ParameterChange, ParameterSet, TwinProfile, personalize

__all__ = ["Prior", "Twin", "prior_twin"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Prior:
    """A log-normal prior: median ``typical`` (model units), ``omega`` = SD of log(value)."""

    sid: str
    typical: float
    omega: float
    cv_percent: float
    unit: str
    reason: str


@dataclass(frozen=True)
class Twin:
    """A twin as a distribution (see the module docstring). ``kind`` is "prior" or "posterior"."""

    model_sha256: str
    twin_id: str
    ids: tuple[str, ...]
    base: tuple[float, ...]
    old: tuple[float, ...]
    units: tuple[str, ...]
    reasons: tuple[str, ...]
    priors: tuple[Prior, ...]
    mean: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]
    kind: str = "prior"
    notes: tuple[str, ...] = field(default=())

    @property
    def eta_ids(self) -> tuple[str, ...]:
        return tuple(p.sid for p in self.priors)

    def values(self, eta: npt.ArrayLike) -> Array:
        """Values of ``ids`` for one η (or rows of η: an (n × k) array gives n × len(ids))."""
        e = np.atleast_2d(np.asarray(eta, dtype=float))
        out = np.tile(np.asarray(self.base, dtype=float), (e.shape[0], 1))
        for k, p in enumerate(self.priors):
            j = self.ids.index(p.sid)
            out[:, j] = p.typical * np.exp(e[:, k])
        return out if np.ndim(eta) > 1 else out[0]

    def point(self) -> Array:
        """Values at the mean η (the MAP twin of a posterior; the typical twin of a prior)."""
        return self.values(np.asarray(self.mean))

    def draws(self, n: int, seed: int) -> Array:
        """``n`` η draws (n × k) from this twin's Gaussian, from ``default_rng(seed)``."""
        rng = np.random.default_rng(seed)
        if not self.priors:
            return np.zeros((n, 0))
        return rng.multivariate_normal(
            np.asarray(self.mean), np.asarray(self.cov), size=n, method="cholesky"
        )

    def parameter_set(self) -> ParameterSet:
        """The point twin as a :class:`ParameterSet` that every command accepts."""
        values = self.point()
        changes = [
            ParameterChange(sid, old, float(v), unit, why)
            for sid, old, v, unit, why in zip(
                self.ids, self.old, values, self.units, self.reasons, strict=True
            )
        ]
        return ParameterSet(tuple(changes), twin_id=self.twin_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "kind": self.kind,
            "model_sha256": self.model_sha256,
            "twin_id": self.twin_id,
            "ids": list(self.ids),
            "base": list(self.base),
            "old": list(self.old),
            "units": list(self.units),
            "reasons": list(self.reasons),
            "priors": [
                {
                    "sid": p.sid,
                    "typical": p.typical,
                    "omega": p.omega,
                    "cv_percent": p.cv_percent,
                    "unit": p.unit,
                    "reason": p.reason,
                }
                for p in self.priors
            ],
            "mean": list(self.mean),
            "cov": [list(r) for r in self.cov],
            "notes": list(self.notes),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any], *, where: str = "<twin>") -> Twin:
        try:
            if data.get("schema_version") != 1:
                raise ProfileError("schema_version must be 1", where=where)
            return Twin(
                model_sha256=str(data["model_sha256"]),
                twin_id=str(data["twin_id"]),
                ids=tuple(map(str, data["ids"])),
                base=tuple(map(float, data["base"])),
                old=tuple(map(float, data["old"])),
                units=tuple(map(str, data["units"])),
                reasons=tuple(map(str, data["reasons"])),
                priors=tuple(
                    Prior(
                        str(p["sid"]),
                        float(p["typical"]),
                        float(p["omega"]),
                        float(p["cv_percent"]),
                        str(p["unit"]),
                        str(p["reason"]),
                    )
                    for p in data["priors"]
                ),
                mean=tuple(map(float, data["mean"])),
                cov=tuple(tuple(map(float, r)) for r in data["cov"]),
                kind=str(data["kind"]),
                notes=tuple(map(str, data.get("notes", ()))),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ProfileError(f"not a twin file: {err}", where=where) from None


def prior_twin(
    model: Model,
    compiled: CompiledModel,
    profile: TwinProfile,
    bindings: Bindings,
    population: PopulationSpec,
) -> Twin:
    """The twin before any level: personalized typical values, the population's IIV as priors.

    A parameter the genotype drives (e.g. ``f_cyp2d6``) gets the genotype's value as its prior
    median; its IIV (if the spec gives one) is the spread around it.
    """
    pset = personalize(model, profile, bindings)
    changed = {c.sid: c for c in pset.changes}
    initial = compiled.initial_values
    ids = sorted(set(changed) | set(population.iiv))
    base, old, units, reasons = [], [], [], []
    priors: list[Prior] = []
    notes: list[str] = []
    for sid in ids:
        if sid not in initial:
            raise ProfileError(
                f"[iiv] names '{sid}', which is not a settable id of the model",
                where=population.source,
            )
        c = changed.get(sid)
        value = c.new if c is not None else float(initial[sid])
        unit = model.units[sid].text if sid in model.units else "?"
        why = c.reason if c is not None else "model value"
        base.append(value)
        old.append(c.old if c is not None else float(initial[sid]))
        units.append(unit)
        reasons.append(why)
        cv = population.iiv.get(sid)
        if cv is None:
            continue
        omega = math.sqrt(math.log1p((cv / 100) ** 2))
        if omega == 0 or value == 0:
            notes.append(
                f"{sid}: not estimated ({'CV 0 %' if omega == 0 else 'typical value 0'}); "
                f"kept at {value:.6g} {unit}"
            )
            continue
        priors.append(
            Prior(
                sid,
                value,
                omega,
                cv,
                unit,
                f"{why} → prior log-normal, median {value:.6g} {unit}, IIV CV {cv:g} % "
                f"(ω = {omega:.4g}, {PurePath(population.source).name})",  # name, not location
            )
        )
    k = len(priors)
    cov = np.diag([p.omega**2 for p in priors]) if k else np.zeros((0, 0))
    return Twin(
        model_sha256=model.sha256,
        twin_id=profile.id,
        ids=tuple(ids),
        base=tuple(base),
        old=tuple(old),
        units=tuple(units),
        reasons=tuple(reasons),
        priors=tuple(priors),
        mean=(0.0,) * k,
        cov=tuple(tuple(float(x) for x in row) for row in cov),
        kind="prior",
        notes=tuple(notes),
    )
