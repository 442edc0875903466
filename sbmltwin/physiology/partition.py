"""Tissue:plasma partition coefficients (Kp) by the Rodgers & Rowland method.

Two papers, one method (equations numbered as in the papers):

* moderate-to-strong bases (any basic pKa ≥ 7), including zwitterions with such a basic group:
  Rodgers T, Leahy D, Rowland M. J Pharm Sci 2005;94(6):1259-76, doi:10.1002/jps.20322. The
  drug dissolves in tissue water, partitions into neutral lipids and neutral phospholipids, and
  its ionized form binds acidic phospholipids; the binding constant is taken from the
  erythrocytes, so these compounds need their blood:plasma ratio.
* acids, very weak bases (basic pKa < 7), neutrals and other zwitterions: Rodgers T, Rowland M.
  J Pharm Sci 2006;95(6):1238-57, doi:10.1002/jps.20502. Instead of acidic phospholipids the drug
  binds the extracellular protein that binds it in plasma: albumin for acids, very weak bases and
  zwitterions, lipoproteins for neutrals, scaled by the tissue:plasma ratio of that protein.

The tissue composition (``data/rodgers_rowland_rat.tsv``) is the rat's, used for humans as the
authors did (Rodgers & Rowland, Pharm Res 2007;24:918-33, doi:10.1007/s11095-006-9210-3); the
table names the source of each number. Adipose uses the vegetable oil:water partition
coefficient, log P_vow = 1.115·log P − 1.35 (RR2005 Eq. 15, after Leo et al. 1971) unless one is
given. pH: plasma 7.4, intracellular water 7.0, erythrocytes 7.22 (RR2005 p. 1263).

>>> kp = rodgers_rowland(log_p=2.8, fu=0.14, pka_base=(3.4,))   # diazepam (RR2006: weak base)
>>> round(kp.kpu["muscle"], 2), kp.method
(8.69, 'Rodgers & Rowland 2006 (acids, very weak bases, neutrals, zwitterions)')
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sbmltwin.errors import ProfileError
from sbmltwin.physiology._checks import check_real
from sbmltwin.physiology._data import read_table

__all__ = [
    "KP_TISSUES",
    "PH_ERYTHROCYTES",
    "PH_INTRACELLULAR",
    "PH_PLASMA",
    "RODGERS_ROWLAND_2005",
    "RODGERS_ROWLAND_2006",
    "IonClass",
    "PartitionResult",
    "TissueComposition",
    "ion_class",
    "rodgers_rowland",
    "tissue_composition",
]

RODGERS_ROWLAND_2005 = (
    "Rodgers T, Leahy D, Rowland M. J Pharm Sci 2005;94(6):1259-76, doi:10.1002/jps.20322"
)
RODGERS_ROWLAND_2006 = "Rodgers T, Rowland M. J Pharm Sci 2006;95(6):1238-57, doi:10.1002/jps.20502"

PH_PLASMA = 7.4
PH_INTRACELLULAR = 7.0
PH_ERYTHROCYTES = 7.22

_TABLE = "rodgers_rowland_rat.tsv"


class IonClass(enum.Enum):
    """The Rodgers & Rowland compound classes."""

    NEUTRAL = "neutral"
    ACID = "acid"
    WEAK_BASE = "weak_base"  # every basic pKa < 7
    BASE = "base"  # a basic pKa ≥ 7
    ZWITTERION = "zwitterion"


@dataclass(frozen=True, slots=True)
class TissueComposition:
    """One tissue's composition (fractions of tissue volume; AP in mg/g)."""

    tissue: str
    f_ew: float
    f_water: float
    f_nl: float
    f_np: float
    ap_mg_g: float
    albumin_ratio: float
    lipoprotein_ratio: float
    source: str

    @property
    def f_iw(self) -> float:
        """Intracellular water: total tissue water minus extracellular water (RR2005)."""
        return self.f_water - self.f_ew


@functools.cache
def _compositions() -> dict[str, TissueComposition]:
    out = {}
    for name, row in read_table(_TABLE, "tissue").items():
        out[name] = TissueComposition(
            tissue=name,
            f_ew=float(row["f_ew"]),
            f_water=float(row["f_water"]),
            f_nl=float(row["f_nl"]),
            f_np=float(row["f_np"]),
            ap_mg_g=float(row["ap_mg_g"]),
            albumin_ratio=float(row["albumin_ratio"]),
            lipoprotein_ratio=float(row["lipoprotein_ratio"]),
            source=row["source"],
        )
    return out


