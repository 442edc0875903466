"""Write validation/omeprazole/ from ../shared/clinical/omeprazole (OSP time courses).

Run from the repository root: ``python tools/build_omeprazole_cases.py [SHARED_DIR]``. The observed
numbers are copied unchanged (negative digitised values are dropped and listed). Studies, groups,
profiles and roles follow model_library/omeprazole/README.md (the protocol, committed before any
model existed). The model compound is racemic omeprazole: esomeprazole and R-omeprazole series
are left out (listed in the README with the reason).
"""

import sys
from pathlib import Path

import pandas as pd
from clinical_cases import (
    Case,
    Group,
    StudyEntry,
    merge_arms,
    osp_n,
    osp_rows,
    trial_spec,
    write_case,
    write_index,
)

DRUG = "omeprazole"
SH = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared") / "clinical" / DRUG
OUT = Path("validation") / DRUG
TRAINING = {"Cho2002", "Andersson1990"}  # protocol: genotyped EM/PM single dose; IV + oral arms
# the builder's plasma output for compound id "ome" (sbmltwin build: C_plasma_<id>)
OUTPUTS = {"omeprazole": ("C_plasma_ome", "345.42 g/mol")}

ALL_EU = {"gene": "CYP2C19", "population": "European", "exclude_phenotypes": []}
NON_PM_EU = {"gene": "CYP2C19", "population": "European", "exclude_phenotypes": ["PM"]}
PM = {"phenotype": {"CYP2C19": "PM"}}
HOM_EM = {"genotype": {"CYP2C19": "*1/*1"}}
UNSEL = "unselected healthy volunteers (not genotyped) → European CYP2C19 mixture of all classes"


def ref(study: str) -> tuple[str, str]:
    return REFS[study]


REFS = {
    "Cho2002": (
        "doi:10.1046/j.0306-5251.2001.01570.x",
        "Cho JY, Yu KS, Jang IJ, Yang BH, Shin SG, Yim DS. Omeprazole hydroxylation is inhibited by a "
        "single dose of moclobemide in homozygotic EM genotype for CYP2C19. Br J Clin Pharmacol. "
        "2002;53(4):393-397. (omeprazole-alone phase; DOI not re-checked)",
    ),
    "Andersson1990": (
        "Drug Investig 1990;2(4):255-263 (no DOI/PMID found)",
        "Andersson T, Regårdh CG. Pharmacokinetics of omeprazole and metabolites following single "
        "intravenous and oral doses of 40 and 80 mg. Drug Investig. 1990;2(4):255-263.",
    ),
    "Andersson1991": (
        "Drug Investig 1991;3(1):45 (no DOI/PMID found)",
        "Andersson T, Cederberg C, Heggelund A, Lundborg P. The pharmacokinetics of single and "
        "repeated once-daily doses of 10, 20 and 40 mg omeprazole as enteric-coated granules. Drug "
        "Investig. 1991;3(1):45.",
    ),
    "Andersson1998": (
        "doi:10.1046/j.1365-2125.1998.t01-1-00696.x",
        "Andersson T, Holmberg J, Röhss K, Walan A. Pharmacokinetics and effect on caffeine metabolism "
        "of the proton pump inhibitors, omeprazole, lansoprazole, and pantoprazole. Br J Clin "
        "Pharmacol. 1998;45(4):369-375. (DOI not re-checked)",
    ),
    "Regardh1990": (
        "pmid:2349408",
        "Regårdh CG, Andersson T, Lagerström PO, Lundborg P, Skånberg I. The pharmacokinetics of "
        "omeprazole in humans--a study of single intravenous and oral doses. Ther Drug Monit. "
        "1990;12(2):163-172. (PMID not re-checked)",
    ),
    "Oosterhuis1992": (
        "doi:10.1002/j.1552-4604.1992.tb03864.x",
        "Oosterhuis B, Jonkman JHG, Andersson T, Zuiderwijk PBM. No influence of single intravenous "
        "doses of omeprazole on theophylline elimination kinetics. J Clin Pharmacol. "
        "1992;32(5):470-475. (DOI not re-checked)",
    ),
    "Andersson2000": (
        "Gastroenterology 2000;118(4 Suppl 2):A1210 (abstract; no DOI)",
        "Andersson T, Röhss K, Hassan-Alin M, et al. Pharmacokinetics (PK) and effect on pentagastrin "
        "stimulated peak acid output (PAO) of omeprazole (O) and its 2 optical isomers, "
        "S-omeprazole/esomeprazole (E) and R-omeprazole (R-O). (as listed upstream; abstract)",
    ),
    "Hassan-Alin2005": (
        "doi:10.2165/00044011-200525110-00002",
        "Hassan-Alin M, Andersson T, Niazi M, Röhss K. A pharmacokinetic study comparing single and "
        "repeated oral doses of 20 mg and 40 mg omeprazole and its two optical isomers, S-omeprazole "
        "(esomeprazole) and R-omeprazole, in healthy subjects. Eur J Clin Pharmacol. "
        "2005;60(11):779-784. (DOI not re-checked)",
    ),
    "Yasui-Furukori2004": (
        "doi:10.1111/j.1365-2125.2003.02039.x",
        "Yasui-Furukori N, Takahata T, Nakagami T, et al. Different inhibitory effect of fluvoxamine "
        "on omeprazole metabolism between CYP2C19 genotypes. Br J Clin Pharmacol. 2004;57(4):487-494. "
        "(placebo phase; DOI not re-checked)",
    ),
}

