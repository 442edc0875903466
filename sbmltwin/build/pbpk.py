"""A whole-body PBPK model (SBML L3V2) from a :class:`~sbmltwin.build.compound.Compound`.

Structure: 13 tissues (lung, adipose, bone, brain, heart, kidney, muscle, skin, gut, spleen,
pancreas, liver, rest) and arterial and venous blood; gut, spleen and pancreas drain into the
liver. Tissues are perfusion-limited: a tissue's outflow blood concentration is C_t·B:P/Kp_t.
With ``[liver] model = "permeability"`` the liver is an extracellular space (its extracellular
water fraction) and hepatocytes, joined by active uptake (transporter factor × clearance) and
passive diffusion, both on unbound drug. Hepatic pathways act on the unbound liver (hepatocyte)
concentration C·fu/Kp_liver, as unbound CLint or Vmax/Km, each times its enzyme factor
``f_<enzyme>`` (1 = the compound file's value). The kidney filters unbound drug, reabsorbs a
fraction and secretes unbound drug. Metabolites have one volume each and their own clearances.

Organ volumes and flows are *initial assignments* of ``BW`` (kg), ``female`` (0/1) and
``f_fat`` (body fat fraction, Deurenberg 1991 from weight, height, age and sex) through
:func:`sbmltwin.physiology.organ_scaling_law` (ICRP 89 reference of each sex; lean tissues ∝
fat-free mass, adipose the rest of the body weight, cardiac output ∝ FFM^0.75), so
personalizing a twin re-evaluates them without recompiling. GFR is ``f_renal`` × 120 mL/min ×
(BW/BW_ref)^0.75. Amounts are µmol, volumes L, time h.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

import libsbml

from sbmltwin.build.compound import Cited, Compound
from sbmltwin.build.files import bindings_text, readme_text
from sbmltwin.errors import CompoundError
from sbmltwin.model import Model, parse_model
from sbmltwin.physiology import (
    DEURENBERG_CITATION,
    REFERENCE_GFR_ML_MIN,
    Sex,
    organ_scaling_law,
    rodgers_rowland,
    tissue_composition,
)
from sbmltwin.physiology.reference import ICRP89_CITATION

__all__ = ["BLOOD_HEMATOCRIT", "TISSUES", "BuiltModel", "build_model"]

#: (SBML id, sbmltwin.physiology tissue, Rodgers & Rowland composition used for its Kp)
TISSUES: tuple[tuple[str, str, str], ...] = (
    ("lun", "lung", "lung"),
    ("adi", "adipose", "adipose"),
    ("bon", "bone", "bone"),
    ("bra", "brain", "brain"),
    ("hea", "heart", "heart"),
    ("kid", "kidney", "kidney"),
    ("mus", "muscle", "muscle"),
    ("ski", "skin", "skin"),
    ("gut", "gut", "gut"),
    ("spl", "spleen", "spleen"),
    ("pan", "pancreas", "pancreas"),
    ("liv", "liver", "liver"),
    ("res", "rest", "muscle"),  # assumption: the rest of the body is composed like muscle
)
_VENOUS = ("adi", "bon", "bra", "hea", "kid", "mus", "ski", "res")
_PORTAL = ("gut", "spl", "pan")

#: Hematocrit used when the compound file gives none (assumption: a typical adult value; the
#: Rodgers & Rowland 2005 method needs it only for bases, through the blood-cell partitioning)
BLOOD_HEMATOCRIT = 0.45

#: transit compartments of an absorption lag (``[absorption] lag``): ktr = N_TRANSIT / lag
N_TRANSIT = 3

_SBO_COMPARTMENT = 290  # physical compartment
_SBO_SPECIES = 247  # simple chemical
_SBO_TRANSPORT = 185  # transport reaction
_SBO_BIOCHEMICAL = 176  # biochemical reaction
_SBO_PARAMETER = 2  # quantitative systems description parameter
_SBO_KINETIC = 9  # kinetic constant
_SBO_KM = 27  # Michaelis constant
_SBO_VMAX = 186  # maximal velocity

_UNITS = """  unit substance = 1e-6 mole
  unit extent = 1e-6 mole
  unit volume = litre
  unit time_unit = 3600 second
  unit umol = 1e-6 mole
  unit umol_per_L = 1e-6 mole / litre
  unit umol_per_h = 1e-6 mole / 3600 second
  unit per_h = 1 / 3600 second
  unit L_per_h = litre / 3600 second
  unit kg = 1e3 gram
  unit kg_per_L = 1e3 gram / litre
