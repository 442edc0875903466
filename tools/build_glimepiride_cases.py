"""Write validation/glimepiride/ from ../shared/clinical/glimepiride (PK-DB curation tables).

Run from the repository root: ``python tools/build_glimepiride_cases.py [SHARED_DIR]``. Observed
group means and SDs are copied unchanged; every study's published summary statistics go to
``<Study>.summary.csv``. Arms, roles and group mapping follow model_library/glimepiride/README.md
(the protocol, committed before any model existed). Drug-interaction arms are left out.
"""

import sys
from pathlib import Path

from clinical_cases import Arm, Group, PkdbSpec, build_pkdb

DRUG = "glimepiride"
SH = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared") / "clinical" / DRUG
OUT = Path("validation") / DRUG
M1_MW = 506.6  # glimepiride 490.62 + O (cyclohexyl-hydroxymethyl derivative)


def arm(case_id, study, key, mg, route="oral", end=24.0, note="", shift=0.0, doses=None, **kw):
    text = doses or [f"{mg} mg {route}"]
    return Arm(case_id, study, key, text, end, note or f"{mg} mg glimepiride {route}", shift, **kw)


ARMS = [
    arm("Yoo2011", "Yoo2011", "GLI2", 2, end=12),
    arm(
        "Badian1994_IV",
        "Badian1994",
        "GLI1iv",
        1,
        end=12,
        doses=["1 mg infusion over 1 min"],
        note="1 mg glimepiride IV over 1 min",
    ),
    arm("Badian1994_PO", "Badian1994", "GLI1po", 1, end=12),
    arm(
        "Badian1996_M1_IV",
        "Badian1996",
        "GLIM1",
        None,
        end=6,
        doses=[f"{1.5 / M1_MW * 1000:.4f} umol infusion into C_m1 over 1 min"],
        note=f"1.5 mg M1 IV over 1 min = {1.5 / M1_MW * 1000:.4f} µmol (MW {M1_MW}); the target "
        'C_m1 is the builder\'s species of metabolite id "m1"',
    ),
    arm("Niemi2002", "Niemi2002", "GLI", 0.5, end=12),
    arm(
        "Suzuki2006",
        "Suzuki2006",
        "GLI1",
        1,
        end=10,
        note="1 mg glimepiride oral (type 2 diabetes)",
    ),
    arm("Lee2012", "Lee2012", "GLI2", 2, end=12),
    arm(
        "Kim2017",
        "Kim2017",
        "GLI4",
        4,
        end=192,
        doses=["4 mg oral every 24h x7"],
        shift=144.0,
        note="4 mg once daily for 7 days (days -6..0 in the curation); written from the first dose, "
        "so observed times are +144 h; the tables are after the last dose, at steady state "
        "(curation comments)",
        after_dose="last",
        steady_state=True,
    ),
    arm(
        "Ahmed2016",
        "Ahmed2016",
        "GLI3",
        1,
        end=24,
        note="1 mg glimepiride oral tablet (reference arm; transdermal arms left out)",
    ),
    arm(
        "Choi2014",
        "Choi2014",
        "GLI4",
        4,
        end=24,
        note="4 mg glimepiride alone (gemigliptin arms left out)",
    ),
    *[arm(f"Helmy2013_{mg}mg", "Helmy2013", f"GLI{mg}", mg) for mg in (1, 2, 3, 4, 6)],
    arm(
        "Kasichayanula2011c",
        "Kasichayanula2011c",
        "GLI4",
        4,
        end=48,
        note="4 mg glimepiride alone (dapagliflozin arm left out)",
    ),
    *[
        arm(
            f"Liu2010_{k}",
            "Liu2010",
            f"GLI2{k}",
            2,
            end=50,
            note=f"2 mg glimepiride, {k} formulation",
        )
        for k in ("test", "ref")
    ],
    *[arm(f"Malerczyk1994_{mg}mg", "Malerczyk1994", f"GLI{mg}", mg, end=36) for mg in (1, 2, 4, 8)],
    arm("Matsuki2007_2mg", "Matsuki2007", "GLI2", 2, end=24),
    arm(
        "Matsuki2007_1mg_bid",
        "Matsuki2007",
        "GLI1",
        1,
        end=24,
        doses=["1 mg oral every 12h x2"],
        note="1 mg at 0 and 12 h; AUC 0-24 h counts from the first dose, tmax 'morning' from the "
        "first and 'evening' from the second (curation comments)",
        after_dose=1,
        row_doses={"morning": "1", "evening": "2"},
    ),
    arm(
        "Shukla2004",
        "Shukla2004",
        "GLI8",
        8,
        end=24,
        note="8 mg glimepiride oral; normal-weight and obese groups",
    ),
]