#: Tissues with a composition, in table order (blood cells and plasma excluded).
KP_TISSUES: tuple[str, ...] = tuple(
    t for t in _compositions() if t not in ("erythrocytes", "plasma")
)


def tissue_composition(tissue: str) -> TissueComposition:
    """The composition row of ``tissue`` (one of :data:`KP_TISSUES`, ``erythrocytes``, ``plasma``)."""
    table = _compositions()
    if tissue not in table:
        raise ProfileError(
            f"no Rodgers & Rowland tissue composition for '{tissue}'",
            hint=f"tissues: {', '.join(table)}",
        )
    return table[tissue]


@dataclass(frozen=True, slots=True)
class PartitionResult:
    """Kpu (tissue : unbound plasma) and Kp (tissue : total plasma = fu·Kpu) per tissue."""

    kpu: Mapping[str, float]
    kp: Mapping[str, float]
    ion_class: IonClass
    method: str
    citation: str
    kpu_blood_cells: float | None = None


def ion_class(pka_acid: Sequence[float] = (), pka_base: Sequence[float] = ()) -> IonClass:
    """Rodgers & Rowland's class: a basic pKa ≥ 7 makes a (moderate-to-strong) base."""
    if pka_acid and pka_base:
        return IonClass.ZWITTERION
    if pka_base:
        return IonClass.BASE if max(pka_base) >= 7.0 else IonClass.WEAK_BASE
    if pka_acid:
        return IonClass.ACID
    return IonClass.NEUTRAL


def _cation_term(pka_base: Sequence[float], ph: float) -> float:
    """Σ of the protonated forms relative to the neutral one (bases, successive pKa)."""
    total, exponent = 0.0, 0.0
    for pka in sorted(pka_base, reverse=True):
        exponent += pka - ph
        total += 10.0**exponent
    return total


def _anion_term(pka_acid: Sequence[float], ph: float) -> float:
    """Σ of the deprotonated forms relative to the neutral one (acids, successive pKa)."""
    total, exponent = 0.0, 0.0
    for pka in sorted(pka_acid):
        exponent += ph - pka
        total += 10.0**exponent
    return total


def _ionization(pka_acid: Sequence[float], pka_base: Sequence[float], ph: float) -> float:
    """Total / neutral concentration at ``ph``: 1 + cationic + anionic terms (RR2005, RR2006).

    For a zwitterion this is 1 + 10^(pKa_base − pH) + 10^(pH − pKa_acid), the form Rodgers &
    Rowland use (RR2006, Table 2 footnotes).
    """
    return 1.0 + _cation_term(pka_base, ph) + _anion_term(pka_acid, ph)


def _numbers(pka: Sequence[float], name: str) -> tuple[float, ...]:
    return tuple(check_real(name, p, "(pKa)") for p in pka)


