"""Write validation/losartan/ from ../shared/clinical/losartan (PK-DB curation tables).

Run from the repository root: ``python tools/build_losartan_cases.py [SHARED_DIR]``. Observed group
means and SDs are copied unchanged (losartan and E-3174); every study's published summary statistics
go to ``<Study>.summary.csv``. Arms, roles and group mapping follow model_library/losartan/README.md
(the protocol, committed before any model existed). Interaction arms are left out.

Doses are written as losartan (free acid): mg losartan potassium × 422.92/461.0 when the curation
says "losartan potassium"; otherwise as curated (stated per case). E-3174 IV doses are molar
(MW 436.9 g/mol) into the metabolite species `C_e3174`.
"""

import sys
from pathlib import Path

from clinical_cases import Arm, Group, PkdbSpec, build_pkdb

DRUG = "losartan"
SH = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared") / "clinical" / DRUG
OUT = Path("validation") / DRUG
SALT = 422.92 / 461.0  # losartan potassium -> losartan (PubChem MWs)
E3174_MW = 436.9


def k_salt(mg: float, route: str = "oral", over: str = "") -> tuple[list[str], str]:
    base = mg * SALT
    text = f"{base:.4g} mg {route}" + (f" over {over}" if over else "")
    return [text], f"{mg:g} mg losartan potassium × 422.92/461.0 = {base:.4g} mg losartan ({route})"


def arm(
    case_id, study, key, mg, *, route="oral", over="", end=24.0, note="", salt=True, groups=None
):
    if salt:
        doses, dose_note = k_salt(mg, route, over)
    else:
        doses = [f"{mg:g} mg {route}" + (f" over {over}" if over else "")]
        dose_note = f"{mg:g} mg losartan as curated (salt form not stated)"
    return Arm(
        case_id, study, key, doses, end, dose_note + (f"; {note}" if note else ""), 0.0, groups
    )


def e3174_iv(case_id, study, key, mg, *, over="", end=30.0, note=""):
    umol = mg / E3174_MW * 1000
    route = f"infusion into C_e3174 over {over}" if over else "iv into C_e3174"
    return Arm(
        case_id,
        study,
        key,
        [f"{umol:.4f} umol {route}"],
        end,
        f"{mg:g} mg E-3174 IV = {umol:.4f} µmol (MW {E3174_MW}); C_e3174 is the builder's species of "
        'metabolite id "e3174"' + (f"; {note}" if note else ""),
    )


ARMS = [
    arm("Han2009a", "Han2009a", "LOS50", 50, note="losartan-alone arm (silymarin arm left out)"),
    arm("Lo1995_IV20", "Lo1995", "LOS20IV", 20, route="infusion", over="20 min", end=24),
    arm("Lo1995_PO50", "Lo1995", "LOS50PO", 50, end=30),
    arm(
        "Lo1995_IV30",
        "Lo1995",
        "LOS30IV",
        30,
        route="infusion",
        over="20 min",
        end=30,
        note="14C-losartan, taken as the potassium salt",
    ),
    e3174_iv("Lo1995_E3174_IV20", "Lo1995", "E20IV", 20, over="20 min"),
    arm("Bae2011", "Bae2011", "LOS50", 50),
    arm("Lee2003b", "Lee2003b", "LOS50", 50),
    arm("Li2009", "Li2009", "LOS50", 50),
    arm(
        "Huang2021",
        "Huang2021",
        "LOS50",
        50,
        end=36,
        groups=["cyp2c9_1_1", "cyp2c9_1_3"],
        note="losartan-alone arm; the pooled 'all' group and the breviscapine arm are left out",
    ),
    arm(
        "Fischer2002",
        "Fischer2002",
        "LOS50",
        50,
        note="losartan-alone phase (phenytoin phase left out)",
    ),
    arm("Azizi1999", "Azizi1999", "LOS50", 50),
    arm("Christen1991a_20mg", "Christen1991a", "LOS20", 20, end=23),
    arm("Christen1991a_40mg", "Christen1991a", "LOS40", 40, end=23),
    arm(
        "Goldberg1995",
        "Goldberg1995",
        "LOS100",
        100,
        note="losartan alone (cimetidine arm left out)",
    ),
    *[arm(f"Munafo1992_{mg}mg", "Munafo1992", f"LOS{mg}", mg, end=26) for mg in (40, 80, 120)],
    *[arm(f"Ohtawa1993_{mg}mg", "Ohtawa1993", f"LOS{mg}", mg, end=30) for mg in (25, 50, 100, 200)],
    arm(
        "Kobayashi2008",
        "Kobayashi2008",
        "LOS25",
        25,
        end=25,
        note="losartan alone (bucolome arm left out)",
    ),
    arm("Shin2020", "Shin2020", "LOS50", 50, end=10, note="groups are ABCB1 genotypes, not CYP2C9"),
    arm("FDA1995S67_PO50", "FDA1995S67", "LOS50PO", 50, end=36, salt=False),
    arm("FDA1995S67_IV10", "FDA1995S67", "LOS10IV", 10, route="iv", end=30, salt=False),
    e3174_iv("FDA1995S67_E3174_IV10", "FDA1995S67", "E10IV", 10, end=20),
    arm(
        "Donzelli2014_cocktail3",
        "Donzelli2014",
        "LOS12.5, OME10, MID2",
        12.5,
        salt=False,
        note="Basel cocktail phase with omeprazole 10 mg and midazolam 2 mg",
    ),
    arm(
        "Donzelli2014_cocktail6",
        "Donzelli2014",
        "LOS12.5, OME10, MID2, CAF100, MET12.5, EFA50",
        12.5,
        salt=False,
        note="full Basel cocktail",
    ),
    arm(
        "Tanaka2014",
        "Tanaka2014",
        "CAF100, LOS50, OME20, DEX30, MID1",
        50,
        end=8,
        note="5-drug cocktail",
    ),
    arm(
        "Oh2012",
        "Oh2012",
        "Dcaf, Dlos, Dome, Ddex, Dmid",
        2,
        end=12,
        salt=False,
        note="microdose cocktail",
    ),
]