POPULATION = {
    "Yoo2011": "East Asian",
    "Suzuki2006": "East Asian",
    "Lee2012": "East Asian",
    "Kim2017": "East Asian",
    "Choi2014": "East Asian",
    "Liu2010": "East Asian",
    "Matsuki2007": "East Asian",
    "Cho2011": "East Asian",
    "Ahmed2016": "Near Eastern",
    "Helmy2013": "Near Eastern",
}

REFS = {
    "Yoo2011": (
        "pmid:21476064",
        "Yoo HD, et al. Influence of CYP2C9 and SLCO1B1 polymorphisms on glimepiride pharmacokinetics in Chinese? (PK-DB PKDB00958; title not re-checked)",
    ),
    "Badian1994": (
        "pmid:12369756",
        "Badian M, Korn A, Lehr KH, Malerczyk V, Waldhäusl W. Absolute bioavailability of glimepiride (Amaryl) after oral administration. Drug Metabol Drug Interact. 1994;11(4):331-339.",
    ),
    "Badian1996": (
        "pmid:8902432",
        "Badian M, et al. Pharmacokinetics and pharmacodynamics of the hydroxymetabolite of glimepiride (Amaryl) after intravenous administration. Drug Metabol Drug Interact. 1996 (title not re-checked).",
    ),
    "Niemi2002": (
        "pmid:12235454",
        "Niemi M, Cascorbi I, Timm R, Kroemer HK, Neuvonen PJ, Kivistö KT. Glyburide and glimepiride pharmacokinetics in subjects with different CYP2C9 genotypes. Clin Pharmacol Ther. 2002;72(3):326-332.",
    ),
    "Suzuki2006": (
        "pmid:16325295",
        "Suzuki K, et al. (PK-DB PKDB00956; glimepiride in Japanese type 2 diabetes; title not re-checked)",
    ),
    "Lee2012": ("pmid:21208246", "Lee et al. 2012 (PK-DB PKDB00948; title not re-checked)"),
    "Kim2017": (
        "doi:10.2147/DDDT.S129586",
        "Kim CO, Oh ES, Kim H, Park MS. Pharmacokinetic interactions between glimepiride and rosuvastatin in healthy Korean subjects: does the SLCO1B1 or CYP2C9 genetic polymorphism affect these drug interactions? Drug Des Devel Ther. 2017;11:503-512. PMID 28260863.",
    ),
    "Ahmed2016": (
        "pmid:26775063",
        "Ahmed et al. 2016 (PK-DB PKDB00904; transdermal vs oral glimepiride; title not re-checked)",
    ),
    "Choi2014": (
        "pmid:24962635",
        "Choi et al. 2014 (PK-DB PKDB00903; gemigliptin–glimepiride interaction; title not re-checked)",
    ),
    "Helmy2013": (
        "pmid:27121788",
        "Helmy et al. 2013 (PK-DB PKDB00905; glimepiride dose proportionality in Egyptians; title not re-checked)",
    ),
    "Kasichayanula2011c": (
        "pmid:21114603",
        "Kasichayanula S, et al. 2011 (PK-DB PKDB00924; dapagliflozin interaction studies; title not re-checked)",
    ),
    "Liu2010": (
        "pmid:20685507",
        "Liu et al. 2010 (PK-DB PKDB00950; bioequivalence in Chinese; title not re-checked)",
    ),
    "Malerczyk1994": (
        "pmid:12369757",
        "Malerczyk V, Badian M, Korn A, Lehr KH, Waldhäusl W. Dose linearity assessment of glimepiride (Amaryl) tablets in healthy volunteers. Drug Metabol Drug Interact. 1994;11(4):341-357.",
    ),
    "Matsuki2007": ("pmid:17603225", "Matsuki et al. 2007 (PK-DB PKDB00951; title not re-checked)"),
    "Shukla2004": (
        "pmid:14742789",
        "Shukla UA, et al. Pharmacokinetics, pharmacodynamics, and tolerability of glimepiride in obese and nonobese subjects (PK-DB PKDB00955; title not re-checked).",
    ),
    "Cho2011": (
        "pmid:21704609",
        "Cho et al. 2011 (PK-DB PKDB00945; glimepiride in Korean CYP2C9*1/*1 subjects; title not re-checked)",
    ),
}

OVERRIDES = {
    ("Niemi2002", "group3"): Group(
        "group3",
        "group3: CYP2C9 *1/*3 and *2/*3 together, n=3 (per-genotype counts not in the curation); "
        "mapped to *1/*3 (AS 1.0; *2/*3 is AS 0.5)",
        {"genotype": {"CYP2C9": "*1/*3"}},
    ),
}

