"""Population specs → virtual twins, one independent random stream per twin.

A spec (TOML) names a CPIC biogeographic group, the genes to sample, covariate distributions and
inter-individual variability (IIV)::

    schema_version = 1
    population = "European"           # a CPIC group: European, East Asian, Sub-Saharan African, …
    genes = ["CYP2D6"]
    [covariates]
    female_fraction = 0.5
    age = { dist = "uniform", low = 18, high = 65 }                    # years
    weight_height_correlation = 0.45
    uncertain = "exclude"             # alleles of uncertain function: exclude, as_reference, fail
    [covariates.height.female]                                           # cm
    dist = "normal"
    mean = 163
    sd = 7
    [covariates.weight.male]                                             # kg
    dist = "lognormal"
    median = 82
    cv = 0.18
    [iiv]                                                                # SBML id = CV %
    CL_other = 30
    [comedications]                                                      # drug = prevalence
    paroxetine = 0.05     # each twin takes it with this probability → phenoconversion

(The README's "Population spec" gives the complete format; a test loads it.)

Distributions: ``normal`` (mean, sd), ``lognormal`` (median, cv), ``uniform`` (low, high);
``low``/``high`` on a normal or log-normal truncate it (rejection sampling). Height is normal and
weight log-normal by sex, correlated through one Gaussian copula (``weight_height_correlation``).
Diplotypes draw two haplotypes independently from the CPIC allele frequencies of the group
(Hardy–Weinberg, as CPIC's own diplotype and phenotype frequency tables assume). CPIC's ``x≥3``
rows are read as three copies. Twin ``i`` of a cohort with seed ``s`` draws from
``numpy.random.default_rng([s, i])`` in a fixed order, so it is the same twin whatever the worker
count or chunking.
"""

from __future__ import annotations

import bisect
import functools
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sbmltwin.errors import GenotypeError, ProfileError, check_keys
from sbmltwin.personalize import TwinProfile
from sbmltwin.pgx import (
    GeneCall,
    Phenotype,
    call_genotype,
    canonical_gene,
    parse_diplotype,
    phenoconvert,
)
from sbmltwin.physiology import Sex

__all__ = [
    "Distribution",
    "PopulationSpec",
    "SampledTwin",
    "TwinBlock",
    "allele_frequencies",
    "load_population",
    "parse_population",
    "populations",
    "sample_block",
    "sample_twin",
    "twin_id",
]

SCHEMA_VERSION = 1
SOURCE = "population sampling (CPIC allele frequencies)"
_KINDS = {"normal": {"mean", "sd"}, "lognormal": {"median", "cv"}, "uniform": {"low", "high"}}
_ORDER = {"normal": ("mean", "sd"), "lognormal": ("median", "cv"), "uniform": ("low", "high")}
_TOP_KEYS = {
    "schema_version",
    "population",
    "genes",
    "covariates",
    "iiv",
    "unknown_alleles",
    "comedications",
    "uncertain",
}
#: what a spec does with alleles of uncertain or unknown function (CPIC gives no activity value
#: or function, so a diplotype with one is "Indeterminate")
UNCERTAIN_POLICIES = ("exclude", "as_reference", "fail")
_COV_KEYS = {
    "female_fraction",
    "age",
    "height",
    "weight",
    "serum_creatinine",
    "weight_height_correlation",
}
_MAX_REJECT = 1000


@dataclass(frozen=True, slots=True)
class Distribution:
    """One covariate distribution; ``low``/``high`` truncate (by rejection)."""

    kind: str
    a: float  # mean (normal), median (lognormal) or low (uniform)
    b: float  # sd (normal), cv (lognormal) or high (uniform)
    low: float = -math.inf
    high: float = math.inf

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ProfileError(f"unknown distribution {self.kind!r}; use one of {sorted(_KINDS)}")
        if not math.isfinite(self.b - self.a):  # also catches inf and nan (fuzzer: 1e3080)
            raise ProfileError(f"{self.kind} needs finite parameters, not {self.a}, {self.b}")
        if self.kind == "uniform" and not self.a < self.b:
            raise ProfileError(f"uniform needs low < high, not {self.a}, {self.b}")
        if self.kind != "uniform" and not (self.b >= 0 and math.isfinite(self.a)):
            raise ProfileError(f"{self.kind} needs a finite centre and a spread ≥ 0")
        if self.kind == "lognormal" and self.a <= 0:
            raise ProfileError(f"lognormal median must be positive, not {self.a}")
        if not self.low < self.high:
            raise ProfileError(f"truncation needs low < high, not {self.low}, {self.high}")

    def from_normal(self, z: float) -> float:
        """The value at standard-normal deviate ``z`` (normal and log-normal)."""
        if self.kind == "normal":
            return self.a + self.b * z
        return self.a * math.exp(math.sqrt(math.log1p(self.b * self.b)) * z)

    def sample(self, rng: np.random.Generator, where: str) -> float:
        for _ in range(_MAX_REJECT):
            if self.kind == "uniform":
                value = float(rng.uniform(self.a, self.b))
            else:
                value = self.from_normal(float(rng.standard_normal()))
            if self.low <= value <= self.high:
                return value
        raise ProfileError(f"{where}: truncation bounds reject almost every draw")

    def accepts(self, value: float) -> bool:
        return self.low <= value <= self.high