# case id -> (study, doses, end h, dose note, [(group, exact data-set name, profile|None, mixture|None,
#             description)], ratios)
C = {
    "Cho2002": (
        "Cho2002",
        ["20 mg oral"],
        12,
        "20 mg omeprazole single oral dose (omeprazole-alone phase)",
        [
            (
                "EM",
                "Cho2002.Mean Ompz.20mg.po.EM",
                HOM_EM,
                None,
                "homozygous EM, CYP2C19 *1/*1, Korean",
            ),
            ("PM", "Cho2002.Mean Ompz.20mg.po.PM", PM, None, "PM (genotyped), Korean"),
        ],
        [("PM", "EM")],
    ),
}


def _unsel(case_id, study, dose, end, note, name):
    C[case_id] = (study, [dose], end, note, [("all", name, None, ALL_EU, UNSEL)], [])


for mg in (40, 80):
    _unsel(
        f"Andersson1990_IV{mg}",
        "Andersson1990",
        f"{mg} mg iv",
        6,
        f"{mg} mg IV (given as a bolus here; the injection time is not in the data-set name)",
        f"Andersson1990.Omeprazole.{mg}mg.iv",
    )
    _unsel(
        f"Andersson1990_PO{mg}",
        "Andersson1990",
        f"{mg} mg oral",
        6,
        f"{mg} mg single oral dose (same subjects as the IV arm)",
        f"Andersson1990.Omeprazole.{mg}mg.po",
    )
for mg in (10, 20, 40):
    _unsel(
        f"Andersson1991_IV{mg}",
        "Andersson1991",
        f"{mg} mg iv",
        4,
        f"{mg} mg IV, day 1 (given as a bolus here)",
        f"Andersson1991.Omeprazole.{mg}mg.iv.Day1",
    )
for mg in (20, 40):
    _unsel(
        f"Andersson1991_PO{mg}_day1",
        "Andersson1991",
        f"{mg} mg oral",
        6,
        f"{mg} mg enteric-coated granules, first dose",
        f"Andersson1991.Omeprazole.{mg}mg.po_Day1",
    )
    _unsel(
        f"Andersson1991_PO{mg}_day5",
        "Andersson1991",
        f"{mg} mg oral every 24h x5",
        104,
        f"{mg} mg once daily for 5 days; profile after the 5th dose (96 h)",
        f"Andersson1991.Omeprazole.{mg}mg.po_Day5",
    )