"""


@dataclass(frozen=True)
class BuiltModel:
    """The SBML text, the bindings TOML text and the README text of one built compound."""

    model: Model
    sbml: str
    bindings: str
    readme: str
    kp: dict[str, float]
    sources: dict[str, str]


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.notes: dict[str, str] = {}
        self.sbo: dict[str, int] = {}
        self.ids: dict[str, str] = {}  # compound file key → SBML id

    def param(
        self, sid: str, value: float, unit: str, note: str, sbo: int = _SBO_PARAMETER
    ) -> None:
        self.lines.append(f"  {sid} = {value!r}; {sid} has {unit}")
        self.notes[sid] = note
        self.sbo[sid] = sbo

    def assign(self, sid: str, expr: str, unit: str, note: str) -> None:
        self.lines.append(f"  {sid} = {expr}; {sid} has {unit}")
        self.notes[sid] = note
        self.sbo[sid] = _SBO_PARAMETER

    def cited(self, sid: str, c: Cited, unit: str, sbo: int = _SBO_PARAMETER) -> None:
        extra = f" ({c.note})" if c.note else ""
        self.ids[c.key] = f"`{sid}`"
        self.param(sid, c.value, unit, f"{c.key} in the compound file: {c.source}{extra}", sbo)


def _ant_unit(unit: str) -> str:
    return {
        "": "dimensionless",
        "L/h": "L_per_h",
        "1/h": "per_h",
        "µmol/h": "umol_per_h",
        "µmol/L": "umol_per_L",
        "L": "litre",
        "kg": "kg",
        "h": "time_unit",
    }[unit]


def build_model(compound: Compound) -> BuiltModel:
    """Build the SBML model, bindings and README of ``compound``."""
    s = f"_{compound.id}"
    w = _Writer()
    hct = compound.hematocrit.value if compound.hematocrit else BLOOD_HEMATOCRIT
    partition = rodgers_rowland(
        log_p=compound.log_p.value,
        fu=compound.fu.value,
        bp=compound.bp.value,
        pka_acid=compound.pka_acid.values if compound.pka_acid else (),
        pka_base=compound.pka_base.values if compound.pka_base else (),
        hematocrit=hct,
        tissues=sorted({comp for _, _, comp in TISSUES}),
    )
    kp = {sid: partition.kp[comp] for sid, _, comp in TISSUES}

    _physiology(w)
    w.lines.append("  // ---- drug properties ----")
    w.cited("fu", compound.fu, "dimensionless")
    w.cited("BP", compound.bp, "dimensionless")
    kp_note = (
        f"{partition.method}, {partition.citation}, from log P {compound.log_p.value:g}, "
        f"fu {compound.fu.value:g}, B:P {compound.bp.value:g}, hematocrit {hct:g}; rat tissue "
        "composition as the human surrogate (sbmltwin.physiology.partition)"
    )
    for sid, tissue, comp in TISSUES:
        surrogate = "" if comp == tissue else f" ({tissue} uses the {comp} composition)"
        w.param(f"Kp_{sid}", kp[sid], "dimensionless", kp_note + surrogate)

    species: list[str] = []
    reactions: list[str] = []
    rxn_sbo: dict[str, int] = {}

    def rxn(rid: str, text: str, sbo: int = _SBO_TRANSPORT) -> None:
        reactions.append(f"  {rid}: {text}")
        rxn_sbo[rid] = sbo

    species.append("  substanceOnly species A_lumen in lumen = 0; A_lumen has umol")
    w.notes["A_lumen"] = "oral dose target (amount in the gut lumen)"
    sinks = ["A_feces"] if compound.ka else []
    if compound.ka:
        assert compound.fa is not None
        w.lines.append("  // ---- absorption ----")
        w.cited("ka", compound.ka, "per_h", _SBO_KINETIC)
        w.cited("Fa", compound.fa, "dimensionless")
        if compound.fg:
            w.cited("Fg", compound.fg, "dimensionless")
        else:
            w.param("Fg", 1.0, "dimensionless", "no gut-wall metabolism given: Fg = 1 (assumption)")
        pool = "A_lumen"
        if compound.lag:
            # an absorption delay as a chain of transit compartments (Savic RM et al.
            # J Pharmacokinet Pharmacodyn 2007;34:711, doi:10.1007/s10928-007-9066-0), mean
            # transit time tlag, rate constant ktr = n / tlag
            w.cited("tlag", compound.lag, "time_unit", _SBO_KINETIC)
            w.param("n_transit", float(N_TRANSIT), "dimensionless", "transit compartments (fixed)")
            w.assign("ktr", "n_transit / tlag", "per_h", "transit rate constant n / tlag")
            w.lines[-1] = w.lines[-1].replace("ktr = ", "ktr := ")
            for i in range(1, N_TRANSIT + 1):
                species.append(f"  substanceOnly species A_tr{i} in lumen = 0; A_tr{i} has umol")
                w.notes[f"A_tr{i}"] = f"absorption transit compartment {i} of {N_TRANSIT}"
                rxn(f"transit_{i}", f"{pool} -> A_tr{i}; ktr * {pool}")
                pool = f"A_tr{i}"
        rxn("absorption", f"{pool} -> C_gut{s}; Fa * Fg * ka * {pool}")
        rxn("fecal_loss", f"{pool} -> A_feces; ka * {pool} - Fa * ka * {pool}")
        rxn(
            "gut_wall_metabolism",
            f"{pool} -> A_gutwall{s}; Fa * ka * {pool} - Fa * Fg * ka * {pool}",
            _SBO_BIOCHEMICAL,
        )
        sinks.append(f"A_gutwall{s}")

    permeability = compound.liver_model == "permeability"
    for sid, tissue, _ in TISSUES:
        if sid == "liv" and permeability:
            continue
        species.append(f"  species C_{sid}{s} in {sid} = 0")
        w.notes[f"C_{sid}{s}"] = f"{compound.name} in {tissue} tissue"
    species.append(f"  species C_art{s} in art = 0")
    species.append(f"  species C_ven{s} in ven = 0")
    w.notes[f"C_art{s}"] = f"{compound.name} in arterial blood"
    w.notes[f"C_ven{s}"] = f"{compound.name} in venous blood (iv dose and infusion target)"

    rxn("lung_in", f"C_ven{s} -> C_lun{s}; Q_CO * C_ven{s}")
    rxn("lung_out", f"C_lun{s} -> C_art{s}; Q_CO * C_lun{s} * BP / Kp_lun")
    for sid in _VENOUS:
        rxn(f"{sid}_in", f"C_art{s} -> C_{sid}{s}; Q_{sid} * C_art{s}")
        rxn(f"{sid}_out", f"C_{sid}{s} -> C_ven{s}; Q_{sid} * C_{sid}{s} * BP / Kp_{sid}")
    liver_in = f"C_lev{s}" if permeability else f"C_liv{s}"
    for sid in _PORTAL:
        rxn(f"{sid}_in", f"C_art{s} -> C_{sid}{s}; Q_{sid} * C_art{s}")
        rxn(f"{sid}_out", f"C_{sid}{s} -> {liver_in}; Q_{sid} * C_{sid}{s} * BP / Kp_{sid}")
    rxn("ha_in", f"C_art{s} -> {liver_in}; Q_ha * C_art{s}")

    w.lines.append("  // ---- liver ----")
    if permeability:
        assert compound.uptake is not None
        up = compound.uptake
        f_ew = tissue_composition("liver").f_ew
        w.param(
            "fev_liv",
            f_ew,
            "dimensionless",
            "extracellular (vascular + interstitial) fraction of liver volume: the liver's "
            "extracellular water in Rodgers, Leahy & Rowland 2005 Table 1, doi:10.1002/jps.20322",
        )
        w.cited("CLup_act", up.active, "L_per_h")
        w.cited("PS_pass", up.passive, "L_per_h")
        species.append(f"  species C_lev{s} in lev = 0")
        species.append(f"  species C_liv{s} in liv = 0")
        w.notes[f"C_lev{s}"] = f"{compound.name} in liver extracellular space (blood units)"
        w.notes[f"C_liv{s}"] = f"{compound.name} in hepatocytes"
        factor = f"f_{up.transporter.lower()} * " if up.transporter else ""
        rxn(
            "hepatic_uptake",
            f"C_lev{s} -> C_liv{s}; ({factor}CLup_act + PS_pass) * fu / BP * C_lev{s}",
        )
        rxn("hepatic_efflux", f"C_liv{s} -> C_lev{s}; PS_pass * C_liv{s} * fu / Kp_liv")
        rxn("liv_out", f"C_lev{s} -> C_ven{s}; Q_liv * C_lev{s}")
    else:
        rxn("liv_out", f"C_liv{s} -> C_ven{s}; Q_liv * C_liv{s} * BP / Kp_liv")
    w.assign(
        "Cu_liv",
        f"C_liv{s} * fu / Kp_liv",
        "umol_per_L",
        "unbound liver (hepatocyte) concentration",
    )
    w.lines[-1] = w.lines[-1].replace("Cu_liv = ", "Cu_liv := ")

    factors = {p.enzyme for p in compound.pathways if p.enzyme}
    if compound.uptake and compound.uptake.transporter:
        factors.add(compound.uptake.transporter)
    for enzyme in sorted(factors):
        w.param(
            f"f_{enzyme.lower()}",
            1.0,
            "dimensionless",
            f"{enzyme} activity relative to the compound file's value (1); personalized by "
            "genotype and Child-Pugh class through the bindings",
        )
    met_species = {m.id: f"C_{m.id}" for m in compound.metabolites}
    for p in compound.pathways:
        factor = f"f_{p.enzyme.lower()} * " if p.enzyme else ""
        if p.clint is not None:
            w.cited(f"CLint_{p.id}", p.clint, "L_per_h")
            rate = f"{factor}CLint_{p.id} * C_liv{s} * fu / Kp_liv"
        else:
            assert p.vmax is not None and p.km is not None
            w.cited(f"Vmax_{p.id}", p.vmax, "umol_per_h", _SBO_VMAX)
            w.cited(f"Km_{p.id}", p.km, "umol_per_L", _SBO_KM)
            rate = f"{factor}Vmax_{p.id} * Cu_liv / (Km_{p.id} + Cu_liv)"
        if p.metabolite is None:
            rxn(f"path_{p.id}", f"C_liv{s} -> A_{p.id}{s}; {rate}", _SBO_BIOCHEMICAL)
            sinks.append(f"A_{p.id}{s}")
            continue
        assert p.fraction is not None
        w.cited(f"fm_{p.id}", p.fraction, "dimensionless")
        target = met_species[p.metabolite]
        rxn(f"path_{p.id}", f"C_liv{s} -> {target}; fm_{p.id} * {rate}", _SBO_BIOCHEMICAL)
        if p.fraction.value < 1.0:
            rxn(
                f"path_{p.id}_other",
                f"C_liv{s} -> A_{p.id}{s}; {rate} - fm_{p.id} * {rate}",
                _SBO_BIOCHEMICAL,
            )
            sinks.append(f"A_{p.id}{s}")

    w.lines.append("  // ---- kidney ----")
    w.param(
        "GFR_ref",
        REFERENCE_GFR_ML_MIN * 60.0 / 1000.0,
        "L_per_h",
        f"{REFERENCE_GFR_ML_MIN:g} mL/min, sbmltwin.physiology.REFERENCE_GFR_ML_MIN (young adult)",
    )
    w.param(
        "f_renal",
        1.0,
        "dimensionless",
        "renal function relative to 120 mL/min/1.73 m² (personalized: eGFR CKD-EPI 2021 / 120)",
    )
    w.assign(
        "GFR",
        "f_renal * GFR_ref * (BW / BW_ref)^0.75",
        "L_per_h",
        "glomerular filtration rate; allometric 0.75 (Anderson & Holford 2008, PMID 17914927)",
    )
    renal_terms = []
    if compound.renal.filtration:
        if compound.renal.reabsorption:
            w.cited("f_reabs", compound.renal.reabsorption, "dimensionless")
        else:
            w.param("f_reabs", 0.0, "dimensionless", "no reabsorption given: 0 (assumption)")
        renal_terms.append(f"GFR * fu * C_kid{s} / Kp_kid - f_reabs * GFR * fu * C_kid{s} / Kp_kid")
    if compound.renal.secretion:
        w.cited("CLsec", compound.renal.secretion, "L_per_h")
        renal_terms.append(f"CLsec * fu * C_kid{s} / Kp_kid")
    if renal_terms:
        rxn("renal_excretion", f"C_kid{s} -> A_urine{s}; {' + '.join(renal_terms)}")
        sinks.append(f"A_urine{s}")

    w.lines.append("  // ---- metabolites ----")
    for m in compound.metabolites:
        w.cited(f"V_{m.id}", m.volume, "litre")
        species.append(f"  species C_{m.id} in {m.id}_c = 0")
        w.notes[f"C_{m.id}"] = f"{m.name} (one distribution volume V_{m.id})"
        if m.clearance:
            w.cited(f"CL_{m.id}", m.clearance, "L_per_h")
            target = f"C_{m.clearance_to}" if m.clearance_to else f"A_{m.id}_met"
            rxn(
                f"{m.id}_clearance", f"C_{m.id} -> {target}; CL_{m.id} * C_{m.id}", _SBO_BIOCHEMICAL
            )
            if not m.clearance_to:
                sinks.append(f"A_{m.id}_met")
        if m.renal_clearance:
            w.cited(f"CLR_{m.id}", m.renal_clearance, "L_per_h")
            rxn(f"{m.id}_renal", f"C_{m.id} -> A_urine_{m.id}; CLR_{m.id} * C_{m.id}")
            sinks.append(f"A_urine_{m.id}")
    for sink in sinks:
        species.append(f"  substanceOnly species {sink} in excreta = 0; {sink} has umol")
        w.notes.setdefault(sink, "cumulative amount eliminated (mass balance)")
    w.assign(f"C_plasma{s}", f"C_ven{s} / BP", "umol_per_L", "venous plasma concentration")
    w.lines[-1] = w.lines[-1].replace(f"C_plasma{s} = ", f"C_plasma{s} := ")

    compartments = [f"  compartment {sid} = V_{sid}; {sid} has volume" for sid, _, _ in TISSUES]
    if permeability:
        compartments[-2] = "  compartment liv = V_liv - fev_liv * V_liv; liv has volume"
        compartments.append("  compartment lev = fev_liv * V_liv; lev has volume")
    compartments += [
        "  compartment art = V_art; art has volume",
        "  compartment ven = V_ven; ven has volume",
        "  compartment lumen = 1; lumen has volume  // nominal: amounts only",
        "  compartment excreta = 1; excreta has volume  // nominal: amounts only",
    ]
    compartments += [
        f"  compartment {m.id}_c = V_{m.id}; {m.id}_c has volume" for m in compound.metabolites
    ]

    text = "\n".join(
        [
            f"// {compound.name}: whole-body PBPK model written by `sbmltwin build` from {compound.source}",
            f"model {compound.id}_pbpk",
            _UNITS,
            *w.lines,
            *compartments,
            *species,
            *reactions,
            "end",
            "",
        ]
    )
    model = parse_model(text, fmt="antimony", source=f"{compound.source} (built)")
    sbml = _finish(model, compound, w, rxn_sbo)
    built = parse_model(sbml, fmt="sbml", source=f"{compound.source} (built)")
    return BuiltModel(
        model=built,
        sbml=sbml,
        bindings=bindings_text(compound),
        readme=readme_text(compound, kp, partition.method, partition.citation, hct, w.ids),
        kp=kp,
        sources=dict(w.notes),
    )


def _physiology(w: _Writer) -> None:
    """Covariates and the organ scaling law (physiology.organ_scaling_law) as initial
    assignments of BW, female and f_fat: the same numbers and arithmetic as scaled_organs."""
    male, female = organ_scaling_law(Sex.MALE), organ_scaling_law(Sex.FEMALE)
    ref_m, ref_f = male.reference, female.reference
    law = "sbmltwin.physiology.organ_scaling_law"
    w.lines.append("  // ---- covariates (personalized) and the organ scaling law ----")
    w.param("BW", ref_m.body_weight_kg, "kg", "body weight; personalized (covariates.weight)")
    w.param(
        "female",
        0.0,
        "dimensionless",
        "1 for a female twin, 0 for a male one; personalized (covariates.female)",
    )
    w.param(
        "f_fat",
        male.fat_fraction,
        "dimensionless",
        f"body fat fraction of body weight, Deurenberg 1991 ({DEURENBERG_CITATION}) from BMI "
        "(weight, height), age and sex; personalized (covariates.body_fat_fraction); default: "
        f"the ICRP 89 reference male ({ref_m.body_weight_kg:g} kg, {ref_m.height_cm:g} cm, "
        f"{ref_m.age_years:g} y)",
    )

    def pair(base: str, unit: str, m: float, f: float, what: str) -> None:
        w.param(f"{base}_m", m, unit, f"{what} of the ICRP 89 reference male ({ICRP89_CITATION})")
        w.param(f"{base}_f", f, unit, f"{what} of the ICRP 89 reference female")

    def blend(base: str) -> str:
        return f"{base}_m - female * {base}_m + female * {base}_f"

    pair("BW_ref", "kg", ref_m.body_weight_kg, ref_f.body_weight_kg, "body weight")
    w.assign("BW_ref", blend("BW_ref"), "kg", "reference weight of the twin's sex")
    w.assign("FFM", "BW - f_fat * BW", "kg", f"fat-free mass ({law})")
    pair(
        "FFMr",
        "kg",
        male.fat_free_mass_kg,
        female.fat_free_mass_kg,
        f"fat-free mass (Deurenberg 1991 at {ref_m.age_years:g} y)",
    )
    w.assign("FFM_ref", blend("FFMr"), "kg", "reference fat-free mass of the twin's sex")
    w.assign("s_ffm", "FFM / FFM_ref", "dimensionless", f"size ratio FFM / FFM_ref ({law})")
    pair(
        "Mlean",
        "kg",
        male.lean_mass_kg,
        female.lean_mass_kg,
        "mass of every tissue but adipose, blood included (body weight − adipose)",
    )
    pair(
        "rho_adi",
        "kg_per_L",
        male.adipose_density_kg_per_l,
        female.adipose_density_kg_per_l,
        "adipose tissue density (Huisinga 2012, doi:10.1038/psp.2012.3)",
    )
    names = {
        "lung": "lun",
        "adipose": "adi",
        "bone": "bon",
        "brain": "bra",
        "heart": "hea",
        "kidney": "kid",
        "muscle": "mus",
        "skin": "ski",
        "gut": "gut",
        "spleen": "spl",
        "pancreas": "pan",
        "liver": "liv",
        "rest": "res",
        "arterial_blood": "art",
        "venous_blood": "ven",
        "hepatic_artery": "ha",
    }
    e = male.volume_exponent
    for tissue, volume in male.lean_volumes_l.items():
        sid = names[tissue]
        pair(f"Vr_{sid}", "litre", volume, female.lean_volumes_l[tissue], f"V_{tissue}")
        w.assign(
            f"V_{sid}",
            f"({blend(f'Vr_{sid}')}) * s_ffm^{e!r}",
            "litre",
            f"ICRP 89 volume × (FFM/FFM_ref)^{e:g} ({law})",
        )
    w.assign(
        "V_adi",
        f"(BW - ({blend('Mlean')}) * s_ffm^{e!r}) / ({blend('rho_adi')})",
        "litre",
        f"adipose takes the body weight the lean tissues leave ({law})",
    )
    co = male.cardiac_output_exponent
    pair(
        "COr",
        "L_per_h",
        ref_m.cardiac_output_l_per_h,
        ref_f.cardiac_output_l_per_h,
        "cardiac output (Table 2.39)",
    )
    w.assign(
        "Q_CO",
        f"({blend('COr')}) * s_ffm^{co!r}",
        "L_per_h",
        f"cardiac output × (FFM/FFM_ref)^{co:g}, Anderson & Holford 2008, PMID 17914927 ({law})",
    )
    for tissue, fraction in ref_m.flow_fractions.items():
        if tissue in ("lung", "liver"):
            continue
        sid = names[tissue]
        pair(
            f"fq_{sid}",
            "dimensionless",
            fraction,
            ref_f.flow_fractions[tissue],
            f"Q_{tissue} fraction of cardiac output (Table 2.40)",
        )
        w.assign(
            f"Q_{sid}",
            f"({blend(f'fq_{sid}')}) * Q_CO",
            "L_per_h",
            f"Q_{tissue}: its ICRP 89 fraction of cardiac output",
        )
    w.assign(
        "Q_liv", "Q_ha + Q_gut + Q_spl + Q_pan", "L_per_h", "total hepatic (outflow) blood flow"
    )


def _ok(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise CompoundError(
            f"libsbml could not {what}: {libsbml.OperationReturnValue_toString(code)}"
        )


def _finish(model: Model, compound: Compound, w: _Writer, rxn_sbo: dict[str, int]) -> str:
    """L3V2, SBO terms, notes naming each value's source, and the model's provenance."""
    doc = model.document()
    if (doc.getLevel(), doc.getVersion()) != (3, 2):
        _ok(int(doc.setLevelAndVersion(3, 2, True)), "convert to SBML L3V2")
    m = doc.getModel()
    for i in range(m.getNumCompartments()):
        _ok(m.getCompartment(i).setSBOTerm(_SBO_COMPARTMENT), "set an SBO term")
    for i in range(m.getNumSpecies()):
        sp = m.getSpecies(i)
        _ok(sp.setSBOTerm(_SBO_SPECIES), "set an SBO term")
        if sp.getId() in w.notes:
            _ok(sp.setNotes(_xhtml(w.notes[sp.getId()])), f"set notes of {sp.getId()}")
    for i in range(m.getNumParameters()):
        p = m.getParameter(i)
        _ok(p.setSBOTerm(w.sbo.get(p.getId(), _SBO_PARAMETER)), "set an SBO term")
        if p.getId() in w.notes:
            _ok(p.setNotes(_xhtml(w.notes[p.getId()])), f"set notes of {p.getId()}")
    for i in range(m.getNumReactions()):
        r = m.getReaction(i)
        _ok(r.setSBOTerm(rxn_sbo.get(r.getId(), _SBO_TRANSPORT)), "set an SBO term")
    name = compound.source.replace("\\", "/").rsplit("/", 1)[-1]
    digest = f"SHA-256 {compound.sha256}" if compound.sha256 else "parsed from a mapping"
    _ok(
        m.setNotes(
            _xhtml(
                f"{compound.name}: whole-body PBPK model written by sbmltwin build from the "
                f"compound file {name} ({digest}). Organ volumes and flows: {ICRP89_CITATION}, "
                "scaled to fat-free mass (Deurenberg 1991 body fat) by "
                "sbmltwin.physiology.organ_scaling_law. Every parameter's notes "
                "name its source."
            )
        ),
        "set the model notes",
    )
    return str(libsbml.writeSBMLToString(doc))


def _xhtml(text: str) -> str:
    return f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{escape(text)}</p></body>'