# Illustrative adult defaults (roughly NHANES 2015–2018 adult means; Fryar et al. 2021, NHSR 160),
# meant to be overridden for any real study.
_DEFAULTS: dict[str, Distribution] = {
    "age": Distribution("uniform", 18.0, 65.0),
    "height.female": Distribution("normal", 162.0, 7.0, 140.0, 195.0),
    "height.male": Distribution("normal", 176.0, 7.5, 150.0, 210.0),
    "weight.female": Distribution("lognormal", 72.0, 0.22, 38.0, 180.0),
    "weight.male": Distribution("lognormal", 85.0, 0.20, 45.0, 200.0),
    "serum_creatinine.female": Distribution("lognormal", 0.75, 0.20, 0.3, 3.0),
    "serum_creatinine.male": Distribution("lognormal", 0.95, 0.20, 0.4, 3.5),
}


@dataclass(frozen=True, slots=True)
class PopulationSpec:
    """A parsed population spec: group, genes with allele frequencies, covariates, IIV (CV %)."""

    population: str
    genes: tuple[str, ...]
    frequencies: Mapping[str, tuple[tuple[str, ...], tuple[float, ...]]]
    distributions: Mapping[str, Distribution]
    female_fraction: float = 0.5
    weight_height_correlation: float = 0.45
    iiv: Mapping[str, float] = field(default_factory=dict)
    unknown_alleles: str = "error"
    source: str = "<population>"
    comedications: Mapping[str, float] = field(default_factory=dict)  # drug -> prevalence
    uncertain: str = "exclude"
    # gene → (alleles of uncertain function set aside, their summed frequency before
    # renormalization); only with uncertain = "exclude"
    excluded: Mapping[str, tuple[tuple[str, ...], float]] = field(default_factory=dict)

    def uncertain_record(self) -> dict[str, object]:
        """The uncertain-allele policy and what it did, for run records."""
        return {
            "policy": self.uncertain,
            "excluded": {
                gene: {"alleles": list(alleles), "frequency": share}
                for gene, (alleles, share) in self.excluded.items()
            },
        }


@dataclass(frozen=True, slots=True)
class SampledTwin:
    """One sampled twin: its profile and the IIV factor (median 1) for each SBML id."""

    index: int
    profile: TwinProfile
    iiv: Mapping[str, float]


@functools.cache
def _frequency_rows() -> tuple[tuple[str, str, str, float], ...]:
    text = (
        resources.files("sbmltwin.cohort")
        .joinpath("data", "allele_frequency_by_population.tsv")
        .read_text(encoding="utf-8")
    )
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    rows = []
    for line in lines[1:]:
        gene, allele, group, freq, _ = line.split("\t")
        rows.append((gene, allele, group, float(freq)))
    return tuple(rows)


def populations() -> tuple[str, ...]:
    """The CPIC biogeographic groups with allele frequencies."""
    return tuple(sorted({r[2] for r in _frequency_rows()}))


def allele_frequencies(gene: str, population: str) -> dict[str, float]:
    """CPIC allele frequencies (non-zero ones) of ``gene`` in ``population``."""
    rows = [r for r in _frequency_rows() if r[0] == gene.upper()]
    if not rows:
        genes = sorted({r[0] for r in _frequency_rows()})
        raise GenotypeError(
            f"CPIC lists no allele frequencies for {gene}", hint=f"genes: {', '.join(genes)}"
        )
    found = {a: f for g, a, p, f in rows if p == population and f > 0}
    if not found:
        raise ProfileError(
            f"no {gene} allele frequencies for population {population!r}",
            hint=f"CPIC groups: {', '.join(populations())}",
        )
    return found