C["Andersson1998"] = (
    "Andersson1998",
    ["20 mg oral"],
    6,
    "20 mg omeprazole single oral dose",
    [
        (
            "EM",
            "Andersson1998.Omeprazole.20mg.po_EM",
            None,
            NON_PM_EU,
            "EM (genotyping not stated) → European CYP2C19 non-PM mixture",
        ),
        ("PM", "Andersson1998.Omeprazole.20mg.po_PM", PM, None, "PM → CYP2C19 phenotype PM"),
    ],
    [("PM", "EM")],
)
_unsel(
    "Regardh1990_IV10",
    "Regardh1990",
    "10 mg infusion over 5 min",
    2,
    "10 mg IV over 5 min; median curve (individual subjects 2 and 7 left out)",
    "Regardh1990.Omeprazole.10mg.IV_5min_infusion_Median",
)
_unsel(
    "Regardh1990_PO20",
    "Regardh1990",
    "20 mg oral",
    2,
    "20 mg oral; median curve (individual subject 7 left out)",
    "Regardh1990.Omeprazole.20mg.po_Median",
)
_unsel(
    "Oosterhuis1992_IV40",
    "Oosterhuis1992",
    "40 mg infusion over 2.5 min",
    4,
    "40 mg IV over 2.5 min",
    "Oosterhuis1992.Omeprazole.40mg.IV_2.5min_infusion",
)
_unsel(
    "Oosterhuis1992_IV80",
    "Oosterhuis1992",
    "80 mg infusion over 5 min",
    4,
    "80 mg IV over 5 min",
    "Oosterhuis1992.Omeprazole.80mg.IV_5min_infusion",
)
C["Andersson2000_EM"] = (
    "Andersson2000",
    ["15 mg oral every 24h x7"],
    151,
    "15 mg omeprazole once daily; profile after the 7th dose (144 h). Dose and day read from the "
    "data-set name and sampling times",
    [
        (
            "EM",
            "Andersson2000 from Andersson2001-.Omeprazole.15.po.EM",
            None,
            NON_PM_EU,
            "EM → European CYP2C19 non-PM mixture",
        )
    ],
    [],
)
C["Andersson2000_PM"] = (
    "Andersson2000",
    ["60 mg oral every 24h x7"],
    156,
    "60 mg omeprazole once daily as named upstream; profile after the 7th dose (144 h)",
    [("PM", "Andersson2000 from Andersson2001-.Omeprazole.60.po.PM", PM, None, "PM")],
    [],
)
for mg in (20, 40):
    _unsel(
        f"Hassan-Alin2005_PO{mg}",
        "Hassan-Alin2005",
        f"{mg} mg oral every 24h x5",
        106,
        f"{mg} mg racemic omeprazole once daily for 5 days (day-1 and day-5 profiles in one series)",
        f"Hassan-Alin2005.Omeprazole.{mg}mg.po",
    )
C["Yasui-Furukori2004"] = (
    "Yasui-Furukori2004",
    ["40 mg oral at 120h"],
    128,
    "40 mg omeprazole single dose on day 6 of the placebo phase (t = 120 h, inferred from the "
    "sampling times 120.5–128 h)",
    [
        (
            "hmEM",
            "Yasui-Furukori2004.omeprazole.40mg.po.japanese hmEM 1",
            HOM_EM,
            None,
            "Japanese homozygous EM, CYP2C19 *1/*1",
        )
    ],
    [],
)

# one study, the same subjects (as curated: one unselected group) dosed several ways: one case with
# arms (arm name, the one-regimen case above). Andersson2000 is not one: its EM and PM groups got
# different doses.
MERGED = {
    "Andersson1990": [
        ("IV40", "Andersson1990_IV40"),
        ("PO40", "Andersson1990_PO40"),
        ("IV80", "Andersson1990_IV80"),
        ("PO80", "Andersson1990_PO80"),
    ],
    "Andersson1991": [
        ("IV10", "Andersson1991_IV10"),
        ("IV20", "Andersson1991_IV20"),
        ("IV40", "Andersson1991_IV40"),
        ("PO20_day1", "Andersson1991_PO20_day1"),
        ("PO20_day5", "Andersson1991_PO20_day5"),
        ("PO40_day1", "Andersson1991_PO40_day1"),
        ("PO40_day5", "Andersson1991_PO40_day5"),
    ],
    "Regardh1990": [("IV10", "Regardh1990_IV10"), ("PO20", "Regardh1990_PO20")],
    "Oosterhuis1992": [("IV40", "Oosterhuis1992_IV40"), ("IV80", "Oosterhuis1992_IV80")],
    "Hassan-Alin2005": [("PO20", "Hassan-Alin2005_PO20"), ("PO40", "Hassan-Alin2005_PO40")],
}

