"""Maximum a posteriori twin from measured levels, with Laplace uncertainty.

Objective (η = log(value / typical) of each parameter with IIV, prior N(0, ω²))::

    OFV(η) = Σ_obs ½[(y − f)²/σ² + ln σ²]  −  Σ_BLQ ln Φ((LLOQ − f)/σ)  +  ½ Σ_k (η_k/ω_k)²
    σ² = a² + (b·f)²        (additive a and proportional b, per output)

BLQ samples enter with Beal's M3 likelihood, P(C < LLOQ). The minimum is found with
scipy.optimize L-BFGS-B from several starts (η = 0 and draws from the prior), in the scaled
coordinates z = η/ω, with central finite-difference gradients (the first start to tight
tolerances, the others loosely, to find a better basin), then polished with Newton steps.
The Laplace approximation gives the posterior covariance: the inverse of the finite-difference
Hessian of OFV at the minimum.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from sbmltwin.engine import CompiledModel, DoseEvent, IntegratorSettings
from sbmltwin.engine.batch import BatchSimulator
from sbmltwin.errors import LevelsError, SimulationError, UnitError
from sbmltwin.mipd.levels import Levels
from sbmltwin.mipd.twin import Twin
from sbmltwin.units import ModelUnit, parse_quantity, to_model_units

__all__ = [
    "FIT_INTEGRATOR",
    "Band",
    "ErrorModel",
    "Estimate",
    "FitResult",
    "fit_twin",
    "parse_error_model",
    "predict_band",
]

Array = npt.NDArray[np.float64]
FIT_INTEGRATOR = IntegratorSettings(relative_tolerance=1e-10, absolute_tolerance=1e-14)
_Z90 = 1.6448536269514722  # standard-normal 95th percentile: a central 90 % interval
_BIG = 1e12


@dataclass(frozen=True, slots=True)
class ErrorModel:
    """Residual error of one output: SD = sqrt(additive² + (proportional·f)²), model units."""

    additive: float
    proportional: float

    def __post_init__(self) -> None:
        if not (self.additive >= 0 and self.proportional >= 0) or (
            self.additive == 0 and self.proportional == 0
        ):
            raise LevelsError(
                "a residual error model needs an additive and/or proportional part > 0"
            )

    def text(self, unit: str) -> str:
        parts = []
        if self.additive:
            parts.append(f"additive {self.additive:.4g} {unit}")
        if self.proportional:
            parts.append(f"proportional {100 * self.proportional:.4g} %")
        return " + ".join(parts)


def parse_error_model(text: str, unit: ModelUnit, *, where: str = "--error") -> ErrorModel:
    """``"0.05 mg/L + 15%"``, ``"15%"`` or ``"0.05 mg/L"``: additive part in any concentration
    unit of the output's dimension, proportional part in %."""
    additive, proportional = 0.0, 0.0
    for part in (p.strip() for p in text.split("+")):
        if not part:
            raise LevelsError(f"empty term in {text!r}", where=where, hint="e.g. '0.05 mg/L + 15%'")
        if part.endswith("%"):
            try:
                proportional = float(part[:-1]) / 100
            except ValueError:
                raise LevelsError(f"{part!r} is not a percentage", where=where) from None
            continue
        try:
            additive = to_model_units(parse_quantity(part, where=where), unit, where=where)
        except UnitError as err:
            raise LevelsError(err.what, where=where, hint=err.hint) from None
    if not (math.isfinite(additive) and math.isfinite(proportional)):
        raise LevelsError(f"{text!r} is not finite", where=where)
    try:
        return ErrorModel(additive, proportional)
    except LevelsError as err:
        raise LevelsError(err.what, where=where, hint="e.g. '0.05 mg/L + 15%'") from None


@dataclass(frozen=True, slots=True)
class Estimate:
    """One estimated parameter: prior median, MAP, 90 % interval (model units), shrinkage.

    ``shrinkage`` = posterior SD(η) / prior ω: 1 when the levels told nothing about the
    parameter (the estimate is the prior's), near 0 when they determined it.
    """

    sid: str
    unit: str
    typical: float
    map: float
    lower: float
    upper: float
    shrinkage: float
    cv_percent: float


@dataclass(frozen=True)
class FitResult:
    """A fit: the posterior twin, the estimates, and how the optimizer got there."""

    twin: Twin
    prior: Twin
    estimates: tuple[Estimate, ...]
    objective: float
    prior_objective: float
    starts: tuple[float, ...]  # OFV reached from each start
    evaluations: int
    seconds: float
    levels: Levels
    errors: Mapping[str, ErrorModel]
    individual: tuple[float, ...]  # MAP prediction at each level (model units)
    population: tuple[float, ...]  # prediction of the prior's typical twin at each level
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()