def load_population(path: str | Path) -> PopulationSpec:
    """Read a population spec from a TOML file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ProfileError(f"cannot read population spec: {err}", where=str(p)) from err
    return parse_population(data, source=str(p))


def _distribution(entry: Any, base: Distribution, where: str) -> Distribution:
    if not isinstance(entry, Mapping):
        raise ProfileError("a distribution must be a table", where=where)
    kind = str(entry.get("dist", base.kind))
    params = _KINDS.get(kind)
    if params is None:
        raise ProfileError(f"unknown dist {kind!r}", where=where, hint=f"use {sorted(_KINDS)}")
    check_keys(entry, {"dist", "low", "high"} | params, error=ProfileError, where=where)
    try:
        values = {k: float(v) for k, v in entry.items() if k != "dist"}
    except (TypeError, ValueError) as err:
        raise ProfileError(f"distribution values must be numbers: {err}", where=where) from err
    names = _ORDER[kind]
    defaults = dict(zip(names, (base.a, base.b), strict=True)) if kind == base.kind else {}
    missing = [k for k in names if k not in values and k not in defaults]
    if missing:
        raise ProfileError(f"{kind} needs {', '.join(missing)}", where=where)
    get = {**defaults, **values}
    if kind == "uniform":
        return Distribution(kind, get["low"], get["high"])
    a, b = get[names[0]], get[names[1]]
    lo = values.get("low", base.low if kind == base.kind else -math.inf)
    hi = values.get("high", base.high if kind == base.kind else math.inf)
    try:
        return Distribution(kind, a, b, lo, hi)
    except ProfileError as err:
        raise ProfileError(err.what, where=where) from None


def _number(table: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProfileError(f"[covariates] {key} = {str(value)[:40]!r} is not a number", where=where)
    return float(value)


def parse_population(data: Mapping[str, Any], *, source: str = "<population>") -> PopulationSpec:
    """Validate a population spec given as a mapping (from TOML)."""
    check_keys(data, _TOP_KEYS, error=ProfileError, where=source)
    if data.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise ProfileError("schema_version must be 1", where=source)
    population = str(data.get("population", ""))
    if population not in populations():
        raise ProfileError(
            f"population {population!r} is not a CPIC biogeographic group",
            where=source,
            hint=f"use one of: {', '.join(populations())}",
        )
    unknown_policy = str(data.get("unknown_alleles", "error"))
    if unknown_policy not in ("error", "indeterminate"):
        raise ProfileError("unknown_alleles must be 'error' or 'indeterminate'", where=source)
    uncertain = str(data.get("uncertain", "exclude"))
    if uncertain not in UNCERTAIN_POLICIES:
        raise ProfileError(
            f"uncertain = {uncertain!r} is not a policy",
            where=source,
            hint="use 'exclude' (drop alleles of uncertain function and renormalize; the "
            "default), 'as_reference' (score them as the reference allele) or 'fail'",
        )
    genes_in = data.get("genes", [])
    if not isinstance(genes_in, list) or not all(isinstance(g, str) for g in genes_in):
        raise ProfileError("genes must be a list of gene symbols", where=source)
    genes = tuple(sorted({canonical_gene(g, where=f"{source} genes") for g in genes_in}))
    frequencies = {}
    excluded: dict[str, tuple[tuple[str, ...], float]] = {}
    for gene in genes:
        freqs = allele_frequencies(gene, population)
        total = sum(freqs.values())
        if abs(total - 1) > 1e-3:
            raise ProfileError(f"{gene} {population} frequencies sum to {total:.4f}", where=source)
        _check_alleles(gene, freqs, unknown_policy, source)
        if uncertain == "exclude":
            dropped = tuple(a for a in freqs if _uncertain(gene, a))
            if dropped:
                excluded[gene] = (dropped, sum(freqs[a] for a in dropped) / total)
                freqs = {a: f for a, f in freqs.items() if a not in dropped}
                total = sum(freqs.values())
        names = tuple(freqs)
        frequencies[gene] = (names, tuple(freqs[a] / total for a in names))

    cov = data.get("covariates", {})
    if not isinstance(cov, Mapping):
        raise ProfileError("[covariates] must be a table", where=source)
    check_keys(cov, _COV_KEYS, error=ProfileError, where=f"{source} [covariates]")
    dists = dict(_DEFAULTS)
    for name in ("height", "weight", "serum_creatinine", "age"):
        entry = cov.get(name)
        if entry is None:
            continue
        if name != "age" and isinstance(entry, Mapping) and set(entry) <= {"female", "male"}:
            for sex, sub in entry.items():
                key = f"{name}.{sex}"
                dists[key] = _distribution(sub, dists[key], f"{source} [covariates.{key}]")
        elif name == "age":
            dists["age"] = _distribution(entry, dists["age"], f"{source} [covariates.age]")
        else:
            for sex in ("female", "male"):
                key = f"{name}.{sex}"
                dists[key] = _distribution(entry, dists[key], f"{source} [covariates.{name}]")
    for key in ("height.female", "height.male", "weight.female", "weight.male"):
        if dists[key].kind == "uniform":
            raise ProfileError(
                f"{key} must be normal or lognormal (it is correlated)", where=source
            )
    female = _number(cov, "female_fraction", 0.5, source)
    rho = _number(cov, "weight_height_correlation", 0.45, source)
    if not 0 <= female <= 1 or not -1 < rho < 1:
        raise ProfileError(
            "female_fraction must be in [0, 1] and correlation in (-1, 1)", where=source
        )

    iiv_in = data.get("iiv", {})
    if not isinstance(iiv_in, Mapping):
        raise ProfileError("[iiv] must be a table of SBML id = CV %", where=source)
    iiv = {}
    for sid, cv in iiv_in.items():
        if isinstance(cv, bool) or not isinstance(cv, int | float) or not 0 <= cv <= 500:
            raise ProfileError(f"[iiv] {sid} = {cv!r} is not a CV % in [0, 500]", where=source)
        iiv[str(sid)] = float(cv)
    comeds_in = data.get("comedications", {})
    if not isinstance(comeds_in, Mapping):
        raise ProfileError("[comedications] must be a table of drug = prevalence", where=source)
    comeds = {}
    for drug, share in comeds_in.items():
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise ProfileError(
                f"[comedications] {drug} = {share!r} is not a prevalence in [0, 1]", where=source
            )
        comeds[" ".join(str(drug).split()).casefold()] = float(share)
    return PopulationSpec(
        comedications=dict(sorted(comeds.items())),
        population=population,
        genes=genes,
        frequencies=frequencies,
        distributions=dists,
        female_fraction=female,
        weight_height_correlation=rho,
        iiv=dict(sorted(iiv.items())),
        unknown_alleles=unknown_policy,
        source=source,
        uncertain=uncertain,
        excluded=excluded,
    )


def _check_alleles(gene: str, freqs: Mapping[str, float], policy: str, where: str) -> None:
    """Every allele with a frequency must be one sbmltwin.pgx can call, or the spec says so."""
    unknown = []
    for allele in freqs:
        try:
            parse_diplotype(f"{allele}/{allele}", gene)
        except GenotypeError:
            unknown.append(allele)
    if unknown and policy == "error":
        share = sum(freqs[a] for a in unknown)
        raise GenotypeError(
            f"{gene} alleles {unknown} (frequency {share:.4f}) are not in sbmltwin.pgx tables",
            where=where,
            hint='set unknown_alleles = "indeterminate" to keep them as Indeterminate twins',
        )


@functools.lru_cache(maxsize=4096)
def _uncertain(gene: str, allele: str) -> bool:
    """Whether CPIC gives ``allele`` no activity value or function: paired with the reference
    allele (or itself) it makes an Indeterminate diplotype. Alleles sbmltwin.pgx cannot parse
    are left to ``unknown_alleles``."""
    reference = gene_table_reference(gene)
    try:
        calls = [call_genotype(gene, f"{reference}/{allele}")]
        calls.append(call_genotype(gene, f"{allele}/{allele}"))
    except GenotypeError:
        return False
    return any(c.phenotype is Phenotype.INDETERMINATE for c in calls)


def gene_table_reference(gene: str) -> str:
    """The reference allele CPIC scores others against (``*1``; DPYD ``Reference``)."""
    from sbmltwin.pgx._tables import gene_table

    table = gene_table(gene)
    assert table is not None
    return table.reference_allele


def _gene_call(gene: str, a1: str, a2: str, uncertain: str = "fail") -> GeneCall:
    try:
        call = call_genotype(gene, f"{a1}/{a2}")
    except GenotypeError:
        # only reachable with unknown_alleles = "indeterminate" (checked at parse time)
        return GeneCall(gene, f"{a1}/{a2}", None, Phenotype.INDETERMINATE, "", SOURCE)
    if uncertain != "as_reference" or call.phenotype is not Phenotype.INDETERMINATE:
        return call
    reference = gene_table_reference(gene)
    swapped = [a for a in (a1, a2) if _uncertain(gene, a)]
    scored = call_genotype(
        gene, "/".join(reference if _uncertain(gene, a) else a for a in (a1, a2))
    )
    names = " and ".join(dict.fromkeys(swapped))
    return GeneCall(
        gene,
        call.diplotype,
        scored.activity_score,
        scored.phenotype,
        call.table_version,
        f"{names} (uncertain function) scored as {reference} by the population's "
        'uncertain = "as_reference"',
        lower_bound=scored.lower_bound,
    )


@functools.lru_cache(maxsize=65536)
def _cached_call(gene: str, a1: str, a2: str, uncertain: str = "fail") -> GeneCall:
    first, second = sorted((a1, a2))
    return _gene_call(gene, first, second, uncertain)


@functools.lru_cache(maxsize=65536)
def _converted(call: GeneCall, drugs: tuple[str, ...]) -> GeneCall:
    if call.phenotype is Phenotype.INDETERMINATE:
        return call
    return phenoconvert(call, drugs)


@dataclass(frozen=True, slots=True)
class _Sampler:
    """What every draw of one spec needs, computed once (values identical to computing them
    inside each draw)."""

    spec: PopulationSpec
    cdfs: Mapping[str, tuple[tuple[str, ...], list[float]]]
    omegas: tuple[tuple[str, float], ...]
    root: float

    @staticmethod
    def of(spec: PopulationSpec) -> _Sampler:
        cdfs = {}
        for gene in spec.genes:
            names, probs = spec.frequencies[gene]
            # exactly what Generator.choice(len(names), size=2, p=probs) computes: the CDF
            # of p normalised by its last entry, searched (side="right") with random(2) draws
            cdf = np.asarray(probs, dtype=float).cumsum()
            cdf /= cdf[-1]
            cdfs[gene] = (names, [float(x) for x in cdf])
        omegas = tuple(
            (sid, math.sqrt(math.log1p((cv / 100) ** 2))) for sid, cv in spec.iiv.items()
        )
        rho = spec.weight_height_correlation
        return _Sampler(spec, cdfs, omegas, math.sqrt(1 - rho * rho))

    def draw(
        self, seed: int, index: int
    ) -> tuple[Sex, float, float, float, float, list[GeneCall], list[float]]:
        """(sex, age, height, weight, serum creatinine, gene calls, IIV factors) of twin
        ``index``, drawn from ``default_rng([seed, index])`` in a fixed order."""
        spec = self.spec
        rng = np.random.default_rng([seed, index])
        sex = Sex.FEMALE if rng.random() < spec.female_fraction else Sex.MALE
        d = spec.distributions
        where = spec.source
        age = d["age"].sample(rng, f"{where} age")
        hd, wd = d[f"height.{sex.value}"], d[f"weight.{sex.value}"]
        rho = spec.weight_height_correlation
        for _ in range(_MAX_REJECT):
            z1, z2 = (float(x) for x in rng.standard_normal(2))
            height = hd.from_normal(z1)
            weight = wd.from_normal(rho * z1 + self.root * z2)
            if hd.accepts(height) and wd.accepts(weight):
                break
        else:
            raise ProfileError(f"{where}: height/weight truncation rejects almost every draw")
        scr = d[f"serum_creatinine.{sex.value}"].sample(rng, f"{where} serum_creatinine")
        calls = []
        for gene in spec.genes:
            names, cdf = self.cdfs[gene]
            u1, u2 = rng.random(2)
            i, j = bisect.bisect_right(cdf, float(u1)), bisect.bisect_right(cdf, float(u2))
            calls.append(_cached_call(gene, names[i], names[j], spec.uncertain))
        iiv = [math.exp(omega * float(rng.standard_normal())) for _, omega in self.omegas]
        if spec.comedications:  # drawn last: specs without co-medications draw as before
            taken = [d for d, share in spec.comedications.items() if rng.random() < share]
            if taken:
                calls = [_converted(c, tuple(taken)) for c in calls]
        return sex, age, height, weight, scr, calls, iiv


def sample_twin(spec: PopulationSpec, seed: int, index: int) -> SampledTwin:
    """Twin ``index`` of the cohort with ``seed``: a pure function of (spec, seed, index)."""
    sampler = _Sampler.of(spec)
    sex, age, height, weight, scr, calls, iiv = sampler.draw(seed, index)
    return _twin(sampler, index, sex, age, height, weight, scr, calls, iiv)


def _twin(
    sampler: _Sampler,
    index: int,
    sex: Sex,
    age: float,
    height: float,
    weight: float,
    scr: float,
    calls: Sequence[GeneCall],
    iiv: Sequence[float],
) -> SampledTwin:
    spec = sampler.spec
    profile = TwinProfile(
        id=twin_id(index),
        sex=sex,
        age_years=age,
        weight_kg=weight,
        height_cm=height,
        serum_creatinine_mg_dl=scr,
        genes=dict(zip(spec.genes, calls, strict=True)),
        source=f"{spec.source} twin {index}",
    )
    factors = {sid: f for (sid, _), f in zip(sampler.omegas, iiv, strict=True)}
    return SampledTwin(index, profile, factors)


def twin_id(index: int) -> str:
    """``twin-0000042``: the id of twin ``index``."""
    return f"twin-{index:07d}"


@dataclass(frozen=True)
class TwinBlock:
    """Twins ``start … stop - 1`` of a cohort, column by column (what :func:`sample_twin` gives
    for each, without building a profile per twin).

    ``genes[g][i]`` is the call of gene ``g`` for the block's ``i``-th twin (calls are shared
    objects, one per distinct diplotype); ``iiv[sid]`` holds the IIV factors.
    """

    sampler: _Sampler
    index: npt.NDArray[np.int64]
    sex: tuple[Sex, ...]
    age_years: npt.NDArray[np.float64]
    height_cm: npt.NDArray[np.float64]
    weight_kg: npt.NDArray[np.float64]
    serum_creatinine_mg_dl: npt.NDArray[np.float64]
    genes: Mapping[str, tuple[GeneCall, ...]]
    iiv: Mapping[str, npt.NDArray[np.float64]]

    def __len__(self) -> int:
        return len(self.index)

    def twin(self, i: int) -> SampledTwin:
        """The block's ``i``-th twin as :func:`sample_twin` gives it (for provenance)."""
        return _twin(
            self.sampler,
            int(self.index[i]),
            self.sex[i],
            float(self.age_years[i]),
            float(self.height_cm[i]),
            float(self.weight_kg[i]),
            float(self.serum_creatinine_mg_dl[i]),
            [self.genes[g][i] for g in self.sampler.spec.genes],
            [float(self.iiv[sid][i]) for sid, _ in self.sampler.omegas],
        )


