"""Stage 6: virtual cohorts: sample twins from a population spec and run them in parallel."""

from sbmltwin.cohort.sampling import (
    Distribution,
    PopulationSpec,
    SampledTwin,
    allele_frequencies,
    load_population,
    parse_population,
    populations,
    sample_twin,
)

__all__ = [
    "Distribution",
    "PopulationSpec",
    "SampledTwin",
    "allele_frequencies",
    "load_population",
    "parse_population",
    "populations",
    "sample_twin",
]