LEFT_OUT = [
    ("FDA, Hassan-Alin2000, Rohss2007, Wilder-Smith2005", "esomeprazole only (another compound)"),
    (
        "Andersson2000 and Hassan-Alin2005 esomeprazole / R-omeprazole series",
        "enantiomers are other compounds; the model is racemic omeprazole",
    ),
    ("Regardh1990 subjects 2 and 7", "individual subjects; the median curves are used"),
    ("Uno2007", "held back by the lead (not in ../shared)"),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    studies = pd.read_csv(SH / "studies.tsv", sep="\t", dtype=str).fillna("")
    used = {v[0] for v in C.values()}
    esomeprazole_only = {"FDA", "Hassan-Alin2000", "Rohss2007", "Wilder-Smith2005"}
    assert set(studies["study"]) == used | esomeprazole_only, "a study is neither used nor left out"
    dropped: list[str] = []
    entries: dict[str, StudyEntry] = {}
    built: dict[str, Case] = {}
    for case_id, (study, doses, end, note, groups, ratios) in C.items():
        tc = pd.read_csv(SH / "timecourses" / f"{study}.tsv", sep="\t")
        source, citation = ref(study)
        case = Case(
            id=case_id,
            model=DRUG,
            source=source,
            citation=citation,
            role="training" if study in TRAINING else "validation",
            doses=doses,
            end_h=end,
            dose_note=note,
            groups=[],
            outputs=OUTPUTS,
            ratios=[(a, b, "omeprazole") for a, b in ratios],
        )
        for name, dataset, profile, mixture, desc in groups:
            d = tc[(tc.dataset == dataset) & (tc.molecule == "Omeprazole")]
            assert len(d), (case_id, dataset)
            trial = trial_spec(osp_n(d))  # n is not in the OSP omeprazole data: none
            case.groups.append(Group(name, desc, profile or {}, mixture, mixture is None, trial))
            case.rows += osp_rows(d, name, "omeprazole", dropped, case_id)
        built[case_id] = case
    part_of = {old: new for new, parts in MERGED.items() for _, old in parts}
    for case_id, (study, *_) in C.items():
        if case_id in part_of:
            if part_of[case_id] in {c.id for c in built.values()}:
                continue  # written with its first arm
            new = part_of[case_id]
            case = merge_arms(new, [(arm, built.pop(old)) for arm, old in MERGED[new]])
            built[new] = case
            regimen = "; ".join(f"{new}@{a.name}: {', '.join(a.doses)}" for a in case.arms)
        else:
            case = built[case_id]
            regimen = f"{case_id}: {', '.join(case.doses)}"
        write_case(OUT, case)
        e = entries.setdefault(study, StudyEntry(study, case.role, case.source, [], "", ""))
        e.files += [f"{case.id}.toml", f"{case.id}.csv"]
        e.regimen += ("; " if e.regimen else "") + regimen
        e.groups = "; ".join(
            dict.fromkeys(
                [*filter(None, e.groups.split("; ")), *(g.description for g in case.groups)]
            )
        )
        print(case.id, case.role, len(case.rows))
    write_index(OUT, DRUG, entries.values(), header=HEADER, dropped=dropped, left_out=LEFT_OUT)


HEADER = """
Written by `tools/build_omeprazole_cases.py ../shared` from `../shared/clinical/omeprazole` (OSP
Omeprazole-Model ObservedData, digitised from the cited papers; GPL-2.0 redistribution). Protocol:
`model_library/omeprazole/README.md`. A study that dosed its subjects several ways (IV and oral,
several doses, first and fifth day: Andersson1990, Andersson1991, Regardh1990, Oosterhuis1992,
Hassan-Alin2005) is one case with `[arms.NAME]` tables, its group `all@NAME`; Andersson2000 (EM and
PM groups on different doses) stays one case per group (`<Study>_<group>`).

* **No model yet.** `model = "omeprazole"`; the output id `C_plasma_ome` is `sbmltwin build`'s venous
  plasma output of a compound with `id = "ome"` (the compound file must use that id). Until the model exists `sbmltwin demo` / `sbmltwin validate`
  (no paths) skip these cases and say so.
* Concentrations are mostly µmol/L (MW 345.42 g/mol for the conversion). n per group is not in the
  OSP data-set names; see the papers.
* IV doses without an infusion time in the data-set name are written as boluses (stated per case).
* Multiple-dose cases (Andersson1991 day 5, Andersson2000, Hassan-Alin2005, Yasui-Furukori2004 at
  120 h) need issue 15's common windows for a meaningful observed AUC (the current runner adds (0, 0)).
"""

if __name__ == "__main__":
    main()