def sample_block(spec: PopulationSpec, seed: int, start: int, stop: int) -> TwinBlock:
    """Twins ``start … stop - 1`` as columns: twin ``i`` is exactly ``sample_twin(spec, seed, i)``
    (the same draws from the same per-twin generator), whatever block it falls in."""
    sampler = _Sampler.of(spec)
    draws = [sampler.draw(seed, i) for i in range(start, stop)]
    genes = {g: tuple(d[5][k] for d in draws) for k, g in enumerate(spec.genes)}
    iiv = {
        sid: np.array([d[6][k] for d in draws], dtype=float)
        for k, (sid, _) in enumerate(sampler.omegas)
    }
    return TwinBlock(
        sampler=sampler,
        index=np.arange(start, stop, dtype=np.int64),
        sex=tuple(d[0] for d in draws),
        age_years=np.array([d[1] for d in draws], dtype=float),
        height_cm=np.array([d[2] for d in draws], dtype=float),
        weight_kg=np.array([d[3] for d in draws], dtype=float),
        serum_creatinine_mg_dl=np.array([d[4] for d in draws], dtype=float),
        genes=genes,
        iiv=iiv,
    )


def sample_cohort(spec: PopulationSpec, n: int, seed: int, start: int = 0) -> list[SampledTwin]:
    """Twins ``start … start + n - 1``."""
    return [sample_twin(spec, seed, i) for i in range(start, start + n)]
