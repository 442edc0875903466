"""Hepatic impairment: Child-Pugh class → multiplicative factors on liver-related physiology.

Factors (impaired / healthy) come from ``data/child_pugh.tsv``: Edginton & Willmann 2008
(Clin Pharmacokinet 47(11):743-52, doi:10.2165/00003088-200847110-00005, PMID 18840029) for
blood flows, liver volume, plasma proteins, GFR, CYP1A2/2E1/3A4, and Johnson et al. 2010 (Clin
Pharmacokinet 49(3):189-206, PMID 20170207) for CYP2A6/2B6/2C8/2C9/2C19/2D6. They were
transcribed from the Open Systems Pharmacology (PK-Sim) implementation of those papers, not from
the papers; they are two-digit values and the hepatic arterial flow factor in particular is
uncertain (see the table's note column).

>>> s = child_pugh_scaling("B")
>>> s.cyp_activity["CYP3A4"], s.functional_liver_volume, s.albumin
(0.4, 0.55, 0.68)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sbmltwin.errors import ProfileError
from sbmltwin.physiology._data import read_table
from sbmltwin.physiology.covariates import parse_child_pugh

__all__ = ["CHILD_PUGH_SOURCES", "HepaticScaling", "child_pugh_scaling"]

CHILD_PUGH_SOURCES = {
    "E&W": (
        "Edginton AN, Willmann S. Physiology-based simulations of a pathological condition: "
        "prediction of pharmacokinetics in patients with liver cirrhosis. Clin Pharmacokinet "
        "2008;47(11):743-52, doi:10.2165/00003088-200847110-00005, PMID 18840029"
    ),
    "Johnson": (
        "Johnson TN, Boussery K, Rowland-Yeo K, Tucker GT, Rostami-Hodjegan A. A semi-mechanistic "
        "model to predict the effects of liver cirrhosis on drug clearance. Clin Pharmacokinet "
        "2010;49(3):189-206, PMID 20170207"
    ),
}

_TABLE = "child_pugh.tsv"

# Healthy split of hepatic inflow used to combine the portal and arterial factors into a total:
# ICRP 89 reference male, portal (gut 15 + spleen 3 + pancreas 1) = 19 % and hepatic artery
# 6.5 % of cardiac output (Table 2.40; see reference.py).
_PORTAL_SHARE = 19.0 / 25.5
_ARTERIAL_SHARE = 6.5 / 25.5


@dataclass(frozen=True, slots=True)
class HepaticScaling:
    """Multiplicative factors (impaired / healthy) for one Child-Pugh class.

    ``cyp_activity`` maps an enzyme (``"CYP3A4"`` …) to its activity per unit of functional liver;
    :meth:`cyp_capacity` multiplies it by ``functional_liver_volume`` for the whole liver.
    ``hepatic_blood_flow`` is *derived* (not published): the portal and arterial factors
    weighted by the healthy ICRP 89 reference-male split (19 : 6.5). ``sources`` maps each
    factor's name to its citation.
    """

    child_pugh: str
    cyp_activity: Mapping[str, float]
    functional_liver_volume: float
    portal_blood_flow: float
    hepatic_arterial_blood_flow: float
    hepatic_blood_flow: float
    albumin: float
    alpha1_acid_glycoprotein: float
    renal_blood_flow: float
    gfr: float
    cardiac_index: float
    sources: Mapping[str, str]

    def cyp_capacity(self, enzyme: str) -> float:
        """Whole-liver factor for ``enzyme``: activity per liver × functional liver volume."""
        if enzyme not in self.cyp_activity:
            raise ProfileError(
                f"no Child-Pugh factor for enzyme {enzyme!r}",
                hint=f"known enzymes: {', '.join(sorted(self.cyp_activity))}",
            )
        return self.cyp_activity[enzyme] * self.functional_liver_volume


@functools.cache
def _scaling(child_pugh: str) -> HepaticScaling:
    table = read_table(_TABLE, "parameter")

    def factor(name: str) -> float:
        return float(table[name][child_pugh])

    sources = {name: CHILD_PUGH_SOURCES[row["source"]] for name, row in table.items()}
    cyp = {name: factor(name) for name in table if name.startswith("CYP")}
    portal = factor("portal_blood_flow")
    arterial = factor("hepatic_arterial_blood_flow")
    sources["hepatic_blood_flow"] = (
        "derived: portal and hepatic arterial factors weighted 19 : 6.5 (ICRP 89 reference male)"
    )
    return HepaticScaling(
        child_pugh=child_pugh,
        cyp_activity=cyp,
        functional_liver_volume=factor("functional_liver_volume"),
        portal_blood_flow=portal,
        hepatic_arterial_blood_flow=arterial,
        hepatic_blood_flow=_PORTAL_SHARE * portal + _ARTERIAL_SHARE * arterial,
        albumin=factor("albumin"),
        alpha1_acid_glycoprotein=factor("alpha1_acid_glycoprotein"),
        renal_blood_flow=factor("renal_blood_flow"),
        gfr=factor("gfr"),
        cardiac_index=factor("cardiac_index"),
        sources=sources,
    )


def child_pugh_scaling(child_pugh: str) -> HepaticScaling:
    """Factors for Child-Pugh class ``"A"``, ``"B"`` or ``"C"`` (case-insensitive).

    Sources: Edginton & Willmann 2008 (PMID 18840029) and Johnson et al. 2010 (PMID 20170207),
    per row in ``data/child_pugh.tsv``; see the module docstring for how they were obtained
    and which numbers are uncertain. An unknown class raises
    :class:`~sbmltwin.errors.ProfileError`. Each call returns a fresh copy.
    """
    s = _scaling(parse_child_pugh(child_pugh))
    return replace(s, cyp_activity=dict(s.cyp_activity), sources=dict(s.sources))