class _Objective:
    """OFV(z) for one patient: a BatchSimulator on the sample times, reused for every call."""

    def __init__(
        self,
        compiled: CompiledModel,
        twin: Twin,
        events: Sequence[DoseEvent],
        levels: Levels,
        errors: Mapping[str, ErrorModel],
        integrator: IntegratorSettings,
    ) -> None:
        self.twin = twin
        self.omega = np.array([p.omega for p in twin.priors])
        selections = list(levels.selections)
        times = sorted({r.time for r in levels.rows})
        start = min([0.0, *times, *(e.time for e in events)])
        grid = np.unique(np.array([start, *times], dtype=float))
        if len(grid) < 2:
            grid = np.array([start, start + 1.0])
        self.grid = grid
        self.batch = BatchSimulator(
            compiled, twin.ids, events, grid=grid, outputs=selections, integrator=integrator
        )
        rows = [r for r in levels.rows]
        self.row = np.array([int(np.searchsorted(grid, r.time)) for r in rows])
        self.col = np.array([1 + selections.index(r.selection) for r in rows])
        self.y = np.array([0.0 if r.blq else r.value for r in rows])
        self.blq = np.array([r.blq for r in rows])
        self.lloq = np.array([r.lloq if r.lloq is not None else math.nan for r in rows])
        self.add = np.array([errors[r.output].additive for r in rows])
        self.prop = np.array([errors[r.output].proportional for r in rows])
        self.evaluations = 0
        self.failures: list[str] = []

    def predict(self, values: Array) -> Array | None:
        self.evaluations += 1
        data, message = self.batch.run(values)
        if message:
            self.failures.append(message)
            return None
        out: Array = data[self.row, self.col]
        return out

    def ofv_eta(self, eta: Array) -> float:
        f = self.predict(self.twin.values(eta))
        if f is None:
            return _BIG
        var = np.maximum(self.add**2 + (self.prop * f) ** 2, 1e-300)
        obs = ~self.blq
        r = self.y[obs] - f[obs]
        total = 0.5 * float(np.sum(r * r / var[obs] + np.log(var[obs])))
        if self.blq.any():
            sd = np.sqrt(var[self.blq])
            total -= float(np.sum(special.log_ndtr((self.lloq[self.blq] - f[self.blq]) / sd)))
        if len(self.omega):
            total += 0.5 * float(np.sum((eta / self.omega) ** 2))
        return total

    def ofv(self, z: Array) -> float:
        return self.ofv_eta(z * self.omega)

    def grad(self, z: Array, h: float = 1e-4) -> Array:
        g = np.empty_like(z)
        for i in range(len(z)):
            e = np.zeros_like(z)
            e[i] = h
            g[i] = (self.ofv(z + e) - self.ofv(z - e)) / (2 * h)
        return g

    def hessian(self, z: Array, h: float = 1e-3) -> Array:
        n = len(z)
        f0 = self.ofv(z)
        hess = np.empty((n, n))
        for i in range(n):
            ei = np.zeros(n)
            ei[i] = h
            hess[i, i] = (self.ofv(z + ei) - 2 * f0 + self.ofv(z - ei)) / (h * h)
            for j in range(i):
                ej = np.zeros(n)
                ej[j] = h
                value = (
                    self.ofv(z + ei + ej)
                    - self.ofv(z + ei - ej)
                    - self.ofv(z - ei + ej)
                    + self.ofv(z - ei - ej)
                ) / (4 * h * h)
                hess[i, j] = hess[j, i] = value
        return hess


def fit_twin(
    compiled: CompiledModel,
    prior: Twin,
    events: Sequence[DoseEvent],
    levels: Levels,
    errors: Mapping[str, ErrorModel],
    *,
    starts: int = 4,
    seed: int = 0,
    integrator: IntegratorSettings = FIT_INTEGRATOR,
) -> FitResult:
    """The MAP twin of ``prior`` given ``levels`` after the doses ``events`` (see the module
    docstring). ``errors`` maps each output named in the levels to its residual error model."""
    if prior.kind != "prior":
        raise LevelsError("fit starts from a prior twin (fit the original twin again)")
    missing = [o for o in levels.outputs if o not in errors]
    if missing:
        raise LevelsError(
            f"no residual error model for output(s) {', '.join(missing)}",
            where=levels.source,
            hint="give --error OUTPUT='0.05 mg/L + 15%' for each output with levels",
        )
    if not events:
        raise LevelsError("no doses given: levels cannot be fitted without the doses")
    t0 = time.perf_counter()
    obj = _Objective(compiled, prior, events, levels, errors, integrator)
    with obj.batch:
        return _fit(obj, prior, levels, errors, starts, seed, t0)


