"""Genotype mixtures: study groups described by phenotype only (e.g. "EM") as population mixtures.

Many clinical studies report a group as "extensive metabolizers" (EM) phenotyped with a probe
drug, not genotyped. Such a group is a mixture of every non-poor-metabolizer genotype of the
study population. A case says so with ``mixture = { gene = "CYP2D6", population = "European",
exclude_phenotypes = ["PM"] }``: the group is predicted as the frequency-weighted arithmetic mean
of the concentration–time curves of one twin per activity-score class (or per phenotype for genes
without activity scores). The weights come from the CPIC allele frequencies of the population
(Hardy–Weinberg genotype frequencies), the same package data cohorts sample from; diplotypes
CPIC cannot call (Indeterminate) are dropped and the rest renormalised.

The arithmetic mean is what a study's mean concentration–time curve estimates, and exposure is
convex in activity, so the mixture's AUC is larger than the AUC of a twin with the mean activity.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sbmltwin.cohort.sampling import allele_frequencies, populations
from sbmltwin.errors import GenotypeError, ValidationDataError, check_keys
from sbmltwin.pgx import Phenotype, call_genotype, canonical_gene

__all__ = ["Component", "Mixture", "mixture_components", "parse_mixture"]

_KEYS = {"gene", "population", "exclude_phenotypes"}


@dataclass(frozen=True, slots=True)
class Mixture:
    """A group as a population mixture of one gene's genotype classes."""

    gene: str
    population: str
    exclude_phenotypes: tuple[str, ...] = ("PM",)

    def describe(self) -> str:
        excl = ", ".join(self.exclude_phenotypes) or "none"
        return (
            f"{self.gene} mixture, CPIC {self.population} allele frequencies "
            f"(Hardy–Weinberg), excluded phenotypes: {excl}"
        )


@dataclass(frozen=True, slots=True)
class Component:
    """One class of the mixture: ``{"activity_score": x}`` or ``{"phenotype": "IM"}``, its
    weight and label."""

    genotype: Mapping[str, Any]
    weight: float
    label: str


def parse_mixture(data: Any, where: str) -> Mixture:
    """Check a case's ``mixture = {...}`` table."""
    if not isinstance(data, Mapping):
        raise ValidationDataError("'mixture' must be a table", where=where)
    check_keys(data, _KEYS, error=ValidationDataError, where=where, what="mixture key")
    for key in ("gene", "population"):
        if key not in data:
            raise ValidationDataError(f"mixture needs '{key}'", where=where)
    population = str(data["population"])
    if population not in populations():
        raise ValidationDataError(
            f"unknown population {population!r}",
            where=where,
            hint=f"CPIC groups: {', '.join(populations())}",
        )
    excluded = []
    for text in data.get("exclude_phenotypes", ["PM"]):
        try:
            excluded.append(Phenotype.parse(str(text)).short)
        except GenotypeError as err:
            raise ValidationDataError(
                f"unknown phenotype {text!r} in exclude_phenotypes", where=where
            ) from err
    try:
        mix = Mixture(canonical_gene(str(data["gene"])), population, tuple(excluded))
        mixture_components(mix)
    except GenotypeError as err:
        raise ValidationDataError(err.what, where=where, hint=err.hint) from None
    return mix


@functools.cache
def mixture_components(mix: Mixture) -> tuple[Component, ...]:
    """The classes of ``mix`` with normalised weights, most frequent first."""
    freqs = allele_frequencies(mix.gene, mix.population)
    total = sum(freqs.values())
    names = sorted(freqs)
    by_class: dict[tuple[str, float | str], float] = defaultdict(float)
    for i, a in enumerate(names):
        for b in names[i:]:
            w = freqs[a] * freqs[b] * (1.0 if a == b else 2.0) / (total * total)
            try:
                call = call_genotype(mix.gene, f"{a}/{b}")
            except GenotypeError:
                continue
            if call.phenotype is Phenotype.INDETERMINATE or call.phenotype.short in (
                mix.exclude_phenotypes
            ):
                continue
            if call.activity_score is not None:
                by_class[("activity_score", float(call.activity_score))] += w
            else:
                by_class[("phenotype", call.phenotype.short)] += w
    norm = sum(by_class.values())
    if norm <= 0:
        raise GenotypeError(
            f"the {mix.gene} mixture for {mix.population} is empty",
            hint="exclude fewer phenotypes",
        )
    comps = []
    for (key, value), w in sorted(by_class.items(), key=lambda kv: (-kv[1], str(kv[0][1]))):
        label = f"AS {value:g}" if key == "activity_score" else str(value)
        comps.append(Component({key: value}, w / norm, label))
    return tuple(comps)