POPULATION = {
    "Han2009a": "East Asian",
    "Bae2011": "East Asian",
    "Lee2003b": "East Asian",
    "Li2009": "East Asian",
    "Huang2021": "East Asian",
    "Ohtawa1993": "East Asian",
    "Kobayashi2008": "East Asian",
    "Shin2020": "East Asian",
    "Tanaka2014": "East Asian",
    "Oh2012": "East Asian",
    "Sekino2003": "East Asian",
}


def pk(pmid: str, text: str) -> tuple[str, str]:
    return (f"pmid:{pmid}", text)


REFS = {
    "Han2009a": pk(
        "19221727",
        "Han Y, Guo D, Chen Y, et al. Effect of silymarin on the pharmacokinetics of losartan and its active metabolite E-3174 in healthy Chinese volunteers. Eur J Clin Pharmacol. 2009 (title not re-checked). Losartan-alone arm.",
    ),
    "Lo1995": pk(
        "8529329",
        "Lo MW, Goldberg MR, McCrea JB, et al. Pharmacokinetics of losartan, an angiotensin II receptor antagonist, and its active metabolite EXP3174 in humans. Clin Pharmacol Ther. 1995;58(6):641-649.",
    ),
    "Bae2011": pk(
        "21841812",
        "Bae JW, et al. Pharmacokinetics of losartan in a CYP2C9*3/*3 subject (PK-DB PKDB00895; title not re-checked).",
    ),
    "Lee2003b": pk(
        "12820813",
        "Lee CR, Pieper JA, Hinderliter AL, Blaisdell JA, Goldstein JA. Losartan and E3174 pharmacokinetics in cytochrome P450 2C9*1/*1, *1/*2, and *1/*3 individuals. Pharmacotherapy. 2003;23(6):720-725 (not re-checked).",
    ),
    "Li2009": pk(
        "19604036",
        "Li Z, et al. Effect of CYP2C9*13 on losartan pharmacokinetics in Chinese (PK-DB PKDB00912; title not re-checked).",
    ),
    "Huang2021": pk(
        "33509019",
        "Huang et al. 2021 (PK-DB PKDB00919; breviscapine and losartan in Chinese by CYP2C9 genotype; title not re-checked). Losartan-alone arm.",
    ),
    "Sekino2003": pk(
        "14504849",
        "Sekino K, Kubota T, Okada Y, et al. Effect of the single CYP2C9*3 allele on pharmacokinetics and pharmacodynamics of losartan in healthy Japanese subjects. Eur J Clin Pharmacol. 2003;59(8-9):589-592 (volume/pages not re-checked).",
    ),
    "Fischer2002": pk(
        "12235444",
        "Fischer TL, Pieper JA, Graff DW, et al. Evaluation of potential losartan-phenytoin drug interactions in healthy volunteers. Clin Pharmacol Ther. 2002;72(3):238-246 (not re-checked). Losartan-alone phase.",
    ),
    "Azizi1999": pk(
        "10404959",
        "Azizi M, et al. 1999 (candesartan vs losartan in healthy volunteers; title not re-checked).",
    ),
    "Christen1991a": pk(
        "2013151",
        "Christen Y, Waeber B, Nussberger J, et al. Oral administration of DuP 753, a specific angiotensin II receptor antagonist, to normal male volunteers. Circulation. 1991;83(4):1333-1342 (not re-checked).",
    ),
    "Goldberg1995": pk(
        "8751032",
        "Goldberg MR, et al. Lack of effect of cimetidine on losartan pharmacokinetics (title not re-checked). Losartan-alone arm.",
    ),
    "Munafo1992": pk(
        "1587065",
        "Munafo A, Christen Y, Nussberger J, et al. Drug concentration response relationships in normal volunteers after oral administration of losartan. Clin Pharmacol Ther. 1992;51(5):513-521 (not re-checked).",
    ),
    "Ohtawa1993": pk(
        "8471405",
        "Ohtawa M, Takayama F, Saitoh K, Yoshinaga T, Nakashima M. Pharmacokinetics and biochemical efficacy after single and multiple oral administration of losartan in healthy Japanese volunteers. Eur J Clin Pharmacol. 1993 (not re-checked).",
    ),
    "Kobayashi2008": pk(
        "18445991",
        "Kobayashi M, et al. 2008 (bucolome–losartan interaction; title not re-checked). Losartan-alone arm.",
    ),
    "Shin2020": pk(
        "33249530",
        "Shin et al. 2020 (ABCB1 genotype and losartan; PK-DB PKDB00898; title not re-checked).",
    ),
    "FDA1995S67": (
        "FDA NDA 20-386 clinical pharmacology review (1995), study 67 (as curated in PK-DB PKDB00966)",
        "US FDA, Cozaar (losartan potassium) NDA 20-386 review, 1995 — study 67 (PK-DB PKDB00966).",
    ),
    "Donzelli2014": pk(
        "24218006",
        "Donzelli M, Derungs A, Serratore MG, et al. The Basel cocktail for simultaneous phenotyping of human cytochrome P450 isoforms in plasma, saliva and dried blood spots. Clin Pharmacokinet. 2014;53(3):271-282 (not re-checked).",
    ),
    "Tanaka2014": pk(
        "24389476",
        "Tanaka S, et al. 2014 (five-probe cocktail in Japanese; PK-DB PKDB00136; title not re-checked).",
    ),
    "Oh2012": pk(
        "22483397",
        "Oh KS, et al. 2012 (microdose cocktail; PK-DB PKDB00054; title not re-checked).",
    ),
}