def _fit(
    obj: _Objective,
    prior: Twin,
    levels: Levels,
    errors: Mapping[str, ErrorModel],
    starts: int,
    seed: int,
    t0: float,
) -> FitResult:
    k = len(prior.priors)
    warnings: list[str] = list(prior.notes)
    population = obj.predict(prior.point())
    if population is None:
        raise SimulationError(f"the typical twin cannot be simulated: {obj.failures[-1]}")
    prior_ofv = obj.ofv(np.zeros(k))
    rng = np.random.default_rng(seed)
    z_starts = [np.zeros(k)] + [rng.standard_normal(k) for _ in range(max(0, starts - 1))]
    results: list[tuple[float, Array]] = []
    bounds = [(-6.0, 6.0)] * k
    if k:
        for n, z0 in enumerate(z_starts):
            # the first start runs to tight tolerances; the others only look for a better
            # basin (loose), and the best point found is polished below either way
            tight = n == 0
            res = optimize.minimize(
                obj.ofv,
                z0,
                jac=obj.grad,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 200, "ftol": 1e-13, "gtol": 1e-7}
                if tight
                else {"maxiter": 60, "ftol": 1e-8, "gtol": 1e-4},
            )
            results.append((float(res.fun), np.asarray(res.x, dtype=float)))
        best_f, z = min(results, key=lambda r: r[0])
        if z is not results[0][1]:  # a loose start won: finish it as tightly as the first
            res = optimize.minimize(
                obj.ofv,
                z,
                jac=obj.grad,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 200, "ftol": 1e-13, "gtol": 1e-7},
            )
            if float(res.fun) <= best_f:
                best_f, z = float(res.fun), np.asarray(res.x, dtype=float)
        z, best_f = _newton(obj, z, best_f)
        hess = obj.hessian(z)
        cov_z, note = _laplace(hess)
        if note:
            warnings.append(note)
        if np.any(np.abs(z) > 5.9):
            warnings.append(
                "an estimate sits at the bound |η| = 6 ω: the levels and the prior disagree"
            )
    else:
        z, best_f, cov_z = np.zeros(0), prior_ofv, np.zeros((0, 0))
        warnings.append("no parameter has IIV in the population spec: nothing to estimate")
    eta = z * obj.omega
    cov = cov_z * np.outer(obj.omega, obj.omega)
    individual = obj.predict(prior.values(eta))
    if individual is None:  # pragma: no cover - the optimum was simulated before
        raise SimulationError(f"the MAP twin cannot be simulated: {obj.failures[-1]}")
    estimates = []
    for i, p in enumerate(prior.priors):
        sd = math.sqrt(max(cov[i, i], 0.0))
        estimates.append(
            Estimate(
                p.sid,
                p.unit,
                p.typical,
                p.typical * math.exp(eta[i]),
                p.typical * math.exp(eta[i] - _Z90 * sd),
                p.typical * math.exp(eta[i] + _Z90 * sd),
                sd / p.omega,
                p.cv_percent,
            )
        )
    n_obs = len(levels.rows)
    n_blq = sum(r.blq for r in levels.rows)
    # the file by its name, not its location: a report's results do not change when its
    # inputs move (reproduce runs from the copies in the report folder)
    levels_name = PurePath(levels.source).name
    reasons_by_sid = dict(zip(prior.ids, prior.reasons, strict=True))
    for p, e in zip(prior.priors, estimates, strict=True):
        reasons_by_sid[p.sid] = (
            f"{p.reason} → MAP from {n_obs} level(s) of {', '.join(levels.outputs)} "
            f"({levels_name}): {e.map:.6g} {e.unit} (90 % {e.lower:.4g}–{e.upper:.4g}, "
            f"shrinkage {e.shrinkage:.2f})"
        )
    errs = "; ".join(f"{o}: {errors[o].text(levels.units[o])}" for o in levels.outputs)
    reasons = (
        f"levels: {n_obs} sample(s) ({n_blq} BLQ, M3 likelihood) from {levels_name}",
        f"residual error: {errs}",
        f"MAP: scipy L-BFGS-B from {len(z_starts)} start(s) (seed {seed}) + Newton polish; "
        f"OFV {best_f:.6g} (prior typical twin {prior_ofv:.6g}); {obj.evaluations} simulations",
        "uncertainty: Laplace approximation (inverse finite-difference Hessian of the OFV)",
        *(f"{sid}: {reasons_by_sid[sid]}" for sid in prior.eta_ids),
    )
    twin = replace(
        prior,
        reasons=tuple(reasons_by_sid[s] for s in prior.ids),
        mean=tuple(float(x) for x in eta),
        cov=tuple(tuple(float(x) for x in row) for row in cov),
        kind="posterior",
        notes=tuple(warnings),
    )
    if obj.failures:
        warnings.append(
            f"{len(obj.failures)} trial simulation(s) failed and were scored as impossible "
            f"(e.g. {obj.failures[0][:120]})"
        )
    return FitResult(
        twin=twin,
        prior=prior,
        estimates=tuple(estimates),
        objective=best_f,
        prior_objective=prior_ofv,
        starts=tuple(r[0] for r in results),
        evaluations=obj.evaluations,
        seconds=time.perf_counter() - t0,
        levels=levels,
        errors=dict(errors),
        individual=tuple(float(x) for x in individual),
        population=tuple(float(x) for x in population),
        reasons=reasons,
        warnings=tuple(warnings),
    )