HEADER = """
Written by `tools/build_glimepiride_cases.py ../shared` from `../shared/clinical/glimepiride` (PK-DB
curation tables of the cited papers, König lab, MIT by location; attribute PK-DB and the papers).
Protocol: `model_library/glimepiride/README.md`. One case per intervention (`<Study>_<arm>`),
except studies that dosed the same subjects several ways (Badian1994 IV/oral, Helmy2013 and
Malerczyk1994 doses, Liu2010 formulations, Matsuki2007 single/twice daily): one case with
`[arms.<intervention>]` tables, its groups `<group>@<intervention>` as in the summary file.

* **No model yet.** `model = "glimepiride"`; output ids `C_plasma_gli` (glimepiride plasma) and
  `[C_m1]` (M1) and the M1 dosing target `C_m1` are `sbmltwin build`'s names for a compound with
  `id = "gli"` and a metabolite with `id = "m1"` (the compound file must use those ids). Until the model exists `sbmltwin demo` / `sbmltwin validate` (no paths) skip
  these cases and say so.
* Group means (not individuals) only; series with fewer than 3 samples are left out.
* Groups with a curated CYP2C9 diplotype use it; other groups are CYP2C9 mixtures of all classes of
  the study population (East Asian: Korean, Chinese, Japanese; Near Eastern: Egyptian; European
  otherwise). Group weight (curated mean) is set where given.
* `<Study>.summary.csv`: the study's published AUC (with window), Cmax, tmax, t½, CL … per group with
  n and SD/SE/CV (format in `tools/clinical_cases.py`, `write_summary`), for issue 15's summary cases.
  Groups there are named as in the case (`@<arm>` when a study has several arms).
* Multiple-dose cases (Kim2017, Matsuki2007 bid) and IV cases need issue 15's windows for a
  meaningful observed AUC (the current runner prepends (0, 0)).
* Multiple-dose summary rows count from the dose the curation names: Kim2017 after the last dose at
  steady state (`after_dose = "last"`, `steady_state = true`); Matsuki2007 bid from the first dose,
  its "evening" tmax from the second (the summary file's `dose` column).
* Table-only studies get a summary-only case (`[observed] summary` without `file`): Cho2011.
  Genotype-defined groups reported in tables only join their study's case (Kim2017 CYP2C9 *1/*1,
  *1/*3), judged on their tables.
"""

SPEC = PkdbSpec(
    drug=DRUG,
    gene="CYP2C9",
    analytes={"glimepiride": "glimepiride", "glimepiride-M1": "M1"},
    outputs={
        "glimepiride": ("C_plasma_gli", "490.62 g/mol"),
        "M1": ("[C_m1]", f"{M1_MW} g/mol"),
    },
    training={"Yoo2011", "Badian1994", "Badian1996"},
    arms=ARMS,
    merged={  # one study, the same subjects dosed several ways: one case with arms
        "Badian1994": ["Badian1994_IV", "Badian1994_PO"],
        "Helmy2013": [f"Helmy2013_{mg}mg" for mg in (1, 2, 3, 4, 6)],
        "Liu2010": ["Liu2010_test", "Liu2010_ref"],
        "Malerczyk1994": [f"Malerczyk1994_{mg}mg" for mg in (1, 2, 4, 8)],
        "Matsuki2007": ["Matsuki2007_2mg", "Matsuki2007_1mg_bid"],
    },
    population=POPULATION,
    references=REFS,
    group_overrides=OVERRIDES,
    summary_arms=[arm("Cho2011", "Cho2011", "GLI2", 2, end=24)],
    left_out=[
        (
            "FDA1995 (1 mg IV and oral)",
            "the same curves as Badian1994 (training), digitised from the NDA review: a duplicate",
        ),
        ("Ratheiser1993", "IV dose-ranging with 2 samples per series (fewer than 3)"),
        ("Lehr1990", "a single subject / n not reported"),
        (
            "Rosenkranz1996a",
            "renal-impairment groups with tables only; creatinine clearance is not yet a case covariate",
        ),
        (
            "interaction arms",
            "Kim2017 + rosuvastatin, Choi2014 + gemigliptin, Kasichayanula2011c + dapagliflozin",
        ),
        ("Ahmed2016 transdermal arms", "route not modelled"),
        ("glucose, insulin, C-peptide, M2 series", "not model outputs"),
        ("Wang2005", "held back by the lead (not in ../shared)"),
    ],
    header=HEADER,
)

if __name__ == "__main__":
    build_pkdb(SPEC, SH, OUT)