OVERRIDES = {
    ("Huang2021", "cyp2c9_1_3"): Group(
        "cyp2c9_1_3",
        "cyp2c9_1_3: curated diplotype *3/*3 but group id *1/*3, n=5-6 of 11 Chinese subjects; mapped "
        "to *1/*3 (6 *3/*3 carriers among 11 is implausible at a *3 frequency of ~3-4 %) — ambiguous",
        {"genotype": {"CYP2C9": "*1/*3"}},
    ),
}

HEADER = """
Written by `tools/build_losartan_cases.py ../shared` from `../shared/clinical/losartan` (PK-DB curation
tables of the cited papers, König lab, MIT by location; attribute PK-DB and the papers). Protocol:
`model_library/losartan/README.md`. One case per intervention (`<Study>_<arm>`), except studies that
dosed the same subjects several ways (Lo1995 study 1: IV and oral, study 2: IV losartan and IV E-3174;
FDA1995S67; Munafo1992 doses; Donzelli2014 cocktails): one case with `[arms.NAME]` tables, its groups
`<group>@<arm>` (arms named by their intervention, as in the summary file, when the study has one).

* **No model yet.** `model = "losartan"`; output ids `C_plasma_los` (losartan plasma) and `[C_e3174]`
  (E-3174) and the E-3174 dosing target `C_e3174` are `sbmltwin build`'s names for a compound with
  `id = "los"` and a metabolite with `id = "e3174"` (the compound file must use those ids). Until the model exists `sbmltwin demo` / `sbmltwin validate` (no paths) skip these
  cases and say so.
* Doses: losartan potassium × 422.92/461.0 where the curation names the potassium salt; as curated
  otherwise (FDA1995S67, Donzelli2014, Oh2012: stated per case).
* Group means only; series with fewer than 3 samples are left out. Curated CYP2C9 diplotypes are used
  as profiles; other groups are CYP2C9 mixtures of all classes of the study population (East Asian:
  Korean, Chinese, Japanese; European otherwise). Ratios (AUC, each non-*1/*1 group over *1/*1) are
  declared for losartan and E-3174 where both groups have the series.
* `<Study>.summary.csv`: published summary statistics per group (format in `tools/clinical_cases.py`,
  `write_summary`). Sekino2003 has tables only (E-3174/losartan AUC ratio by genotype), which
  sbmltwin does not compare: no case.
* Table-only arms get a summary-only case (`[observed] summary` without `file`): Lo1995_PO100
  (100 mg oral; Lo1995 is a training study in the protocol, so its role is training).
  Genotype-defined groups reported in tables only join their study's case (Fischer2002 CYP2C9
  *1/*1, *1/*2; group sizes from the curation's group table), judged on their tables.
* IV cases need issue 15's windows for a meaningful observed AUC (the current runner prepends (0, 0)).
"""