def rodgers_rowland(
    *,
    log_p: float,
    fu: float,
    bp: float | None = None,
    pka_acid: Sequence[float] = (),
    pka_base: Sequence[float] = (),
    kpu_bc: float | None = None,
    hematocrit: float = 0.45,
    log_p_vow: float | None = None,
    tissues: Sequence[str] | None = None,
) -> PartitionResult:
    """Kpu and Kp of each tissue by Rodgers & Rowland (2005 for bases with pKa ≥ 7, else 2006).

    ``log_p`` is log10 of the octanol:water partition coefficient of the neutral form; ``fu``
    the fraction unbound in plasma; ``bp`` the blood:plasma concentration ratio (needed for
    moderate-to-strong bases, whose acidic-phospholipid affinity comes from the blood cells:
    Kpu_BC = (Hct − 1 + B:P)/(fu·Hct), RR2005 Eq. 11); ``pka_acid``/``pka_base`` the pKa of each
    acidic/basic group; ``log_p_vow`` the vegetable oil:water coefficient for adipose.
    ``kpu_bc`` (blood cell : unbound plasma), when measured, replaces the one from ``bp``.
    """
    logp = check_real("log_p", log_p, "(log10)")
    fu_ = check_real("fu", fu, "(fraction)")
    if not 0.0 < fu_ <= 1.0:
        raise ProfileError(f"fu must be in (0, 1], got {fu_!r}")
    hct = check_real("hematocrit", hematocrit, "(fraction)")
    if not 0.0 < hct < 1.0:
        raise ProfileError(f"hematocrit must be in (0, 1), got {hct!r}")
    acids = _numbers(pka_acid, "pka_acid")
    bases = _numbers(pka_base, "pka_base")
    cls = ion_class(acids, bases)
    strong_base = bool(bases) and max(bases) >= 7.0
    vow = 1.115 * logp - 1.35 if log_p_vow is None else check_real("log_p_vow", log_p_vow, "")
    names = tuple(tissues) if tissues is not None else KP_TISSUES
    comps = [tissue_composition(t) for t in names]

    x_iw = _ionization(acids, bases, PH_INTRACELLULAR)
    y_p = _ionization(acids, bases, PH_PLASMA)
    kpu: dict[str, float] = {}
    if strong_base:
        if kpu_bc is None:
            if bp is None:
                raise ProfileError(
                    "a base with pKa ≥ 7 needs its blood:plasma ratio (B:P) for the Rodgers & "
                    "Rowland 2005 method",
                    hint="give bp, the measured blood:plasma concentration ratio",
                )
            bp_ = check_real("bp", bp, "(ratio)")
            kpu_bc = (hct - 1.0 + bp_) / (fu_ * hct)
        ka_ap = _ka_ap(check_real("kpu_bc", kpu_bc, ""), logp, acids, bases, y_p)
        for c in comps:
            p = 10.0**vow if c.tissue == "adipose" else 10.0**logp
            kpu[c.tissue] = (
                c.f_ew
                + x_iw / y_p * c.f_iw
                + ka_ap * c.ap_mg_g * _cation_term(bases, PH_INTRACELLULAR) / y_p
                + (p * c.f_nl + (0.3 * p + 0.7) * c.f_np) / y_p
            )
        method, citation = (
            "Rodgers, Leahy & Rowland 2005 (moderate-to-strong bases)",
            (RODGERS_ROWLAND_2005),
        )
    else:
        plasma = tissue_composition("plasma")
        neutral = cls is IonClass.NEUTRAL
        for c in comps:
            p = 10.0**vow if c.tissue == "adipose" else 10.0**logp
            # RR2006 Eq. 9: affinity for the plasma binding protein, from fu and plasma lipids
            ka_pr = 1.0 / fu_ - 1.0 - (p * plasma.f_nl + (0.3 * p + 0.7) * plasma.f_np) / y_p
            ratio = c.lipoprotein_ratio if neutral else c.albumin_ratio
            kpu[c.tissue] = (
                c.f_ew
                + x_iw / y_p * c.f_iw
                + (p * c.f_nl + (0.3 * p + 0.7) * c.f_np) / y_p
                + ka_pr * ratio
            )
        method = "Rodgers & Rowland 2006 (acids, very weak bases, neutrals, zwitterions)"
        citation = RODGERS_ROWLAND_2006
    for tissue, value in kpu.items():
        if not math.isfinite(value) or value <= 0.0:
            raise ProfileError(
                f"Rodgers & Rowland gives Kpu = {value!r} for {tissue}",
                hint="check log P, pKa, fu and B:P (a B:P below 1 − Hct gives negative binding)",
            )
    kp = {t: fu_ * v for t, v in kpu.items()}
    return PartitionResult(kpu, kp, cls, method, citation, kpu_bc)


def _ka_ap(
    kpu_bc: float,
    logp: float,
    acids: Sequence[float],
    bases: Sequence[float],
    y_p: float,
) -> float:
    """Affinity for acidic phospholipids from the blood cells (RR2005 Eq. 13), in g/mg."""
    rbc = tissue_composition("erythrocytes")
    p = 10.0**logp
    x_bc = _ionization(acids, bases, PH_ERYTHROCYTES)
    cation_bc = _cation_term(bases, PH_ERYTHROCYTES)
    bound = kpu_bc - x_bc / y_p * rbc.f_iw - (p * rbc.f_nl + (0.3 * p + 0.7) * rbc.f_np) / y_p
    return float(bound * y_p / (rbc.ap_mg_g * cation_bc))
