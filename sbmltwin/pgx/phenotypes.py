"""CPIC phenotype terms (CPIC term standardization), as an enumeration."""

from __future__ import annotations

import enum

from sbmltwin.errors import GenotypeError

__all__ = ["Phenotype"]

_SHORT = {
    "Poor Metabolizer": "PM",
    "Intermediate Metabolizer": "IM",
    "Normal Metabolizer": "NM",
    "Rapid Metabolizer": "RM",
    "Ultrarapid Metabolizer": "UM",
}


class Phenotype(enum.Enum):
    """A CPIC phenotype; the value is the CPIC label.

    The set is every phenotype the shipped CPIC tables use (metabolizer phenotypes for enzymes,
    function phenotypes for the transporters SLCO1B1 and ABCG2).

    >>> Phenotype.parse("im") is Phenotype.IM
    True
    >>> Phenotype.parse("likely poor metaboliser").value
    'Likely Poor Metabolizer'
    >>> Phenotype.UM.short, Phenotype.DECREASED_FUNCTION.short
    ('UM', 'Decreased Function')
    """

    PM = "Poor Metabolizer"
    IM = "Intermediate Metabolizer"
    NM = "Normal Metabolizer"
    RM = "Rapid Metabolizer"
    UM = "Ultrarapid Metabolizer"
    LIKELY_PM = "Likely Poor Metabolizer"
    LIKELY_IM = "Likely Intermediate Metabolizer"
    POSSIBLE_IM = "Possible Intermediate Metabolizer"
    POOR_FUNCTION = "Poor Function"
    DECREASED_FUNCTION = "Decreased Function"
    POSSIBLE_DECREASED_FUNCTION = "Possible Decreased Function"
    NORMAL_FUNCTION = "Normal Function"
    INCREASED_FUNCTION = "Increased Function"
    INDETERMINATE = "Indeterminate"

    @property
    def short(self) -> str:
        """ "PM", "IM", "NM", "RM" or "UM"; the full label for phenotypes without a code."""
        return _SHORT.get(self.value, self.value)

    @classmethod
    def parse(cls, text: str) -> Phenotype:
        """A CPIC label (any case; "metaboliser" accepted) or a code PM/IM/NM/RM/UM."""
        if not isinstance(text, str):
            raise GenotypeError(f"a phenotype must be text, not {type(text).__name__}")
        key = " ".join(text.split()).casefold().replace("metaboliser", "metabolizer")
        for p in cls:
            if key in (p.value.casefold(), p.short.casefold()):
                return p
        raise GenotypeError(
            f"{text[:80]!r} is not a CPIC phenotype",
            hint="use a CPIC label such as 'Intermediate Metabolizer' or a code "
            + "/".join(_SHORT.values()),
        )
