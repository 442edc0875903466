"""Stage 2a: genotype → CPIC activity score → phenotype. Knows nothing of models.

Tables: CPIC® allele function, activity values and diplotype→phenotype rules (CC0 1.0), shipped in
``sbmltwin/pgx/data/`` with their CPIC data version (see :func:`table_version`).
"""

from .alleles import (
    Allele,
    Diplotype,
    canonical_gene,
    known_alleles,
    known_genes,
    parse_diplotype,
)
from .inhibitors import (
    Inhibitor,
    InhibitorStrength,
    inhibitor_table_version,
    inhibitors,
    phenoconvert,
)
from .pharmcat import read_pharmcat_outside_call, read_pharmcat_phenotype_json
from .phenotypes import Phenotype
from .scores import (
    GeneCall,
    call_activity_score,
    call_genotype,
    call_phenotype,
    reference_activity_score,
    table_version,
)

__all__ = [
    "Allele",
    "Diplotype",
    "GeneCall",
    "Inhibitor",
    "InhibitorStrength",
    "Phenotype",
    "call_activity_score",
    "call_genotype",
    "call_phenotype",
    "canonical_gene",
    "inhibitor_table_version",
    "inhibitors",
    "known_alleles",
    "known_genes",
    "parse_diplotype",
    "phenoconvert",
    "read_pharmcat_outside_call",
    "read_pharmcat_phenotype_json",
    "reference_activity_score",
    "table_version",
]