def _newton(obj: _Objective, z: Array, f: float, steps: int = 3) -> tuple[Array, float]:
    """A few damped Newton steps from the L-BFGS-B optimum (finite differences)."""
    for _ in range(steps):
        g = obj.grad(z)
        if float(np.max(np.abs(g))) < 1e-9:
            break
        hess = obj.hessian(z)
        try:
            step = np.linalg.solve(hess, g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or float(g @ step) <= 0:
            break
        for scale in (1.0, 0.5, 0.25):
            trial = np.clip(z - scale * step, -6.0, 6.0)
            ft = obj.ofv(trial)
            if ft < f:
                z, f = trial, ft
                break
        else:
            break
    return z, f


def _laplace(hess: Array) -> tuple[Array, str]:
    """Inverse Hessian; a non-positive-definite Hessian is repaired (and said)."""
    sym = 0.5 * (hess + hess.T)
    vals, vecs = np.linalg.eigh(sym)
    note = ""
    if np.any(vals <= 1e-8):
        note = (
            "the OFV Hessian was not positive definite at the optimum "
            f"(smallest eigenvalue {vals.min():.3g}); those directions were given the prior's width"
        )
        vals = np.where(vals <= 1e-8, 1.0, vals)
    cov: Array = (vecs / vals) @ vecs.T
    return cov, note


@dataclass(frozen=True)
class Band:
    """Predictions on ``time`` for each selection: the point twin and the 5/50/95 % of draws."""

    time: Array
    point: Mapping[str, Array]
    p05: Mapping[str, Array]
    p50: Mapping[str, Array]
    p95: Mapping[str, Array]
    draws: int
    failed: int


def predict_band(
    compiled: CompiledModel,
    twin: Twin,
    events: Sequence[DoseEvent],
    selections: Sequence[str],
    grid: npt.ArrayLike,
    *,
    draws: int = 200,
    seed: int = 0,
    integrator: IntegratorSettings | None = None,
) -> Band:
    """The point twin's curve and a 90 % band from ``draws`` draws of the twin's η."""
    g = np.asarray(grid, dtype=float)
    runs = []
    failed = 0
    with BatchSimulator(
        compiled, twin.ids, events, grid=g, outputs=list(selections), integrator=integrator
    ) as batch:
        point, message = batch.run(twin.point())
        if message:
            raise SimulationError(f"the twin cannot be simulated: {message}")
        for values in twin.values(twin.draws(draws, seed)) if twin.priors else []:
            data, message = batch.run(values)
            if message:
                failed += 1
                continue
            runs.append(data)
    stack = np.stack(runs) if runs else np.stack([point])
    cols = {s: i + 1 for i, s in enumerate(selections)}
    return Band(
        time=g,
        point={s: point[:, c] for s, c in cols.items()},
        p05={s: np.percentile(stack[:, :, c], 5, axis=0) for s, c in cols.items()},
        p50={s: np.percentile(stack[:, :, c], 50, axis=0) for s, c in cols.items()},
        p95={s: np.percentile(stack[:, :, c], 95, axis=0) for s, c in cols.items()},
        draws=len(runs),
        failed=failed,
    )