SPEC = PkdbSpec(
    drug=DRUG,
    gene="CYP2C9",
    analytes={"losartan": "losartan", "exp3174": "E3174"},
    outputs={
        "losartan": ("C_plasma_los", "422.92 g/mol"),
        "E3174": ("[C_e3174]", f"{E3174_MW} g/mol"),
    },
    training={"Han2009a", "Lo1995"},
    arms=ARMS,
    merged={  # one study, the same subjects dosed several ways: one case with arms
        "Lo1995_study1": ["Lo1995_IV20", "Lo1995_PO50"],
        "Lo1995_study2": ["Lo1995_IV30", "Lo1995_E3174_IV20"],
        "FDA1995S67": ["FDA1995S67_PO50", "FDA1995S67_IV10", "FDA1995S67_E3174_IV10"],
        "Munafo1992": [f"Munafo1992_{mg}mg" for mg in (40, 80, 120)],
        "Donzelli2014": ["Donzelli2014_cocktail3", "Donzelli2014_cocktail6"],
    },
    population=POPULATION,
    references=REFS,
    group_overrides=OVERRIDES,
    summary_only={"Sekino2003": ["LOS25"]},
    summary_arms=[
        arm(
            "Lo1995_PO100",
            "Lo1995",
            "LOS100PO",
            100,
            end=30,
            note="14C-losartan solution, taken as the potassium salt",
        ),
        arm("Sekino2003", "Sekino2003", "LOS25", 25),
    ],
    summary_extra={"exp3174/losartan": "E3174/losartan"},
    left_out=[
        (
            "FDA1995S60",
            "the same study as Lo1995 part 2 (100 mg oral 14C, 30 mg IV, E-3174 20 mg IV, n=6): a duplicate of training data",
        ),
        (
            "Sica1995",
            "renal/hepatic-impairment groups, multiple dose; the covariates are not yet case inputs",
        ),
        (
            "Ohtawa1993 multiple-dose arm (LOS100M)",
            "the curated dosing schedule (S-7T1R7) is not decoded here",
        ),
        ("Goldberg1995a", "trough levels over 6 weeks of dosing (no profile)"),
        ("Doig1993", "no concentration series in the curation"),
        ("Puris2019, Kim2016", "no group-level losartan series with dosing in the curation"),
        ("interaction arms", "silymarin, breviscapine, phenytoin, cimetidine, bucolome"),
        ("Munafo1992 losartan at 40 mg", "fewer than 3 samples (E-3174 kept)"),
        ("Yasar2002a", "held back by the lead (not in ../shared)"),
    ],
    header=HEADER,
)

if __name__ == "__main__":
    build_pkdb(SPEC, SH, OUT)
